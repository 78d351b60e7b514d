/**
 * The edges of the cursor rule (docs/compatibility.md, "Pagination"): a deleted id is a cursor only in
 * its own list and tenant, `before` keeps its place too, a thread's lists go with the thread, and the
 * remembered positions are capped.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../src/store/database.js';
import { rememberDeleted } from '../src/store/deleted-cursors.js';
import { LISTED } from '../src/store/lists.js';
import { deletedCursors } from '../src/store/schema.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

async function api(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${server.baseURL}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'openai-beta': 'assistants=v2' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const ids = (page: Json) => (page.data as Json[]).map((item) => item.id as string);

describe('a cursor naming a deleted object', () => {
  it('keeps its place for before as well as after, in both orders', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await api('edge-a', 'POST', '/assistants', { model: 'gpt-4o' })).body.id as string);
    const [a0, a1, a2, a3, a4] = made;
    expect((await api('edge-a', 'DELETE', `/assistants/${a2}`)).status).toBe(200);
    expect(ids((await api('edge-a', 'GET', `/assistants?order=asc&after=${a2}`)).body)).toEqual([a3, a4]);
    expect(ids((await api('edge-a', 'GET', `/assistants?order=desc&after=${a2}`)).body)).toEqual([a1, a0]);
    expect(ids((await api('edge-a', 'GET', `/assistants?order=asc&before=${a2}`)).body)).toEqual([a0, a1]);
    expect(ids((await api('edge-a', 'GET', `/assistants?order=asc&after=${a0}&before=${a2}`)).body)).toEqual([a1]);
  });

  it("is refused in another tenant's list, with the text for an unknown id", async () => {
    const gone = (await api('edge-b', 'POST', '/assistants', { model: 'gpt-4o' })).body.id as string;
    await api('edge-b', 'DELETE', `/assistants/${gone}`);
    const other = await api('edge-c', 'GET', `/assistants?after=${gone}`);
    expect(other).toEqual({
      status: 400,
      body: {
        error: {
          message: `Invalid 'after': No object found with id '${gone}' in this list.`,
          type: 'invalid_request_error',
          param: 'after',
          code: 'invalid_value',
        },
      },
    });
  });

  it("is refused in another thread's message list", async () => {
    const t1 = (await api('edge-d', 'POST', '/threads', { messages: [{ role: 'user', content: 'one' }] })).body.id as string;
    const t2 = (await api('edge-d', 'POST', '/threads', { messages: [{ role: 'user', content: 'two' }] })).body.id as string;
    const message = ids((await api('edge-d', 'GET', `/threads/${t1}/messages`)).body)[0];
    await api('edge-d', 'DELETE', `/threads/${t1}/messages/${message}`);
    expect((await api('edge-d', 'GET', `/threads/${t1}/messages?after=${message}`)).status).toBe(200);
    const elsewhere = await api('edge-d', 'GET', `/threads/${t2}/messages?after=${message}`);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toMatchObject({ param: 'after', code: 'invalid_value' });
  });
});

describe('the remembered positions (store)', () => {
  let db: Db;
  let dir: string;
  beforeAll(() => {
    dir = tempDir('am-cursors-');
    db = openDatabase(`${dir}/cursors.db`);
  });
  afterAll(() => {
    closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('are capped: the oldest go first', () => {
    const row = (i: number) => ({ id: `asst_${i}`, seq: i, owner: 'tenant', tenant: 'tenant' });
    for (let i = 1; i <= 12; i++) rememberDeleted(db, LISTED.assistants, [row(i)], 10);
    const kept = db
      .select({ id: deletedCursors.id })
      .from(deletedCursors)
      .orderBy(deletedCursors.seq)
      .all()
      .map((r) => r.id);
    expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => `asst_${i + 3}`));
  });

  it('keep the latest place of an id that left the same list twice', () => {
    const vsf = (seq: number) => ({ id: 'file_x', seq, owner: 'vs_1', tenant: 'tenant' });
    rememberDeleted(db, LISTED.vectorStoreFiles, [vsf(5)]);
    rememberDeleted(db, LISTED.vectorStoreFiles, [vsf(9)]);
    const rows = db
      .select()
      .from(deletedCursors)
      .all()
      .filter((r) => r.id === 'file_x');
    expect(rows.map((r) => [r.list, r.owner, r.position])).toEqual([['vector_store_files', 'vs_1', 9]]);
  });
});
