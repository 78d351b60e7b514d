/**
 * Pages of messages kept serialized (src/store/message-pages.ts, listSerializedMessages in
 * src/store/messages.ts): every answer of GET /threads/{id}/messages, served from a kept page or not,
 * must be byte for byte what serializing the page read from SQLite gives at that moment, after every
 * kind of write the page depends on. Each test reads a page (so that it is kept) before the write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { serializeMessageFor } from '../src/domain/messages/serializers.js';
import type { ApiVersion } from '../src/domain/api-version.js';
import type { Db } from '../src/store/database.js';
import {
  forgetAllMessagePages,
  keepMessagePage,
  keptMessagePage,
  keptMessagePageCount,
  KEPT_MESSAGE_PAGE_CHARS,
} from '../src/store/message-pages.js';
import { addMessageFiles, listMessages, listSerializedMessages, type MessageListQuery } from '../src/store/messages.js';
import { discardUnfinishedTurn } from '../src/store/runs.js';
import { listEnvelope } from '../src/store/pagination.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;
const KEY = 'sk-pages';

/** What the list route answered before pages were kept: the rows read now, serialized by the reply serializer. */
function uncachedPage(db: Db, threadId: string, query: MessageListQuery, version: ApiVersion): string {
  const tenant = (db.$client.prepare('SELECT tenant FROM threads WHERE id = ?').get(threadId) as { tenant: string }).tenant;
  const page = listMessages(db, tenant, threadId, query);
  return JSON.stringify(
    listEnvelope(
      page.rows.map((row) => serializeMessageFor({ db }, row, version)),
      page.hasMore,
    ),
    null,
    2,
  );
}

function harness(server: () => TestServer) {
  async function api(method: string, path: string, body?: unknown, version: ApiVersion = 'v2') {
    const response = await fetch(`${server().baseURL}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'openai-beta': `assistants=${version}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Json, type: response.headers.get('content-type') };
  }
  const ok = async (method: string, path: string, body?: unknown, version: ApiVersion = 'v2') => {
    const res = await api(method, path, body, version);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const queryString = (query: MessageListQuery) =>
    new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string])).toString();
  /** Lists twice (the second answer from the kept page) and checks both against the uncached rendering. */
  async function expectPage(threadId: string, query: MessageListQuery = {}, version: ApiVersion = 'v2'): Promise<Json> {
    const path = `/threads/${threadId}/messages?${queryString(query)}`;
    const first = await api('GET', path, undefined, version);
    const second = await api('GET', path, undefined, version);
    const expected = uncachedPage(server().app.ctx.db, threadId, query, version);
    expect(first.status, first.text).toBe(200);
    expect(first.text).toBe(expected);
    expect(second.text).toBe(expected);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(second.type).toBe('application/json; charset=utf-8');
    return first.body;
  }
  async function threadWith(count: number): Promise<{ threadId: string; ids: string[] }> {
    const thread = await ok('POST', '/threads', {});
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push((await ok('POST', `/threads/${thread.id}/messages`, { role: 'user', content: `m${i}` })).id as string);
    return { threadId: thread.id as string, ids };
  }
  return { api, ok, expectPage, threadWith };
}

