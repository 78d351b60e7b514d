/**
 * Checkpoints a database's WAL from a worker thread, so that commits on the main thread do not.
 *
 * Why: SQLite checkpoints automatically when a commit leaves the WAL over `wal_autocheckpoint` pages
 * (1000), inside that commit, on the thread that made it: copying the pages into the database file
 * and three `fsync`s, in front of whatever request committed. A message create writes four WAL pages
 * (docs/benchmarks.md, "Where the time goes"), so under load every 250th create paid for one.
 *
 * How: a worker with its own connection to the file runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * CHECK_MS (a passive checkpoint never waits for, nor blocks, the writer). While it is up, the main
 * connection's `wal_autocheckpoint` is raised to BOUND_PAGES, so SQLite itself still checkpoints
 * inline when the WAL grows past that bound whatever the worker does (it is slow, the machine busy);
 * under a continuous writer that is also what lets the WAL start over from its beginning, since a
 * checkpoint running beside commits never finds the WAL fully copied. Those inline checkpoints find
 * almost every page already copied by the worker.
 *
 * The worker is started lazily, when the WAL file first grows past START_BYTES (checked every
 * WATCH_MS from a timer of the main thread), so that start-up, and the many small databases of a
 * test suite, never pay for a thread; at most MAX_WORKERS run per process, and the databases beyond
 * that keep SQLite's inline checkpoints. If the worker dies, `wal_autocheckpoint` goes back to its
 * default and nothing else changes. `stop()` closes the worker's connection before it returns (the
 * close of the database then checkpoints and removes the WAL, which needs the last connection).
 *
 * Durability is SQLite's: a checkpoint by another connection is ordinary WAL concurrency, and a
 * process killed at any point loses no committed transaction (test/crash-recovery.test.ts).
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export const CHECK_MS = 20;
export const WATCH_MS = 100;
/** The WAL file size (bytes) that starts the worker: about 250 pages of 4 KiB written since the last reset. */
export const START_BYTES = 1 << 20;
/** SQLite's default `wal_autocheckpoint`, restored when the worker is stopped or dies. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
export const BOUND_PAGES = 10_000;
export const MAX_WORKERS = 4;

let running = 0;

export interface CheckpointerOptions {
  checkMs?: number;
  watchMs?: number;
  startBytes?: number;
  boundPages?: number;
}

export interface Checkpointer {
  /** Whether the worker is up (for tests and diagnostics). */
  readonly active: boolean;
  /** Checkpoints done by the worker that copied at least one page. */
  readonly checkpoints: number;
  /** The worker thread, once started (tests terminate it to see the fallback). */
  readonly worker: Worker | undefined;
  /** Stops watching and closes the worker's connection, synchronously. */
  stop(): void;
}

// CommonJS, evaluated in the worker: the bundle (scripts/bundle.mjs) has no separate file to start.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const closed = new Int32Array(workerData.closed);
const timer = setInterval(() => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    if (row && row.checkpointed > 0) parentPort.postMessage(row.checkpointed);
  } catch {
    // Busy or locked: the next tick tries again.
  }
}, workerData.checkMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
});
parentPort.postMessage('ready');
`;

/** Watches the WAL of the database at `path` (opened as `sqlite`) and checkpoints it off the main thread once it is busy. */
export function startCheckpointer(sqlite: Database.Database, path: string, options: CheckpointerOptions = {}): Checkpointer {
  const walPath = `${path}-wal`;
  const startBytes = options.startBytes ?? START_BYTES;
  const boundPages = options.boundPages ?? BOUND_PAGES;
  const closed = new SharedArrayBuffer(4);
  let worker: Worker | undefined;
  let active = false;
  let checkpoints = 0;
  let stopped = false;

  const fallBack = () => {
    if (!active) return;
    running--;
    active = false;
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };

  const start = () => {
    clearInterval(watch);
    if (running >= MAX_WORKERS) return;
    running++;
    active = true;
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, checkMs: options.checkMs ?? CHECK_MS, closed },
    });
    worker.unref();
    worker.on('message', (message: unknown) => {
      if (message === 'ready') {
        if (active && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${boundPages}`);
      } else checkpoints++;
    });
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
  };

  const watch = setInterval(() => {
    let size = 0;
    try {
      size = statSync(walPath).size;
    } catch {
      return; // no WAL yet
    }
    if (size > startBytes) start();
  }, options.watchMs ?? WATCH_MS).unref();

  return {
    get active() {
      return active;
    },
    get checkpoints() {
      return checkpoints;
    },
    get worker() {
      return worker;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watch);
      if (worker && active) {
        worker.postMessage('stop');
        // Until the worker has closed its connection (at most one checkpoint's time), or a second.
        Atomics.wait(new Int32Array(closed), 0, 0, 1_000);
        void worker.terminate();
      }
      fallBack();
    },
  };
}
