/**
 * The message create and list fast paths (src/store/messages.ts insertMessage, src/store/pagination.ts
 * rowMapperOf, the create route reading its thread outside the write transaction) against drizzle's
 * own reading of the same rows: what they return must be exactly what a drizzle read returns. And
 * what a create runs in: the store's transaction helper (inTransaction), the active-run check by one
 * plucked statement (activeRunId), the partial index on messages.run_id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, inTransaction, openDatabase, type Db } from '../src/store/database.js';
import { insertMessage, listMessages, type NewMessage } from '../src/store/messages.js';
import { RUN_STATUSES } from '../src/store/run-statuses.js';
import { activeRunId, findActiveRun, insertRun, updateRun } from '../src/store/runs.js';
import { messages } from '../src/store/schema.js';
import { cachedThreadCount, findThread, insertThread } from '../src/store/threads.js';
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

const messageNamed = (id: string): NewMessage => ({ ...plain, id });
const stored = (id: string) => drizzleRow(id) !== undefined;

describe('inTransaction (one better-sqlite3 transaction function per database)', () => {
  it('commits what the body wrote when it returns, and hands back its result', () => {
    const result = inTransaction(db, () => insertMessage(db, messageNamed('msg_tx_commit')).id);
    expect(result).toBe('msg_tx_commit');
    expect(db.$client.inTransaction).toBe(false);
    expect(stored('msg_tx_commit')).toBe(true);
  });

  it('rolls back everything the body wrote when it throws, and rethrows the same error', () => {
    const error = new Error('refused');
    expect(() =>
      inTransaction(db, () => {
        insertMessage(db, messageNamed('msg_tx_rolled_1'));
        insertMessage(db, messageNamed('msg_tx_rolled_2'));
        throw error;
      }),
    ).toThrow(error);
    expect(db.$client.inTransaction).toBe(false);
    expect(stored('msg_tx_rolled_1')).toBe(false);
    expect(stored('msg_tx_rolled_2')).toBe(false);
  });

  it('is a transaction for the caches: a thread read inside it is not cached', () => {
    insertThread(db, { id: 'thread_tx_read', tenant: 'h', createdAt: 1, toolResources: null, metadata: {} });
    const before = cachedThreadCount(db);
    inTransaction(db, () => {
      expect(db.$client.inTransaction).toBe(true);
      expect(findThread(db, 'h', 'thread_tx_read')?.id).toBe('thread_tx_read');
    });
    expect(cachedThreadCount(db)).toBe(before);
  });

  it('nests as a savepoint: an inner failure caught by the outer body undoes only the inner writes', () => {
    inTransaction(db, () => {
      insertMessage(db, messageNamed('msg_tx_outer'));
      expect(() =>
        inTransaction(db, () => {
          insertMessage(db, messageNamed('msg_tx_inner'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(stored('msg_tx_outer')).toBe(true);
    expect(stored('msg_tx_inner')).toBe(false);
  });

  it("inside drizzle's own transaction, becomes a savepoint of it", () => {
    expect(() =>
      db.transaction(() => {
        inTransaction(db, () => insertMessage(db, messageNamed('msg_tx_in_drizzle')));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(stored('msg_tx_in_drizzle')).toBe(false);
  });
});

describe('activeRunId (one plucked statement)', () => {
  const run = (id: string, threadId: string, status: string) =>
    insertRun(db, {
      id,
      tenant: 'h',
      threadId,
      assistantId: 'asst_x',
      createdAt: 1,
      status,
      startedAt: null,
      expiresAt: null,
      cancelledAt: null,
      failedAt: null,
      completedAt: null,
      incompleteAt: null,
      requiredAction: null,
      lastError: null,
      model: 'gpt-4o',
      instructions: '',
      tools: [],
      toolResources: null,
      metadata: {},
      temperature: null,
      topP: null,
      maxPromptTokens: null,
      maxCompletionTokens: null,
      truncationStrategy: null,
      incompleteDetails: null,
      usage: null,
      responseFormat: null,
      toolChoice: null,
      parallelToolCalls: true,
      reasoningEffort: null,
      turn: 0,
      engineState: null,
    });

  it("answers, for a run in every status, the id of findActiveRun's run (or nothing), as a string", () => {
    insertThread(db, { id: 'thread_active', tenant: 'h', createdAt: 1, toolResources: null, metadata: {} });
    expect(activeRunId(db, 'thread_active')).toBeUndefined();
    run('run_active', 'thread_active', 'completed');
    for (const status of RUN_STATUSES) {
      updateRun(db, 'run_active', { status });
      const expected = findActiveRun(db, 'thread_active')?.id;
      expect(activeRunId(db, 'thread_active'), status).toBe(expected);
    }
    // At least one status holds the thread, and the id comes back as the bare string.
    updateRun(db, 'run_active', { status: 'requires_action' });
    expect(activeRunId(db, 'thread_active')).toBe('run_active');
  });

  it("looks at the thread's own runs only", () => {
    insertThread(db, { id: 'thread_idle', tenant: 'h', createdAt: 1, toolResources: null, metadata: {} });
    run('run_elsewhere', 'thread_active', 'queued');
    expect(activeRunId(db, 'thread_idle')).toBeUndefined();
  });
});

describe('messages_run (a partial index: only rows with a run_id)', () => {
  const plan = (query: string) =>
    db.$client
      .prepare(`EXPLAIN QUERY PLAN ${query}`)
      .all('run_x')
      .map((row) => (row as { detail: string }).detail)
      .join('; ');

  it('still serves every query by run_id (`run_id = ?` implies IS NOT NULL)', () => {
    expect(plan('SELECT id FROM messages WHERE run_id = ?')).toContain('INDEX messages_run');
    expect(plan("SELECT id FROM messages WHERE run_id = ? AND status = 'in_progress'")).toContain('INDEX messages_run');
  });

  it('is declared partial in the database the migrations build', () => {
    const sql = db.$client.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_run'").pluck().get() as string;
    expect(sql).toMatch(/WHERE "messages"\."run_id" IS NOT NULL$/);
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