describe('kept message pages against the uncached rendering', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());
  const { api, ok, expectPage, threadWith } = harness(() => server);
  const kept = () => keptMessagePageCount(server.app.ctx.db);

  it('answers every order, cursor and limit variant, v1 and v2, byte-identical, and keeps the pages', async () => {
    const { threadId, ids } = await threadWith(7);
    const before = kept();
    const queries: MessageListQuery[] = [
      {},
      { limit: 1 },
      { limit: 3 },
      { limit: 100 },
      { order: 'asc' },
      { order: 'asc', limit: 2 },
      { after: ids[5], limit: 2 },
      { after: ids[4], limit: 2 },
      { after: ids[1], order: 'asc', limit: 3 },
      { before: ids[1], limit: 2 },
      { before: ids[2], limit: 2 },
      { before: ids[5], order: 'asc' },
      { after: ids[6], before: ids[0] },
      { after: ids[0], before: ids[6], order: 'asc', limit: 2 },
    ];
    for (const version of ['v2', 'v1'] as const) for (const query of queries) await expectPage(threadId, query, version);
    expect(kept() - before).toBe(queries.length * 2);
    // An empty thread has null ids.
    const empty = await threadWith(0);
    expect(await expectPage(empty.threadId)).toMatchObject({ data: [], first_id: null, last_id: null, has_more: false });
  });

  it('shows a modified message, a new message and a deleted one at once', async () => {
    const { threadId, ids } = await threadWith(3);
    await expectPage(threadId);
    await expectPage(threadId, { order: 'asc', limit: 2 });
    await ok('POST', `/threads/${threadId}/messages/${ids[0]}`, { metadata: { changed: 'yes' } });
    expect(((await expectPage(threadId, { order: 'asc', limit: 2 })).data as Json[])[0].metadata).toEqual({ changed: 'yes' });
    await ok('POST', `/threads/${threadId}/messages`, { role: 'user', content: 'newest' });
    expect(((await expectPage(threadId)).data as Json[]).length).toBe(4);
    await expectPage(threadId, { order: 'asc', limit: 2 });
    await ok('DELETE', `/threads/${threadId}/messages/${ids[1]}`);
    const page = await expectPage(threadId, { order: 'asc', limit: 2 });
    expect((page.data as Json[]).map((m) => m.id)).not.toContain(ids[1]);
  });

  it('pages from a deleted cursor correctly and does not keep them (the remembered position can go without a write to the thread)', async () => {
    const { threadId, ids } = await threadWith(4);
    await ok('DELETE', `/threads/${threadId}/messages/${ids[2]}`);
    const count = kept();
    const page = await expectPage(threadId, { after: ids[2] });
    expect((page.data as Json[]).map((m) => m.id)).toEqual([ids[1], ids[0]]);
    expect(kept()).toBe(count);
    // A cursor that names nothing is still a 400, with the error's own content type.
    const refused = await api('GET', `/threads/${threadId}/messages?after=msg_nope`);
    expect(refused.status).toBe(400);
    expect(refused.type).toBe('application/json; charset=utf-8');
  });

  it('v1 and v2 views of the same message are kept apart, and a deleted file leaves the v1 page', async () => {
    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob(['notes']), 'notes.txt');
    const uploaded = await fetch(`${server.baseURL}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${KEY}` } });
    const fileId = ((await uploaded.json()) as { id: string }).id;
    const thread = await ok('POST', '/threads', {}, 'v1');
    await ok('POST', `/threads/${thread.id}/messages`, { role: 'user', content: 'with a file', file_ids: [fileId] }, 'v1');
    const v1 = await expectPage(thread.id as string, {}, 'v1');
    const v2 = await expectPage(thread.id as string, {}, 'v2');
    expect((v1.data as Json[])[0].file_ids).toEqual([fileId]);
    expect((v2.data as Json[])[0]).not.toHaveProperty('file_ids');
    await ok('DELETE', `/files/${fileId}`);
    expect(((await expectPage(thread.id as string, {}, 'v1')).data as Json[])[0].file_ids).toEqual([]);
  });

  it('a thread delete and a reset drop the kept pages', async () => {
    const { threadId } = await threadWith(2);
    await expectPage(threadId);
    await expectPage(threadId, { order: 'asc' });
    const count = kept();
    await ok('DELETE', `/threads/${threadId}`);
    expect(kept()).toBe(count - 2);
    expect((await api('GET', `/threads/${threadId}/messages`)).status).toBe(404);
    const other = await threadWith(1);
    await expectPage(other.threadId);
    expect(kept()).toBeGreaterThan(0);
    const reset = await fetch(`${server.url}/__admin/reset`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    expect(reset.status).toBe(200);
    expect(kept()).toBe(0);
  });
});

