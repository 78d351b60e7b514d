/**
 * GET /__admin/threads: the caller's tenant's threads (the public API cannot list them), newest first,
 * with the cursor pagination of every list, and never another tenant's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonCaller, type Json } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY_A = 'sk-threads-a';
const KEY_B = 'sk-threads-b';

let server: TestServer;
const call = jsonCaller(() => server.url, KEY_A);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

async function createThreads(key: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call('POST', '/v1/threads', { key, body: { metadata: { n: String(i) } } });
    expect(res.status).toBe(200);
    ids.push(res.body.id as string);
  }
  return ids;
}

describe('GET /__admin/threads', () => {
  it("lists the tenant's threads newest first, as the thread objects, and no other tenant's", async () => {
    const mine = await createThreads(KEY_A, 3);
    const theirs = await createThreads(KEY_B, 2);
    const res = await call('GET', '/__admin/threads');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'list', first_id: mine[2], last_id: mine[0], has_more: false });
    const data = res.body.data as Json[];
    expect(data.map((t) => t.id)).toEqual([...mine].reverse());
    expect(data[0]).toMatchObject({ object: 'thread', metadata: { n: '2' }, tool_resources: {} });
    const other = await call('GET', '/__admin/threads', { key: KEY_B });
    expect((other.body.data as Json[]).map((t) => t.id)).toEqual([...theirs].reverse());
  });

  it('pages with limit, order, after and before', async () => {
    const key = 'sk-threads-pages';
    const ids = await createThreads(key, 5);
    const first = await call('GET', '/__admin/threads?limit=2&order=asc', { key });
    expect((first.body.data as Json[]).map((t) => t.id)).toEqual(ids.slice(0, 2));
    expect(first.body.has_more).toBe(true);
    const second = await call('GET', `/__admin/threads?limit=2&order=asc&after=${ids[1]}`, { key });
    expect((second.body.data as Json[]).map((t) => t.id)).toEqual(ids.slice(2, 4));
    const before = await call('GET', `/__admin/threads?limit=10&before=${ids[1]}`, { key });
    expect((before.body.data as Json[]).map((t) => t.id)).toEqual(ids.slice(2).reverse());
  });

  it('keeps its place when the thread a cursor names was deleted (the delete-while-paging loop)', async () => {
    const key = 'sk-threads-cleanup';
    const ids = await createThreads(key, 7);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await call('GET', `/__admin/threads?limit=3${after ? `&after=${after}` : ''}`, { key });
      expect(page.status).toBe(200);
      const data = page.body.data as Json[];
      for (const thread of data) {
        seen.push(thread.id as string);
        expect((await call('DELETE', `/v1/threads/${thread.id as string}`, { key })).status).toBe(200);
      }
      if (!page.body.has_more) break;
      after = page.body.last_id as string;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('answers bad parameters with the API error shape, not a 500', async () => {
    const limit = await call('GET', '/__admin/threads?limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.error).toMatchObject({ type: 'invalid_request_error' });
    const cursor = await call('GET', '/__admin/threads?after=thread_nope');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ param: 'after' });
  });

  it('forgets deleted threads', async () => {
    const key = 'sk-threads-delete';
    const [kept, gone] = await createThreads(key, 2);
    expect((await call('DELETE', `/v1/threads/${gone}`, { key })).status).toBe(200);
    const res = await call('GET', '/__admin/threads', { key });
    expect((res.body.data as Json[]).map((t) => t.id)).toEqual([kept]);
  });
});
