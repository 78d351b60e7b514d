/**
 * Cursor pagination as the Assistants API does it (LIMITS.md section 2): `limit` items ordered by
 * creation (`order` asc or desc, default desc), starting after the `after` id or ending before the
 * `before` id. Ordering is by the private `seq` column, so objects created in the same second keep
 * a stable order, and each page is one indexed range query.
 */
import { and, asc, desc, eq, gt, lt, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { invalidParam } from '../http/errors.js';
import type { Db } from './database.js';

export interface PageQuery {
  limit?: number;
  order?: 'asc' | 'desc';
  after?: string;
  before?: string;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
}

export interface PagedTable {
  table: SQLiteTable;
  seq: SQLiteColumn;
  id: SQLiteColumn;
}

export function listPage<Row>(db: Db, source: PagedTable, scope: SQL | undefined, query: PageQuery): Page<Row> {
  const limit = query.limit ?? 20;
  const order = query.order ?? 'desc';
  const conditions: (SQL | undefined)[] = [scope];
  // A cursor that a route's schema does not declare (files have no `before`) arrives unvalidated, and
  // `?before=a&before=b` makes it an array, which SQLite refused with a 500: only a string is a cursor.
  // Found by test/fuzz.test.ts.
  const after = typeof query.after === 'string' ? query.after : undefined;
  const before = typeof query.before === 'string' ? query.before : undefined;
  const afterSeq = after ? cursorSeq(db, source, scope, after, 'after') : undefined;
  const beforeSeq = before ? cursorSeq(db, source, scope, before, 'before') : undefined;
  // "after" moves along the list order, "before" against it.
  if (afterSeq !== undefined) conditions.push(order === 'asc' ? gt(source.seq, afterSeq) : lt(source.seq, afterSeq));
  if (beforeSeq !== undefined) conditions.push(order === 'asc' ? lt(source.seq, beforeSeq) : gt(source.seq, beforeSeq));
  // A page that ends before a cursor (and has no start) is the `limit` items nearest to that cursor.
  const nearBefore = beforeSeq !== undefined && afterSeq === undefined;
  const ascending = nearBefore ? order === 'desc' : order === 'asc';
  const rows = db
    .select()
    .from(source.table)
    .where(and(...conditions))
    .orderBy(ascending ? asc(source.seq) : desc(source.seq))
    .limit(limit + 1)
    .all() as Row[];
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  if (nearBefore) rows.reverse();
  return { rows, hasMore };
}

function cursorSeq(db: Db, source: PagedTable, scope: SQL | undefined, id: string, param: string): number {
  const row = db
    .select({ seq: source.seq })
    .from(source.table)
    .where(and(scope, eq(source.id, id)))
    .get() as { seq: number } | undefined;
  if (!row) throw invalidParam(param, `No object found with id '${id}' in this list.`);
  return row.seq;
}

/** The list envelope: `{"object":"list","data",first_id,last_id,has_more}`; ids are null on an empty page. */
export function listEnvelope<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    object: 'list' as const,
    data,
    first_id: data.length > 0 ? data[0].id : null,
    last_id: data.length > 0 ? data[data.length - 1].id : null,
    has_more: hasMore,
  };
}
