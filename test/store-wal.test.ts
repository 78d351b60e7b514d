/**
 * The WAL checkpoint threshold of a database file (src/store/database.ts, WAL_AUTOCHECKPOINT_PAGES):
 * commits checkpoint at 4000 pages, not SQLite's 1000, and the WAL still stays bounded. A real file.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, WAL_AUTOCHECKPOINT_PAGES, type Db } from '../src/store/database.js';

let dir: string | undefined;
let db: Db | undefined;
afterEach(() => {
  if (db) closeDatabase(db);
  if (dir) rmSync(dir, { recursive: true, force: true });
  db = dir = undefined;
});

const PAGE = 4096;
const FRAME = PAGE + 24; // each WAL frame: a 24-byte header and the page

describe('WAL checkpoints', () => {
  it('checkpoint at 4000 pages: the WAL grows past 1000 pages, then starts over before ~4000', () => {
    dir = mkdtempSync(join(tmpdir(), 'am-wal-'));
    const path = join(dir, 'db.sqlite');
    db = openDatabase(path);
    const sqlite = db.$client;
    expect(WAL_AUTOCHECKPOINT_PAGES).toBe(4000);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);

    sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    sqlite.pragma('wal_checkpoint(TRUNCATE)'); // from an empty WAL file
    const insert = sqlite.prepare('INSERT INTO filler (body) VALUES (?)');
    const body = 'x'.repeat(3000); // a page of its own per row
    let largest = 0;
    for (let i = 0; i < 4000; i++) {
      insert.run(body);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    // SQLite's default would have started the WAL over at ~1000 pages.
    expect(largest).toBeGreaterThan(2000 * FRAME);
    // Still bounded: about 4000 pages and the last commit's.
    expect(largest).toBeLessThan(4100 * FRAME);
    expect(sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(4000);
  });
});
