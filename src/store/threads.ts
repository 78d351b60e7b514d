import type { Statement } from 'better-sqlite3';
import { and, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { forgetMessagePages } from './message-pages.js';
import { threads, type ThreadRow } from './schema.js';

export type NewThread = Omit<ThreadRow, 'seq'>;

export function insertThread(db: Db, row: NewThread): ThreadRow {
  return db.insert(threads).values(row).returning().get();
}

/**
 * The hottest lookup: every thread-scoped request (a retrieve, a message list, each poll of a run)
 * reads its thread first. Two things keep it cheap (bench/http.ts, docs/benchmarks.md):
 *
 * - A read-through cache of thread rows by id, per database. Only reads outside a transaction fill it
 *   (a row read inside one could still be rolled back), and every write to a thread goes through
 *   this module and forgets that thread first (updateThread, deleteThread; a reset forgets them all,
 *   forgetCachedThreads). The rows it hands out are frozen, so no caller can change them for the next.
 * - On a miss, a better-sqlite3 statement in raw mode (an array per row) prepared once per database
 *   and a hand-written mapping, instead of drizzle's generic row mapper, which cost more than SQLite.
 *   The column order follows `threads` in schema.ts; test/store.test.ts compares it with drizzle's.
 */
type RawThread = [seq: number, id: string, tenant: string, createdAt: number, toolResources: string | null, metadata: string];

interface ThreadLookup {
  statement: Statement<[string, string], RawThread>;
  cache: Map<string, ThreadRow>;
}

/** Enough for every thread of a big test suite; past it the oldest cached rows go first. */
export const THREAD_CACHE_SIZE = 10_000;

const lookups = new WeakMap<Db, ThreadLookup>();

function lookupFor(db: Db): ThreadLookup {
  let lookup = lookups.get(db);
  if (!lookup) {
    const statement = db.$client.prepare<[string, string], RawThread>(
      'SELECT seq, id, tenant, created_at, tool_resources, metadata FROM threads WHERE id = ? AND tenant = ?',
    );
    lookup = { statement, cache: new Map() };
    lookups.set(db, lookup);
  }
  return lookup;
}

export function findThread(db: Db, tenant: string, id: string): ThreadRow | undefined {
  const { statement, cache } = lookupFor(db);
  const cached = cache.get(id);
  // Ids are unique across tenants (threads_id): another tenant's thread is simply not found.
  if (cached) return cached.tenant === tenant ? cached : undefined;
  // raw(true) on every use: a statement is shared with anyone preparing the same SQL text.
  const raw = statement.raw(true).get(id, tenant);
  if (!raw) return undefined;
  const row = deepFreeze<ThreadRow>({
    seq: raw[0],
    id: raw[1],
    tenant: raw[2],
    createdAt: raw[3],
    toolResources: raw[4] === null ? null : (JSON.parse(raw[4]) as ThreadRow['toolResources']),
    metadata: JSON.parse(raw[5]) as ThreadRow['metadata'],
  });
  if (!db.$client.inTransaction) {
    if (cache.size >= THREAD_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(id, row);
  }
  return row;
}

/** Forgets every cached thread row of the database (after writes that bypass this module). */
export function forgetCachedThreads(db: Db): void {
  lookups.get(db)?.cache.clear();
}

/** How many thread rows are cached (tests and diagnostics). */
export function cachedThreadCount(db: Db): number {
  return lookups.get(db)?.cache.size ?? 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export function updateThread(db: Db, tenant: string, id: string, changes: Partial<NewThread>): ThreadRow | undefined {
  if (Object.keys(changes).length === 0) return findThread(db, tenant, id);
  lookups.get(db)?.cache.delete(id);
  return db
    .update(threads)
    .set(changes)
    .where(and(eq(threads.id, id), eq(threads.tenant, tenant)))
    .returning()
    .get();
}

/** Deletes the thread; its messages, runs and steps go with it (ON DELETE CASCADE). */
export function deleteThread(db: Db, tenant: string, id: string): boolean {
  lookups.get(db)?.cache.delete(id);
  forgetMessagePages(db, id);
  return db.transaction((tx) => {
    const rows = deleteRemembering(tx, LISTED.threads, and(eq(threads.id, id), eq(threads.tenant, tenant)));
    return rows > 0;
  });
}
