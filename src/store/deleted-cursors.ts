/**
 * Cursors that name deleted objects. Ids are random, so a deleted id alone does not say where it
 * stood: a delete remembers (list, owner, id) -> seq here, in the delete's own transaction, and a
 * list whose `after`/`before` names no live object looks here before refusing the cursor. The next
 * page is then what it would have been had the object not been deleted (docs/compatibility.md,
 * "Pagination").
 *
 * Deletes that remove a whole list with its parent (a thread's messages and runs, a vector store's
 * files, a message's files) record nothing: that list is gone, and so is any cursor into it.
 */
import { and, eq, getTableName, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from './database.js';
import { deletedCursors } from './schema.js';

/** A listed table: its ordering column, its public id, and the column naming the list a row is in. */
export interface ListedTable {
  table: SQLiteTable;
  seq: SQLiteColumn;
  id: SQLiteColumn;
  /** The tenant, thread, run, vector store, assistant or message whose list the row belongs to. */
  owner: SQLiteColumn;
  tenant: SQLiteColumn;
}

/** What a delete's `.returning(deletedRowFields(source))` gives back (typed loosely: the columns are any table's). */
export interface DeletedRow {
  id: unknown;
  seq: unknown;
  owner: unknown;
  tenant: unknown;
}

/** The database or a transaction of it: both run these statements. */
export type Writer = Pick<Db, 'insert' | 'delete' | 'select'>;

/** How many deleted positions are kept, all tenants together; the oldest go first. */
export const DELETED_CURSORS_KEPT = 100_000;

/** The columns a delete returns so that its rows can be remembered. */
export function deletedRowFields(source: ListedTable) {
  return { id: source.id, seq: source.seq, owner: source.owner, tenant: source.tenant };
}

/**
 * Deletes the rows of `source` that `where` selects and records where each stood, in one step; call it
 * inside the delete's transaction. Returns how many rows went.
 */
export function deleteRemembering(db: Writer, source: ListedTable, where: SQL | undefined): number {
  const rows = db.delete(source.table).where(where).returning(deletedRowFields(source)).all() as DeletedRow[];
  rememberDeleted(db, source, rows);
  return rows.length;
}

/** Records where the deleted rows stood; call inside the delete's transaction. */
export function rememberDeleted(db: Writer, source: ListedTable, rows: readonly DeletedRow[], kept = DELETED_CURSORS_KEPT): void {
  if (rows.length === 0) return;
  const list = getTableName(source.table);
  db.insert(deletedCursors)
    .values(
      rows.map((row) => ({ tenant: String(row.tenant), list, owner: String(row.owner), id: String(row.id), position: Number(row.seq) })),
    )
    // The same file can leave the same vector store twice (added again in between): the latest place wins.
    .onConflictDoUpdate({
      target: [deletedCursors.list, deletedCursors.owner, deletedCursors.id],
      set: { position: sql`excluded.position`, tenant: sql`excluded.tenant` },
    })
    .run();
  // Keep the table small: a cursor older than the last `kept` deletes is refused like an unknown id.
  db.delete(deletedCursors)
    .where(sql`${deletedCursors.seq} <= (SELECT max(${deletedCursors.seq}) FROM ${deletedCursors}) - ${kept}`)
    .run();
}

/** The position a deleted object had in the list `owner` of `source`, if it is remembered. */
export function deletedPosition(db: Db, source: ListedTable, owner: string, id: string): number | undefined {
  const row = db
    .select({ position: deletedCursors.position })
    .from(deletedCursors)
    .where(and(eq(deletedCursors.list, getTableName(source.table)), eq(deletedCursors.owner, owner), eq(deletedCursors.id, id)))
    .get();
  return row?.position;
}
