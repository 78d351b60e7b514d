/**
 * The WAL checkpointer (src/store/checkpointer.ts): a worker thread checkpoints the WAL so that
 * commits do not; its death, the close of the database and the WAL bound fall back to SQLite's own
 * checkpoints. Real database files, a real worker thread.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer, type CheckpointerOptions } from '../src/store/checkpointer.js';
import { checkpointerOf, closeDatabase, openDatabase } from '../src/store/database.js';

const dirs: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ROW = 'x'.repeat(3000); // about one 4 KiB page per row

function open(options: CheckpointerOptions): { sqlite: Database.Database; path: string; checkpointer: Checkpointer } {
  const dir = mkdtempSync(join(tmpdir(), 'am-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'db.sqlite');
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const checkpointer = startCheckpointer(sqlite, path, { checkMs: 10, watchMs: 10, startBytes: 256 * 1024, ...options });
  cleanups.push(() => {
    checkpointer.stop();
    if (sqlite.open) sqlite.close();
  });
  return { sqlite, path, checkpointer };
}

function write(sqlite: Database.Database, rows: number): void {
  const insert = sqlite.prepare('INSERT INTO t (body) VALUES (?)');
  for (let i = 0; i < rows; i++) insert.run(ROW);
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const walSize = (path: string) => statSync(`${path}-wal`).size;
const autocheckpoint = (sqlite: Database.Database) => sqlite.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpointer', () => {
  it('starts a worker once the WAL grows, which checkpoints it while commits never do', async () => {
    const { sqlite, path, checkpointer } = open({ boundPages: 100_000 });
    write(sqlite, 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(checkpointer.active).toBe(false); // a small WAL starts no thread

    write(sqlite, 300);
    await until(() => checkpointer.active && autocheckpoint(sqlite) === 100_000, 'the worker');
    write(sqlite, 300); // no inline checkpoint: the bound is far
    const grown = walSize(path);
    expect(grown).toBeGreaterThan(500 * 4096);
    await until(() => checkpointer.checkpoints > 0, 'a checkpoint by the worker');
    // Once the worker has copied every page, the next commit starts the WAL over from its beginning:
    // its first frames overwrite the old ones instead of growing the file.
    await new Promise((resolve) => setTimeout(resolve, 100));
    write(sqlite, 1);
    write(sqlite, 300);
    expect(walSize(path)).toBe(grown);
    expect(sqlite.prepare('SELECT count(*) FROM t').pluck().get()).toBe(906);
  });

  it('falls back to inline checkpoints when the worker dies', async () => {
    const { sqlite, checkpointer } = open({ boundPages: 100_000 });
    write(sqlite, 300);
    await until(() => checkpointer.active && autocheckpoint(sqlite) === 100_000, 'the worker');
    const exited = once(checkpointer.worker!, 'exit');
    await checkpointer.worker!.terminate();
    await exited;
    expect(checkpointer.active).toBe(false);
    expect(autocheckpoint(sqlite)).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    write(sqlite, 10); // still writable
    checkpointer.stop(); // nothing left to stop; must not wait or throw
  });

  it('stop() closes the worker connection before it returns, so the close removes the WAL', async () => {
    const { sqlite, path, checkpointer } = open({ boundPages: 100_000 });
    write(sqlite, 300);
    await until(() => checkpointer.active, 'the worker');
    const exited = once(checkpointer.worker!, 'exit');
    checkpointer.stop();
    expect(checkpointer.active).toBe(false);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.close();
    // SQLite deletes the WAL when its last connection closes: the worker's is closed already.
    expect(existsSync(`${path}-wal`)).toBe(false);
    await exited;
  });

  it('keeps the WAL bounded by inline checkpoints when the worker does not keep up', async () => {
    // A worker that checks once an hour: only the bound can checkpoint.
    const { sqlite, path, checkpointer } = open({ boundPages: 200, checkMs: 3_600_000 });
    write(sqlite, 300);
    await until(() => checkpointer.active && autocheckpoint(sqlite) === 200, 'the worker');
    sqlite.pragma('wal_checkpoint(TRUNCATE)'); // from an empty WAL file
    write(sqlite, 2_000); // about 4,000 pages
    expect(checkpointer.checkpoints).toBe(0);
    expect(walSize(path)).toBeLessThan(400 * 4200);
  });

  it('is started for a database file, stopped by its close, and absent for :memory:', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-ckpt-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'db.sqlite'));
    const checkpointer = checkpointerOf(db);
    expect(checkpointer).toBeDefined();
    closeDatabase(db);
    expect(checkpointer!.active).toBe(false);
    const memory = openDatabase(':memory:');
    expect(checkpointerOf(memory)).toBeUndefined();
    closeDatabase(memory);
  });
});

describe('WAL checkpointer and kill -9', () => {
  it('loses no committed row when the process is killed while its worker checkpoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-ckpt-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/checkpointer-writer.ts', path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let output = '';
    let activeAt = -1;
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before it was killed`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (activeAt < 0 && output.includes('active\n')) activeAt = output.length;
        // Well after the worker's first checkpoint: it keeps checkpointing while rows are committed.
        if (activeAt >= 0 && output.length - activeAt > 20_000) resolve();
      });
    });
    child.removeAllListeners('exit');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const ids = output.split('\n').filter((line) => /^\d+$/.test(line));
    const lastCommitted = Number(ids[ids.length - 1]);

    const db = new Database(path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // Every row the child reported committed (and maybe the few it committed after its last write).
      expect(db.prepare('SELECT count(*) FROM written WHERE id <= ?').pluck().get(lastCommitted)).toBe(lastCommitted);
    } finally {
      db.close();
    }
  }, 60_000);
});
