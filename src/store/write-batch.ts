/**
 * Group commit for message creates: the creates that arrive in one turn of the event loop share one
 * transaction, committed once at the end of that turn (setImmediate), and each is answered only after
 * that commit. The answer still means the message is stored (WAL, synchronous=NORMAL: it survives a
 * killed process), exactly as with a commit per create.
 *
 * Why: a create's SQLite cost is mostly its commit, not its INSERT: three WAL pages (the table and two
 * indexes) written with two `pwrite`s each, and the locks taken and released with six `fcntl`s, system
 * calls that are slow on the virtual machines CI runs on. Creates committed together write those same
 * few pages once. docs/benchmarks.md has the figures.
 *
 * Each create runs in a savepoint of the batch: one that throws (a thread with an active run) is rolled
 * back alone. Anything else that writes while a batch is open (the window is one turn of the event
 * loop) joins the batch's transaction; answers of the API wait for the commit before they are sent
 * (src/http/request-hooks.ts), so no answer shows a write that could still be lost.
 */
import { inTransaction, type Db } from './database.js';

interface Batch {
  /** Resolves once the batch is committed; rejects if the commit failed (then nothing of it is stored). */
  committed: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const open = new WeakMap<Db, Batch>();

/**
 * Runs `body` (synchronous, using `db`) in the open batch, opening one if none is; returns its result.
 * The caller answers only after `await committed(db)`.
 */
export function inWriteBatch<T>(db: Db, body: () => T): T {
  if (!open.has(db)) begin(db);
  return inTransaction(db, body);
}

/** Resolves when nothing written so far is waiting for its commit. */
export function committed(db: Db): Promise<void> | undefined {
  return open.get(db)?.committed;
}

/** Commits the open batch now (before the database is closed). */
export function commitWriteBatch(db: Db): void {
  const batch = open.get(db);
  if (!batch) return;
  open.delete(db);
  try {
    if (db.$client.inTransaction) db.$client.prepare('COMMIT').run();
    batch.resolve();
  } catch (error) {
    if (db.$client.inTransaction) db.$client.prepare('ROLLBACK').run();
    batch.reject(error);
  }
}

function begin(db: Db): void {
  // A batch may only open outside any transaction: inside one, its writes are that transaction's.
  if (db.$client.inTransaction) throw new Error('a write batch cannot open inside a transaction');
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting when a commit fails at close: keep the rejection from being unhandled.
  committed.catch(() => undefined);
  db.$client.prepare('BEGIN').run();
  open.set(db, { committed, resolve, reject });
  setImmediate(() => commitWriteBatch(db));
}
