/**
 * The request journal (/__admin/requests): what is recorded (method, path, query, redacted headers,
 * JSON body, status, timing), the filters, newest-first order, the bound, and tenants apart.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { RequestJournal, type JournalEntry, type RecordedRequest } from '../src/admin/journal.js';
import { jsonCaller, type Json } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY_A = 'sk-journal-a';
const KEY_B = 'sk-journal-b';

let server: TestServer;

const call = jsonCaller(() => server.url, KEY_A);

async function journal(query = '', key = KEY_A): Promise<Json[]> {
  const res = await call('GET', `/__admin/requests${query}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.object).toBe('list');
  return res.body.data as Json[];
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());
beforeEach(async () => {
  await call('POST', '/__admin/reset?scope=all');
});

describe('GET /__admin/requests', () => {
  it('records what the SDK sent: method, path, query, body, status, timing, headers without credentials', async () => {
    const client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 0 });
    const before = Date.now();
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'Journal', metadata: { k: 'v' } });
    await client.beta.assistants.list({ limit: 5, order: 'asc' });
    const after = Date.now();

    const [list, create] = await journal();
    expect(create).toMatchObject({
      object: 'mock.request',
      method: 'POST',
      path: '/v1/assistants',
      query: {},
      body: { model: 'gpt-4o', name: 'Journal', metadata: { k: 'v' } },
      body_truncated: false,
      status: 200,
    });
    expect(list).toMatchObject({ method: 'GET', path: '/v1/assistants', query: { limit: '5', order: 'asc' }, body: null, status: 200 });
    for (const entry of [list, create]) {
      expect(entry.id).toMatch(/^req_[0-9a-f]{32}$/);
      expect(entry.timestamp).toBeGreaterThanOrEqual(before - 5);
      expect(entry.timestamp).toBeLessThanOrEqual(after + 5);
      expect(typeof entry.duration_ms).toBe('number');
      const headers = entry.headers as Json;
      expect(headers.authorization).toBe('[redacted]');
      expect(headers['openai-beta']).toBe('assistants=v2');
      expect(JSON.stringify(entry)).not.toContain(KEY_A);
    }
    expect((create.headers as Json)['content-type']).toBe('application/json');
    // The id is the one the response carried, so a test can tie an SDK error to its journal entry.
    expect(create.id).not.toBe(list.id);
    expect(assistant.id).toMatch(/^asst_/);
  });

  it('records errors and unknown routes, Azure requests too, but not the control API itself', async () => {
    await call('GET', '/v1/assistants/asst_missing');
    await call('POST', '/v1/nothing?x=1', { body: { a: 1 } });
    await fetch(`${server.url}/openai/assistants?api-version=2024-05-01-preview`, { headers: { 'api-key': KEY_A } });
    await call('GET', '/__admin/clock');
    const entries = await journal();
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', '/openai/assistants', 200],
      ['POST', '/v1/nothing', 404],
      ['GET', '/v1/assistants/asst_missing', 404],
    ]);
    expect(entries[1]).toMatchObject({ query: { x: '1' }, body: { a: 1 } });
    expect((entries[0].headers as Json)['api-key']).toBe('[redacted]');
    expect(entries[0].query).toEqual({ 'api-version': '2024-05-01-preview' });
  });

  it('filters by method, path (substring, glob, regex), status, time and limit, newest first', async () => {
    const created = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o' } });
    const id = created.body.id as string;
    await call('GET', `/v1/assistants/${id}`);
    await call('POST', '/v1/threads', { body: {} });
    const middle = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await call('GET', '/v1/assistants');
    await call('GET', '/v1/assistants/asst_nope');

    const paths = (entries: Json[]) => entries.map((e) => `${e.method} ${e.path}`);
    expect(paths(await journal('?method=post'))).toEqual(['POST /v1/threads', 'POST /v1/assistants']);
    expect(paths(await journal('?path=assistants/'))).toEqual(['GET /v1/assistants/asst_nope', `GET /v1/assistants/${id}`]);
    expect(paths(await journal('?path=/v1/assistants*&method=GET'))).toEqual([
      'GET /v1/assistants/asst_nope',
      'GET /v1/assistants',
      `GET /v1/assistants/${id}`,
    ]);
    expect(paths(await journal(`?path=${encodeURIComponent('/^\\/v1\\/threads$/')}`))).toEqual(['POST /v1/threads']);
    expect(paths(await journal('?status=404'))).toEqual(['GET /v1/assistants/asst_nope']);
    expect(paths(await journal(`?since=${middle}`))).toEqual(['GET /v1/assistants/asst_nope', 'GET /v1/assistants']);
    expect(paths(await journal(`?until=${middle}`))).toEqual(['POST /v1/threads', `GET /v1/assistants/${id}`, 'POST /v1/assistants']);
    expect(paths(await journal('?limit=2'))).toEqual(['GET /v1/assistants/asst_nope', 'GET /v1/assistants']);

    const bad = await call('GET', '/__admin/requests?limit=0');
    expect(bad.status).toBe(400);
  });

  it('keeps large bodies out, marked as truncated', async () => {
    await call('POST', '/v1/assistants', { body: { model: 'gpt-4o', instructions: 'x'.repeat(70_000) } });
    const [entry] = await journal();
    expect(entry).toMatchObject({ path: '/v1/assistants', body: null, body_truncated: true, status: 200 });
  });

  it('keeps the response body: a create answers its object, an error its error body', async () => {
    const created = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o', name: 'Answered' } });
    await call('GET', '/v1/assistants/asst_missing');
    const [missing, create] = await journal();
    expect(create).toMatchObject({ method: 'POST', status: 200, response_body_truncated: false });
    // The very object the client got, not a copy rebuilt for the journal.
    expect(create.response_body).toEqual(created.body);
    expect(create.response_body).toMatchObject({ object: 'assistant', name: 'Answered' });
    expect(missing).toMatchObject({
      status: 404,
      response_body: { error: { type: 'invalid_request_error', message: "No assistant found with id 'asst_missing'." } },
      response_body_truncated: false,
    });
  });

  it('leaves a response body over 64 KiB out, marked as truncated; bodies under it are kept', async () => {
    await call('POST', '/v1/assistants', { body: { model: 'gpt-4o', instructions: 'x'.repeat(40_000) } });
    const second = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o', instructions: 'y'.repeat(40_000) } });
    const list = await call('GET', '/v1/assistants?limit=2');
    expect(JSON.stringify(list.body).length).toBeGreaterThan(64 * 1024);
    const [listed, create] = await journal();
    expect(listed).toMatchObject({ path: '/v1/assistants', response_body: null, response_body_truncated: true, status: 200 });
    expect(create).toMatchObject({
      response_body: { id: second.body.id, instructions: 'y'.repeat(40_000) },
      response_body_truncated: false,
    });
  });

  it('keeps a summary of a streamed answer: its events in order, repeats counted, not their data', async () => {
    await call('POST', '/__admin/scenarios', {
      body: { name: 'chatty', turns: [{ text: 'one two three four five six', stream: { chunk_tokens: 1 } }] },
    });
    const client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 0 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    const names: string[] = [];
    const stream = await client.beta.threads.createAndRun({
      assistant_id: assistant.id,
      stream: true,
      thread: { messages: [{ role: 'user', content: 'hi' }] },
    });
    for await (const event of stream) names.push(event.event);
    const [entry] = await journal('?path=/v1/threads/runs');
    const summary = entry.response_body as { object: string; events: number; sequence: { event: string; count: number }[] };
    expect(summary.object).toBe('mock.stream_summary');
    expect(entry.response_body_truncated).toBe(false);
    // The SDK's events and the closing `done`, which the SDK swallows.
    expect(summary.events).toBe(names.length + 1);
    const expanded = summary.sequence.flatMap((item) => Array<string>(item.count).fill(item.event));
    expect(expanded).toEqual([...names, 'done']);
    expect(summary.sequence.find((item) => item.event === 'thread.message.delta')?.count).toBeGreaterThan(1);
    expect(JSON.stringify(entry.response_body)).not.toContain('three');
  });

  it('keeps tenants apart, and DELETE empties only the caller’s journal', async () => {
    await call('GET', '/v1/assistants', { key: KEY_A });
    await call('GET', '/v1/threads/thread_b', { key: KEY_B });
    expect((await journal('', KEY_A)).map((e) => e.path)).toEqual(['/v1/assistants']);
    expect((await journal('', KEY_B)).map((e) => e.path)).toEqual(['/v1/threads/thread_b']);
    expect((await call('DELETE', '/__admin/requests', { key: KEY_A })).body).toEqual({ object: 'mock.requests.deleted', deleted: 1 });
    expect(await journal('', KEY_A)).toEqual([]);
    expect(await journal('', KEY_B)).toHaveLength(1);
  });
});

describe('RequestJournal', () => {
  const entry = (n: number): RecordedRequest => ({
    id: `req_${n}`,
    method: 'GET',
    url: `/v1/x/${n}?order=asc&n=${n}`,
    headers: { authorization: 'Bearer sk-secret', 'x-n': String(n) },
    body: undefined,
    body_truncated: false,
    status: 200,
    duration_ms: 1,
    timestamp: n,
  });
  const ids = (entries: JournalEntry[]) => entries.map((e) => e.id);

  it('is bounded per tenant: past the capacity the oldest entries go', () => {
    const j = new RequestJournal(3);
    for (let n = 1; n <= 5; n++) j.record('a', entry(n));
    j.record('b', entry(99));
    expect(ids(j.query('a'))).toEqual(['req_5', 'req_4', 'req_3']);
    expect(ids(j.query('b'))).toEqual(['req_99']);
    expect(j.clear(null)).toBe(4);
    expect(j.query('a')).toEqual([]);
  });

  it('shows exactly the last `capacity` entries however many came, and clear counts only those', () => {
    const j = new RequestJournal(8);
    for (let n = 1; n <= 1000; n++) {
      j.record('a', entry(n));
      const shown = ids(j.query('a'));
      expect(shown).toHaveLength(Math.min(n, 8));
      expect(shown[0]).toBe(`req_${n}`);
      expect(shown.at(-1)).toBe(`req_${Math.max(1, n - 7)}`);
    }
    expect(ids(j.query('a', { limit: 2 }))).toEqual(['req_1000', 'req_999']);
    expect(ids(j.query('a', { since: 990 }))).toEqual([
      'req_1000',
      'req_999',
      'req_998',
      'req_997',
      'req_996',
      'req_995',
      'req_994',
      'req_993',
    ]);
    expect(j.clear('a')).toBe(8);
  });

  it('builds the public entry when asked: path and query split, credentials redacted', () => {
    const j = new RequestJournal(3);
    j.record('a', entry(7));
    expect(j.query('a', { path: '/v1/x/7' })).toEqual([
      {
        id: 'req_7',
        object: 'mock.request',
        method: 'GET',
        path: '/v1/x/7',
        query: { order: 'asc', n: '7' },
        headers: { authorization: '[redacted]', 'x-n': '7' },
        body: null,
        body_truncated: false,
        response_body: null,
        response_body_truncated: false,
        status: 200,
        duration_ms: 1,
        timestamp: 7,
        run_id: null,
        answered_by: null,
      },
    ]);
    expect(j.query('a', { path: 'order' })).toEqual([]); // the filter looks at the path, not the query
  });

  it('keeps the most recently active tenants: past the limit the quietest one is forgotten', () => {
    const j = new RequestJournal(10, 3);
    j.record('a', entry(1));
    j.record('b', entry(2));
    j.record('c', entry(3));
    j.record('a', entry(4)); // a is active again: b is now the quietest
    j.record('d', entry(5));
    expect(ids(j.query('b'))).toEqual([]);
    expect(ids(j.query('a'))).toEqual(['req_4', 'req_1']);
    expect(ids(j.query('c'))).toEqual(['req_3']);
    expect(ids(j.query('d'))).toEqual(['req_5']);
    expect(j.clear(null)).toBe(4);
  });
});
