/**
 * Start-up guards of a database file: one server per file, and a file this server can write.
 *
 * The lock: a second server on the same file used to start without complaint, and its start-up
 * recovery deleted the message and step the first one was streaming. The first server now holds an
 * exclusive SQLite lock on a side file, `<database>.lock`, for as long as it runs. SQLite locks are
 * the operating system's file locks, released when the process ends however it ends: after a
 * `kill -9` the file is left behind but not the lock, and the next server starts. Within one process
 * SQLite tracks its own connections' locks, so a second in-process server is refused too. A side file
 * rather than the database itself, so that other readers (the sqlite3 shell, backups) still work.
 */
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from './sqlite.js';

/** The paths that name no shared file (`:memory:`, `file:` URIs) get no lock. */
export function needsLock(path: string): boolean {
  return path !== ':memory:' && !path.startsWith('file:');
}

export function lockPathOf(path: string): string {
  return `${path}.lock`;
}

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** Takes the lock of `path`, or throws an Error whose message says which file is in use. The lock lasts until `close()`. */
export function lockDatabaseFile(path: string): Database.Database {
  const lockPath = lockPathOf(path);
  let lock: Database.Database;
  try {
    lock = openSqlite(lockPath, { timeout: 0 });
  } catch (error) {
    throw new Error(`Cannot open the lock file ${resolve(lockPath)} of the database: ${(error as Error).message}.`);
  }
  try {
    // Nothing is ever stored in the lock file, so nothing of it needs a journal or a flush to disk:
    // with them, taking the lock on a new file cost six fsyncs of start-up (strace).
    lock.pragma('journal_mode = OFF');
    lock.pragma('synchronous = OFF');
    // In exclusive locking mode the lock a transaction takes is kept after it ends, until close.
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    lock.close();
    if (sqliteCode(error).startsWith('SQLITE_BUSY') || sqliteCode(error).startsWith('SQLITE_LOCKED')) {
      throw new Error(
        `The database ${resolve(path)} is in use by another assistants-mock server (it holds ${resolve(lockPath)}). ` +
          'Stop that server, or give this one another database with --db (or DB_PATH).',
      );
    }
    throw new Error(`Cannot lock the database ${resolve(path)} (${resolve(lockPath)}): ${(error as Error).message}.`);
  }
  return lock;
}

/**
 * A database file that cannot be written (read-only file, read-only folder for its journal) opened
 * and served reads, then every write was a 500 "attempt to write a readonly database". A write that
 * is rolled back tells at start-up instead.
 */
export function assertWritable(sqlite: Database.Database, path: string): void {
  try {
    sqlite.exec('BEGIN IMMEDIATE; CREATE TABLE __assistants_mock_write_probe (x); ROLLBACK');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    const readonly = sqliteCode(error).startsWith('SQLITE_READONLY') || sqliteCode(error).startsWith('SQLITE_CANTOPEN');
    if (!readonly) throw error;
    throw new Error(
      `The database ${resolve(path)} cannot be written (${(error as Error).message}). ` +
        'Check the permissions of the file and of its folder, or choose another database with --db (or DB_PATH).',
    );
  }
}
