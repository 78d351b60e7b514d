import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { threads, type ThreadRow } from './schema.js';

export type NewThread = Omit<ThreadRow, 'seq'>;

export function insertThread(db: Db, row: NewThread): ThreadRow {
  return db.insert(threads).values(row).returning().get();
}

/**
 * One prepared statement per database for the hottest lookup (every thread-scoped request makes it):
 * building and preparing the query on each call was most of a retrieve's cost (bench/http.ts).
 */
const findThreadStatements = new WeakMap<Db, ReturnType<typeof prepareFindThread>>();

function prepareFindThread(db: Db) {
  return db
    .select()
    .from(threads)
    .where(and(eq(threads.id, sql.placeholder('id')), eq(threads.tenant, sql.placeholder('tenant'))))
    .prepare();
}

export function findThread(db: Db, tenant: string, id: string): ThreadRow | undefined {
  let statement = findThreadStatements.get(db);
  if (!statement) findThreadStatements.set(db, (statement = prepareFindThread(db)));
  return statement.get({ id, tenant });
}

export function updateThread(db: Db, tenant: string, id: string, changes: Partial<NewThread>): ThreadRow | undefined {
  if (Object.keys(changes).length === 0) return findThread(db, tenant, id);
  return db
    .update(threads)
    .set(changes)
    .where(and(eq(threads.id, id), eq(threads.tenant, tenant)))
    .returning()
    .get();
}

/** Deletes the thread; its messages, runs and steps go with it (ON DELETE CASCADE). */
export function deleteThread(db: Db, tenant: string, id: string): boolean {
  return (
    db
      .delete(threads)
      .where(and(eq(threads.id, id), eq(threads.tenant, tenant)))
      .run().changes > 0
  );
}
