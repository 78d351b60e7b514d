import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { packagePath } from '../paths.js';
import * as schema from './schema.js';
import { assertWritable, lockDatabaseFile, needsLock } from './file-guards.js';
import { openSqlite } from './sqlite.js';
import { commitWriteBatch } from './write-batch.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = packagePath('migrations');

/**
 * The WAL size (pages) at which a commit checkpoints it, inline, on the thread that committed: four
 * times SQLite's default (1000). A message create writes four WAL pages, mostly the same few table and
 * index pages again and again, so a checkpoint of a longer WAL copies hardly more pages and its three
 * `fsync`s are paid four times less often: in wall time per create, ~85-105 µs against ~100-145 µs at 1000,
 * while the one-page INSERT of the create baseline gains ~2-3 µs (bench/wal-autocheckpoint.ts). The
 * price: a WAL file of up to ~16 MiB while writes go on (truncated at close), a longer checkpoint
 * every 4000 pages, and as much more WAL to read back after a killed process. A checkpoint in a worker
 * thread was tried and did not pay: under a continuous writer the WAL only starts over after an inline
 * checkpoint anyway (git log: "Revert the worker checkpointer").
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

/** The lock of each open database file (src/store/file-guards.ts), released by closeDatabase. */
const locks = new WeakMap<Db, Database.Database>();

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas and applies pending migrations.
 * WAL lets readers run while the engine writes; synchronous=NORMAL is durable against a killed
 * process (not against power loss), the trade-off a test double wants. Refuses a file another
 * server holds, and a file it cannot write (file-guards.ts), before anything else touches it.
 */
export function openDatabase(path: string): Db {
  if (needsLock(path)) mkdirSync(dirname(path), { recursive: true });
  const lock = needsLock(path) ? lockDatabaseFile(path) : undefined;
  try {
    const sqlite = openSqlite(path);
    try {
      // synchronous first: switching a new file to WAL then flushes it once less.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      assertWritable(sqlite, path);
      cacheStatements(sqlite);
      const db = drizzle(sqlite, { schema }) as Db;
      // Foreign keys off while migrating: drizzle-kit rebuilds a changed table as new table, copy, DROP,
      // RENAME (migrations/0005), and with them on, the DROP deletes the rows that reference the old
      // table (a message's files). `PRAGMA foreign_keys` is ignored inside a transaction, which is where
      // the migrator runs its statements, so it is set here, around it, and the result checked. (Off
      // explicitly: better-sqlite3 builds SQLite with foreign keys on by default.)
      sqlite.pragma('foreign_keys = OFF');
      const applied = appliedMigrations(sqlite);
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      sqlite.pragma('foreign_keys = ON');
      // A scan of every table that references another: only after a migration changed a file that
      // had rows (a new file has none to break).
      if (applied > 0 && appliedMigrations(sqlite) !== applied) {
        const broken = sqlite.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`${path}: ${broken.length} rows break a foreign key after migrating`);
      }
      if (lock) locks.set(db, lock);
      return db;
    } catch (error) {
      sqlite.close();
      throw error;
    }
  } catch (error) {
    lock?.close();
    throw error;
  }
}

/** How many migrations the file has had (drizzle's own table; 0 for a new file). */
function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  return table === undefined ? 0 : (sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number);
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle prepares every query it runs, and better-sqlite3 compiles the SQL on every prepare. The
 * hottest queries are prepared once per database (`preparedQuery` below, the thread lookup), but the
 * rest (the message INSERT, every update the engine makes through drizzle's builder) would be
 * compiled again on every call: keep the compiled statements, by text, and hand them out again.
 * Measured with bench/statement-cache.ts (a loaded 2-core machine): preparing the message INSERT
 * took 0.2 µs from the cache against 61 µs compiled, a drizzle run UPDATE 1.5 µs against 127 µs, on
 * requests that take a few hundred µs. Queries are parameterized, so their SQL texts are few. A
 * statement comes back in its default (non-raw) mode whoever used it last.
 */
function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source); // re-inserted below: the Map's order is the least recently used first
    } else {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, statement);
    if (statement.reader) statement.raw(false);
    return statement;
  }) as typeof sqlite.prepare;
}

/** What a drizzle prepared query offers, with its placeholders' values passed by name. */
export interface PreparedQuery<T> {
  all(values: Record<string, unknown>): T[];
  get(values: Record<string, unknown>): T | undefined;
}

const preparedByDb = new WeakMap<Db, Map<string, PreparedQuery<unknown>>>();

/**
 * A drizzle query built and prepared once per database under `key`, with placeholders for its values.
 * For hot queries: drizzle building the same query on every call cost ~40% of a page of messages and a
 * sixth of a message create (bench/http.ts). `build` must depend on nothing but the key.
 */
export function preparedQuery<T>(db: Db, key: string, build: () => PreparedQuery<T>): PreparedQuery<T> {
  let byKey = preparedByDb.get(db);
  if (!byKey) preparedByDb.set(db, (byKey = new Map()));
  let query = byKey.get(key) as PreparedQuery<T> | undefined;
  if (!query) byKey.set(key, (query = build()));
  return query;
}

const transactionRunners = new WeakMap<Db, (body: () => unknown) => unknown>();

/**
 * Runs `body` in a transaction (a savepoint when one is already open): committed when it returns,
 * rolled back when it throws. For writes on hot paths, instead of drizzle's `db.transaction`, which
 * on every call builds a transaction object (a whole database facade, with a query builder per
 * table) and better-sqlite3's four transaction wrappers around the callback: in-process (a message
 * create's active-run check and insert, bench/create-sql.ts) that was 15-30% of the create's SQLite
 * work. Here the wrapper is made once per database and only `body` changes. `body` must be
 * synchronous and use `db` itself (better-sqlite3 has one connection).
 */
export function inTransaction<T>(db: Db, body: () => T): T {
  let run = transactionRunners.get(db);
  if (!run) transactionRunners.set(db, (run = db.$client.transaction((inner: () => unknown) => inner())));
  return run(body) as T;
}

/** Checkpoints the WAL into the main file and closes, so the file alone is a complete copy. */
export function closeDatabase(db: Db): void {
  const sqlite = db.$client;
  if (!sqlite.open) return;
  commitWriteBatch(db);
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    sqlite.close();
    locks.get(db)?.close();
    locks.delete(db);
  }
}
