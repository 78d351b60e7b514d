/**
 * Message numbers without AUTOINCREMENT (src/store/message-seq.ts, migrations/0005_messages_seq.sql):
 * a number is never handed out twice, so a cursor naming a deleted last message still places the
 * messages created after it; and a database made before the change keeps its rows, its message
 * files and its numbers through the migration.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, MIGRATIONS_FOLDER, openDatabase, type Db } from '../src/store/database.js';
import { addMessageFiles, deleteMessage, insertMessage, listMessages } from '../src/store/messages.js';
import { openSqlite } from '../src/store/sqlite.js';
import { insertThread } from '../src/store/threads.js';
import { userMessage } from './helpers/store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-seq-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const message = (id: string) => userMessage(id, 'thread_seq', 't');

const ids = (db: Db, after?: string) => listMessages(db, 't', 'thread_seq', { order: 'asc', after, limit: 100 }).rows.map((r) => r.id);

describe('message numbers', () => {
  it('are not handed out again after the last message is deleted, in one process or after a restart', () => {
    const path = join(dir, 'seq.db');
    let db = openDatabase(path);
    insertThread(db, { id: 'thread_seq', tenant: 't', createdAt: 1, toolResources: null, metadata: {} });
    insertMessage(db, message('msg_1'));
    const last = insertMessage(db, message('msg_2'));
    expect(deleteMessage(db, 't', 'thread_seq', 'msg_2')).toBe(true);
    const next = insertMessage(db, message('msg_3'));
    expect(next.seq).toBeGreaterThan(last.seq);
    // The deleted message's cursor places the next page where msg_2 stood: msg_3 is after it.
    expect(ids(db, 'msg_2')).toEqual(['msg_3']);

    expect(deleteMessage(db, 't', 'thread_seq', 'msg_3')).toBe(true);
    closeDatabase(db);
    db = openDatabase(path);
    const afterRestart = insertMessage(db, message('msg_4'));
    expect(afterRestart.seq).toBeGreaterThan(next.seq);
    expect(ids(db, 'msg_3')).toEqual(['msg_4']);
    expect(ids(db)).toEqual(['msg_1', 'msg_4']);
    closeDatabase(db);
  });

  it('are counted per database: two databases in one process number their messages apart', () => {
    const a = openDatabase(join(dir, 'a.db'));
    const b = openDatabase(join(dir, 'b.db'));
    for (const db of [a, b]) insertThread(db, { id: 'thread_seq', tenant: 't', createdAt: 1, toolResources: null, metadata: {} });
    expect(insertMessage(a, message('msg_a1')).seq).toBe(1);
    expect(insertMessage(a, message('msg_a2')).seq).toBe(2);
    expect(insertMessage(b, message('msg_b1')).seq).toBe(1);
    closeDatabase(a);
    closeDatabase(b);
  });
});

describe('migration 0005 (messages without AUTOINCREMENT)', () => {
  /** A database as the server made it before migration 0005, with a thread, messages and a message's files. */
  function databaseBefore0005(path: string): void {
    const folder = join(dir, 'migrations-0004');
    cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((entry) => entry.tag !== '0005_messages_seq');
    writeFileSync(journalPath, JSON.stringify(journal));
    unlinkSync(join(folder, '0005_messages_seq.sql'));

    const sqlite = openSqlite(path);
    sqlite.pragma('journal_mode = WAL');
    migrate(drizzle(sqlite), { migrationsFolder: folder });
    sqlite.pragma('foreign_keys = ON');
    expect(sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").pluck().get()).toContain('AUTOINCREMENT');
    sqlite.exec(`INSERT INTO threads (id, tenant, created_at, tool_resources, metadata) VALUES ('thread_seq', 't', 1, NULL, '{}')`);
    const insert = sqlite.prepare(
      `INSERT INTO messages (id, tenant, thread_id, created_at, role, status, content, attachments, metadata)
       VALUES (?, 't', 'thread_seq', 1, 'user', 'completed', '[]', '[]', '{}')`,
    );
    for (const id of ['msg_old1', 'msg_old2', 'msg_old3']) insert.run(id);
    sqlite.exec(`INSERT INTO message_files (tenant, message_id, file_id, created_at) VALUES ('t', 'msg_old1', 'file_1', 1)`);
    // The last message deleted, its place remembered, as deleteMessage does.
    sqlite.exec(`DELETE FROM messages WHERE id = 'msg_old3'`);
    sqlite.exec(`INSERT INTO deleted_cursors (tenant, list, owner, id, position) VALUES ('t', 'messages', 'thread_seq', 'msg_old3', 3)`);
    sqlite.close();
  }

  it('keeps every row, the files of a message and the numbers, and numbers new messages after them', () => {
    const path = join(dir, 'old.db');
    databaseBefore0005(path);
    const db = openDatabase(path);
    const sqlite = db.$client;
    expect(sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").pluck().get()).not.toContain('AUTOINCREMENT');
    expect(sqlite.prepare('SELECT id, seq FROM messages ORDER BY seq').all()).toEqual([
      { id: 'msg_old1', seq: 1 },
      { id: 'msg_old2', seq: 2 },
    ]);
    // Without foreign keys off around the migration, its DROP TABLE deleted these through the cascade.
    expect(sqlite.prepare('SELECT message_id, file_id FROM message_files').all()).toEqual([{ message_id: 'msg_old1', file_id: 'file_1' }]);
    const created = insertMessage(db, message('msg_new'));
    expect(created.seq).toBe(4);
    expect(ids(db, 'msg_old3')).toEqual(['msg_new']);
    addMessageFiles(db, 't', 'msg_new', ['file_2'], 1);
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    closeDatabase(db);
  });
});
