/**
 * Cursor pagination as the Assistants API does it (LIMITS.md section 2): `limit` items ordered by
 * creation (`order` asc or desc, default desc), starting after the `after` id or ending before the
 * `before` id. Ordering is by the private `seq` column, so objects created in the same second keep
 * a stable order, and each page is one indexed range query.
 */
import { and, asc, desc, eq, getTableColumns, getTableName, gt, lt, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { invalidParam } from '../domain/errors.js';
import { preparedQuery, type Db, type PreparedQuery } from './database.js';
import { deletedPosition, type ListedTable } from './deleted-cursors.js';

export interface PageQuery {
  limit?: number;
  order?: 'asc' | 'desc';
  after?: string;
  before?: string;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
  /**
   * A cursor named a deleted object and was placed by its remembered position: such a page can change
   * without a write to its list, when later deletes anywhere push that position out of the table
   * (src/store/deleted-cursors.ts), so it is not one to keep (src/store/message-pages.ts).
   */
  fromRememberedCursor?: boolean;
}

/** A listed table (src/store/deleted-cursors.ts); every list's is in src/store/lists.ts. */
export type PagedTable = ListedTable;

/**
 * The rows a list covers: `column = value` for each pair. A pair whose value is undefined is left out,
 * which is how optional filters (a run_id, a purpose, a status) are passed.
 */
export type ListScope = readonly (readonly [SQLiteColumn, string | number | undefined])[];

type Cursor = 'none' | 'gt' | 'lt';

/** The scope's given pairs as conditions on placeholders s0, s1, ..., their values, and a key naming the shape. */
function scopeParts(source: PagedTable, scope: ListScope) {
  const given = scope.filter(([, value]) => value !== undefined);
  const conditions: SQL[] = given.map(([column], i) => eq(column, sql.placeholder(`s${i}`)));
  const values: Record<string, unknown> = {};
  given.forEach(([, value], i) => (values[`s${i}`] = value));
  const key = `${getTableName(source.table)}(${given.map(([column]) => column.name).join(',')})`;
  return { conditions, values, key };
}

/** A prepared page query's raw form: each row an array of the table's column values, in column order. */
interface RawPageQuery {
  values(values: Record<string, unknown>): unknown[][];
}

type RowMapper = (values: unknown[]) => unknown;
const rowMappers = new WeakMap<SQLiteTable, RowMapper>();

/**
 * Turns a raw row (the values of `getTableColumns(table)`, in that order) into the object drizzle's
 * `select().all()` returns: each value through its column's decoder (JSON columns parsed), NULL kept.
 * drizzle's own mapper looks up every field's kind with `instanceof` chains on every row, which was a
 * fifth of the CPU of a page of 20 messages (a `node --cpu-prof` of bench/http.ts); this works that
 * out once per table.
 */
function rowMapperOf(table: SQLiteTable): RowMapper {
  let mapper = rowMappers.get(table);
  if (mapper) return mapper;
  const columns = Object.entries(getTableColumns(table));
  const keys = columns.map(([key]) => key);
  const decoders = columns.map(([, column]) => column);
  mapper = (values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      row[keys[i]] = value === null ? null : decoders[i].mapFromDriverValue(value);
    }
    return row;
  };
  rowMappers.set(table, mapper);
  return mapper;
}

export function listPage<Row>(db: Db, source: PagedTable, scope: ListScope, query: PageQuery): Page<Row> {
  const limit = query.limit ?? 20;
  const order = query.order ?? 'desc';
  // A cursor that a route's schema does not declare (files have no `before`) arrives unvalidated, and
  // `?before=a&before=b` makes it an array, which SQLite refused with a 500: only a string is a cursor.
  // Found by test/fuzz.test.ts.
  const after = typeof query.after === 'string' ? query.after : undefined;
  const before = typeof query.before === 'string' ? query.before : undefined;
  const afterCursor = after ? cursorSeq(db, source, scope, after, 'after') : undefined;
  const beforeCursor = before ? cursorSeq(db, source, scope, before, 'before') : undefined;
  const afterSeq = afterCursor?.seq;
  const beforeSeq = beforeCursor?.seq;
  // "after" moves along the list order, "before" against it.
  const afterOp: Cursor = afterSeq === undefined ? 'none' : order === 'asc' ? 'gt' : 'lt';
  const beforeOp: Cursor = beforeSeq === undefined ? 'none' : order === 'asc' ? 'lt' : 'gt';
  // A page that ends before a cursor (and has no start) is the `limit` items nearest to that cursor.
  const nearBefore = beforeSeq !== undefined && afterSeq === undefined;
  const ascending = nearBefore ? order === 'desc' : order === 'asc';

  const { conditions, values, key } = scopeParts(source, scope);
  // Each list shape (table, filters given, order, cursors) is prepared once: there are few of them.
  const page = preparedQuery<Row>(db, `page ${key} after:${afterOp} before:${beforeOp} ${ascending ? 'asc' : 'desc'}`, () => {
    const cursorCondition = (op: Cursor, name: string) =>
      op === 'none' ? undefined : (op === 'gt' ? gt : lt)(source.seq, sql.placeholder(name));
    // The table's columns, named: their order is the order rowMapperOf reads the raw values in.
    return db
      .select(getTableColumns(source.table))
      .from(source.table)
      .where(and(...conditions, cursorCondition(afterOp, 'after'), cursorCondition(beforeOp, 'before')))
      .orderBy(ascending ? asc(source.seq) : desc(source.seq))
      .limit(sql.placeholder('limit'))
      .prepare() as unknown as PreparedQuery<Row>;
  });
  const raw = (page as unknown as RawPageQuery).values({ ...values, after: afterSeq, before: beforeSeq, limit: limit + 1 });
  const rows = raw.map(rowMapperOf(source.table)) as Row[];
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  if (nearBefore) rows.reverse();
  if (afterCursor?.remembered || beforeCursor?.remembered) return { rows, hasMore, fromRememberedCursor: true };
  return { rows, hasMore };
}

function cursorSeq(db: Db, source: PagedTable, scope: ListScope, id: string, param: string): { seq: number; remembered: boolean } {
  const { conditions, values, key } = scopeParts(source, scope);
  const lookup = preparedQuery<{ seq: number }>(
    db,
    `cursor ${key}`,
    () =>
      db
        .select({ seq: source.seq })
        .from(source.table)
        .where(and(...conditions, eq(source.id, sql.placeholder('id'))))
        .prepare() as unknown as PreparedQuery<{ seq: number }>,
  );
  const row = lookup.get({ ...values, id });
  if (row) return { seq: row.seq, remembered: false };
  // A deleted object keeps its place: the page after it is the one that followed it.
  const owner = scope.find(([column]) => column === source.owner)?.[1];
  const position = owner === undefined ? undefined : deletedPosition(db, source, String(owner), id);
  if (position !== undefined) return { seq: position, remembered: true };
  // An id that was never in this list (or whose deletion is too old to be remembered).
  throw invalidParam(param, `No object found with id '${id}' in this list.`);
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