describe("a streamed run's message growing on a manual clock", () => {
  let server: TestServer;
  const clock = new ManualClock();
  beforeAll(async () => {
    server = await startTestServer({ clock, streamDelayMs: 1000 });
  });
  afterAll(async () => server.stop());
  const { ok, expectPage } = harness(() => server);

  it('every page read between two deltas shows the text stored so far', async () => {
    const assistant = await ok('POST', '/assistants', { model: 'gpt-4o' });
    const thread = await ok('POST', '/threads', { messages: [{ role: 'user', content: 'Tell me a story about a lighthouse keeper.' }] });
    const threadId = thread.id as string;
    const run = await ok('POST', `/threads/${threadId}/runs`, { assistant_id: assistant.id });
    const texts = new Set<string>();
    // The engine works on the scheduler's ticks (0 ms jobs run at once, paced ones when the clock
    // moves): a page is compared once what is stored has stopped moving.
    const stored = () => JSON.stringify(listMessages(server.app.ctx.db, anyTenant(server, threadId), threadId, {}).rows);
    async function settled(): Promise<void> {
      let last = stored();
      for (let quiet = 0; quiet < 3;) {
        await new Promise((r) => setTimeout(r, 5));
        const now = stored();
        quiet = now === last ? quiet + 1 : 0;
        last = now;
      }
    }
    for (let tick = 0; tick < 400; tick++) {
      await settled();
      const page = await expectPage(threadId);
      const reply = (page.data as Json[]).find((m) => m.role === 'assistant');
      if (reply) texts.add(JSON.stringify(reply.content));
      if (reply?.status === 'completed') break;
      clock.advance(1000);
    }
    // The reply grew through several stored states, each of which a kept page showed as it was.
    expect(texts.size).toBeGreaterThan(3);
    expect((await ok('GET', `/threads/${threadId}/runs/${run.id}`)).status).toBe('completed');
  });
});

describe('store writes outside the routes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ runMode: 'manual' });
  });
  afterAll(async () => server.stop());
  const { ok, expectPage, threadWith } = harness(() => server);

  it("recovery's discard of a half-done turn drops the thread's pages", async () => {
    const assistant = await ok('POST', '/assistants', { model: 'gpt-4o' });
    const { threadId } = await threadWith(1);
    const run = await ok('POST', `/threads/${threadId}/runs`, { assistant_id: assistant.id });
    const tenant = anyTenant(server, threadId);
    // Manual mode: one phase per advance, up to the reply's message being written.
    for (let i = 0; i < 10; i++) {
      server.app.ctx.engine.advanceManual(tenant, run.id as string);
      if (listMessages(server.app.ctx.db, tenant, threadId, {}).rows.length === 2) break;
    }
    expect(((await expectPage(threadId)).data as Json[]).length).toBe(2);
    server.app.ctx.db.transaction(() => discardUnfinishedTurn(server.app.ctx.db, run.id as string));
    expect(((await expectPage(threadId)).data as Json[]).length).toBe(1);
  });

  it("attaching files to a message (its v1 file_ids) drops the thread's pages", async () => {
    const { threadId, ids } = await threadWith(1);
    await expectPage(threadId, {}, 'v1');
    addMessageFiles(server.app.ctx.db, anyTenant(server, threadId), ids[0], ['file-attached'], 1);
    expect(((await expectPage(threadId, {}, 'v1')).data as Json[])[0].file_ids).toEqual(['file-attached']);
  });
});

function anyTenant(server: TestServer, threadId: string): string {
  return (server.app.ctx.db.$client.prepare('SELECT tenant FROM threads WHERE id = ?').get(threadId) as { tenant: string }).tenant;
}

describe('the page store itself', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  it('keeps nothing read inside a transaction (it could still be rolled back)', async () => {
    const db = server.app.ctx.db;
    const thread = (await (
      await fetch(`${server.baseURL}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    ).json()) as { id: string };
    const tenant = anyTenant(server, thread.id);
    forgetAllMessagePages(db);
    const serialize = () => 'page';
    db.transaction(() => listSerializedMessages(db, tenant, thread.id, {}, 'v2', serialize));
    expect(keptMessagePageCount(db)).toBe(0);
    listSerializedMessages(db, tenant, thread.id, {}, 'v2', serialize);
    expect(keptMessagePageCount(db)).toBe(1);
  });

  it('stays within its size, dropping the pages of the thread kept longest first', () => {
    const db = server.app.ctx.db;
    forgetAllMessagePages(db);
    const big = 'x'.repeat(Math.floor(KEPT_MESSAGE_PAGE_CHARS / 3));
    keepMessagePage(db, 'thread_a', 'k', big);
    keepMessagePage(db, 'thread_b', 'k', big);
    keepMessagePage(db, 'thread_c', 'k', big);
    expect(keptMessagePageCount(db)).toBe(3);
    keepMessagePage(db, 'thread_d', 'k', big);
    expect(keptMessagePage(db, 'thread_a', 'k')).toBeUndefined();
    expect(keptMessagePage(db, 'thread_d', 'k')).toBe(big);
    expect(keptMessagePageCount(db)).toBe(3);
    forgetAllMessagePages(db);
  });
});
