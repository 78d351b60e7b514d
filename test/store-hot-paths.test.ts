/**
 * The message create and list fast paths (src/store/messages.ts insertMessage, src/store/pagination.ts
 * rowMapperOf, the create route reading its thread outside the write transaction) against drizzle's
 * own reading of the same rows: what they return must be exactly what a drizzle read returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../src/store/database.js';
import { insertMessage, listMessages, type NewMessage } from '../src/store/messages.js';
import { messages } from '../src/store/schema.js';
import { cachedThreadCount, insertThread } from '../src/store/threads.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let dir: string;
let db: Db;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-hot-'));
  db = openDatabase(join(dir, 'hot.db'));
  insertThread(db, { id: 'thread_hot', tenant: 'h', createdAt: 1, toolResources: null, metadata: {} });
});
afterAll(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

const drizzleRow = (id: string) => db.select().from(messages).where(eq(messages.id, id)).get();

const plain: NewMessage = {
  id: 'msg_plain',
  tenant: 'h',
  threadId: 'thread_hot',
  createdAt: 1_700_000_000,
  role: 'user',
  status: 'completed',
  content: [{ type: 'text', text: { value: 'hi', annotations: [] } }],
  attachments: null,
  assistantId: null,
  runId: null,
  metadata: {},
  completedAt: 1_700_000_000,
  incompleteAt: null,
  incompleteDetails: null,
};
const full: NewMessage = {
  id: 'msg_full',
  tenant: 'h',
  threadId: 'thread_hot',
  createdAt: 1_700_000_001,
  role: 'assistant',
  status: 'incomplete',
  content: [{ type: 'text', text: { value: 'ünï ✓ "quoted"', annotations: [{ type: 'file_path', start_index: 0 }] } }],
  attachments: [{ file_id: 'file-1', tools: [{ type: 'file_search' }] }],
  assistantId: 'asst_1',
  runId: 'run_1',
  metadata: { k: 'v' },
  completedAt: null,
  incompleteAt: 1_700_000_002,
  incompleteDetails: { reason: 'max_tokens' },
};

describe('insertMessage (one fixed prepared INSERT)', () => {
  it('returns exactly the row a drizzle read gives back, for null and non-null JSON columns', () => {
    for (const row of [plain, full]) {
      const inserted = insertMessage(db, row);
      expect(inserted).toEqual(drizzleRow(row.id));
      expect(Object.keys(inserted)).toEqual(Object.keys(drizzleRow(row.id)!));
      expect(inserted).toMatchObject(row);
    }
  });

  it('stores a null JSON column as SQL NULL, as drizzle did, not as the text null', () => {
    const stored = db.$client.prepare('SELECT attachments, incomplete_details FROM messages WHERE id = ?').get('msg_plain');
    expect(stored).toEqual({ attachments: null, incomplete_details: null });
  });

  it('hands back copies, never the objects it was given', () => {
    const row = { ...full, id: 'msg_copy', metadata: { a: '1' } };
    const inserted = insertMessage(db, row);
    expect(inserted.metadata).toEqual(row.metadata);
    expect(inserted.metadata).not.toBe(row.metadata);
    expect(inserted.content).not.toBe(row.content);
  });
});

describe('a page of messages (per-table row mapper)', () => {
  it('gives every row exactly as drizzle reads it, in order', () => {
    const page = listMessages(db, 'h', 'thread_hot', { limit: 20 });
    const drizzleRows = db.select().from(messages).where(eq(messages.threadId, 'thread_hot')).orderBy(desc(messages.seq)).all();
    expect(page.rows.length).toBe(3);
    expect(page.rows).toEqual(drizzleRows);
    for (let i = 0; i < page.rows.length; i++) expect(Object.keys(page.rows[i])).toEqual(Object.keys(drizzleRows[i]));
  });
});

describe('POST /v1/threads/{id}/messages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reads its thread through the thread cache (outside the write transaction), and still 404s an unknown thread', async () => {
    const headers = { authorization: 'Bearer sk-hot', 'content-type': 'application/json' };
    const thread = (await (await fetch(`${server.baseURL}/threads`, { method: 'POST', headers, body: '{}' })).json()) as { id: string };
    const { db: serverDb } = server.app.ctx;
    const before = cachedThreadCount(serverDb);
    const created = await fetch(`${server.baseURL}/threads/${thread.id}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ role: 'user', content: 'hello' }),
    });
    expect(created.status).toBe(200);
    expect(((await created.json()) as { thread_id: string }).thread_id).toBe(thread.id);
    expect(cachedThreadCount(serverDb)).toBe(before + 1);

    const missing = await fetch(`${server.baseURL}/threads/thread_nope/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ role: 'user', content: 'hello' }),
    });
    expect(missing.status).toBe(404);
  });
});
