/**
 * The typed control client (AdminClient, and `admin` on startServer's result): it covers every
 * control route of the served OpenAPI document, each operation works against a real server, and
 * errors arrive as typed exceptions carrying the OpenAI error body.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import {
  ADMIN_OPERATIONS,
  AdminApiError,
  AdminClient,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  type AdminEvent,
} from '../src/index.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const KEY = 'sk-admin-client';
/** OpenAPI tags of control routes that are no operations of a test (the web UI's assets). */
const NOT_CLIENT_OPERATIONS = new Set(['ui']);

let server: TestServer;
let admin: AdminClient;
let sdk: OpenAI;

beforeAll(async () => {
  const dir = tempDir();
  const file = join(dir, 'scenarios.yaml');
  writeFileSync(file, 'scenarios:\n  - name: from-file\n    match: { message: file }\n    turns: [{ text: from the file }]\n');
  server = await startTestServer({ scenarios: file, adminKey: 'admin-secret' });
  admin = new AdminClient({ baseURL: `${server.url}/v1`, apiKey: KEY, adminKey: 'admin-secret' });
  sdk = new OpenAI({ apiKey: KEY, baseURL: server.baseURL, maxRetries: 0 });
});
afterAll(async () => server.stop());

describe('AdminClient covers the control API', () => {
  it('has one operation for every /__admin route of the OpenAPI document, and no other', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const served: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/__admin')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.tags?.some((tag) => NOT_CLIENT_OPERATIONS.has(tag))) continue;
        served.push(`${method.toUpperCase()} ${path}`);
      }
    }
    const covered = Object.values(ADMIN_OPERATIONS).map(({ method, path }) => `${method} ${path}`);
    expect(served.length).toBeGreaterThan(20);
    expect([...covered].sort()).toEqual([...served].sort());
  });

  it('every operation of the table is a method of the client (and of startServer().admin)', () => {
    for (const client of [admin, server.admin]) {
      for (const name of Object.keys(ADMIN_OPERATIONS)) {
        const method = name.split('.').reduce<unknown>((owner, key) => (owner as Record<string, unknown>)[key], client);
        expect(typeof method, name).toBe('function');
      }
    }
  });
});

describe('AdminClient against a real server', () => {
  it('scenarios: add, list, get, remove, clear, reload, schema', async () => {
    const added = await admin.scenarios.add({ name: 'hello', match: { message: 'hi' }, turns: [{ text: 'Hello!' }] });
    expect(added).toEqual([{ name: 'hello', match: { message: 'hi' }, turns: [{ text: 'Hello!' }], source: 'runtime', hits: 0 }]);
    await admin.scenarios.add([{ name: 'two', turns: [{ text: '2' }] }]);
    expect((await admin.scenarios.list()).map((s) => `${s.name}:${s.source}`)).toEqual(['hello:runtime', 'two:runtime', 'from-file:file']);
    expect(await admin.scenarios.get('from-file')).toMatchObject({ source: 'file', line: 2 });
    expect(await admin.scenarios.remove('two')).toMatchObject({ name: 'two', deleted: true });
    expect(await admin.scenarios.clear()).toBe(1);
    expect(await admin.scenarios.reload()).toMatchObject({ count: 1 });
    expect(await admin.scenarios.schema()).toMatchObject({ $schema: expect.any(String) });
  });

  it('faults: add, list, remove, clear; an injected 429 reaches the SDK', async () => {
    const fault = await admin.faults.add({ method: 'GET', path: '/v1/assistants', status: 429, count: 1 });
    expect(fault).toMatchObject({ object: 'mock.fault', status: 429, remaining: 1 });
    expect((await admin.faults.list()).map((f) => f.id)).toEqual([fault.id]);
    await expect(sdk.beta.assistants.list()).rejects.toMatchObject({ status: 429 });
    expect(await admin.faults.remove(fault.id)).toMatchObject({ id: fault.id, deleted: true });
    await admin.faults.add({ status: 500 });
    expect(await admin.faults.clear()).toBe(1);
  });

  it('requests: list with filters, count, clear', async () => {
    await admin.requests.clear();
    await sdk.beta.assistants.create({ model: 'gpt-4o', name: 'counted' });
    await sdk.beta.assistants.list({ limit: 2 });
    const [entry] = await admin.requests.list({ method: 'POST', path: '/v1/assistants' });
    expect(entry).toMatchObject({ method: 'POST', path: '/v1/assistants', body: { name: 'counted' } });
    // Typed: the response body is there for the client's callers (`unknown` until they narrow it).
    const answered: unknown = entry.response_body;
    expect(answered).toMatchObject({ object: 'assistant', name: 'counted' });
    expect(entry.response_body_truncated).toBe(false);
    expect(await admin.requests.count({ method: 'GET', path: '/v1/assistants' })).toBe(1);
    expect(await admin.requests.clear()).toBe(2);
    expect(await admin.requests.count()).toBe(0);
  });

  it("threads: lists the tenant's threads, newest first, with pagination", async () => {
    const first = await sdk.beta.threads.create({ metadata: { n: '1' } });
    const second = await sdk.beta.threads.create({ metadata: { n: '2' } });
    const page = await admin.threads.list({ limit: 1 });
    expect(page).toMatchObject({ object: 'list', first_id: second.id, has_more: true });
    const next = await admin.threads.list({ limit: 1, after: page.last_id! });
    expect(next.data[0].id).toBe(first.id);
  });

  it("clock: the server's clock with scope server (the admin key)", async () => {
    const serverClock = await admin.clock.get({ scope: 'server' });
    expect(serverClock.scope).toBe('server');
    const moved = await admin.clock.advance(5, { scope: 'server' });
    expect(moved.now_ms).toBeGreaterThanOrEqual(serverClock.now_ms + 5000);
  });

  it('clock: get and advance (seconds as a number, or { ms })', async () => {
    const before = await admin.clock.get();
    expect(before.object).toBe('mock.clock');
    const after = await admin.clock.advance(60);
    expect(after.now).toBeGreaterThanOrEqual(before.now + 60);
    expect((await admin.clock.advance({ ms: 1500 })).now_ms).toBeGreaterThanOrEqual(after.now_ms + 1500);
  });

  it('runs: get, complete, fail, expire, forceEnd and advance, with events as an async iterator', async () => {
    const assistant = await sdk.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'ping' } }] });
    const start = () =>
      sdk.beta.threads.createAndRunPoll({
        assistant_id: assistant.id,
        tool_choice: { type: 'function', function: { name: 'ping' } },
        thread: { messages: [{ role: 'user', content: 'ping' }] },
      });
    const feed = admin.events();
    await feed.ready;
    const waiting = await start();
    expect(waiting.status).toBe('requires_action');
    expect((await admin.runs.get(waiting.id)).run.status).toBe('requires_action');
    expect((await admin.runs.complete(waiting.id)).status).toBe('completed');
    const seen: AdminEvent[] = [];
    for await (const event of feed) {
      seen.push(event);
      if (event.event === 'thread.run.completed') break;
    }
    expect(seen.map((e) => e.event)).toContain('thread.run.requires_action');

    expect((await admin.runs.fail((await start()).id)).last_error?.message).toBe('The run was failed by the control API.');
    expect((await admin.runs.expire((await start()).id)).status).toBe('expired');
    expect((await admin.runs.forceEnd((await start()).id, 'failed')).status).toBe('failed');
    // advance is a no-op outside RUN_MODE=manual: the run comes back as it is.
    const done = await sdk.beta.threads.createAndRunPoll({
      assistant_id: assistant.id,
      thread: { messages: [{ role: 'user', content: 'x' }] },
    });
    expect((await admin.runs.advance(done.id)).status).toBe(done.status);
  });

  it('unmatched: get and set', async () => {
    expect(await admin.unmatched.set('error')).toMatchObject({ mode: 'error', source: 'tenant' });
    expect(await admin.unmatched.get()).toMatchObject({ mode: 'error' });
    await admin.unmatched.set(null);
  });

  it('reset forgets the tenant; reset({ scope: "all" }) every tenant', async () => {
    await admin.scenarios.add({ name: 'gone', turns: [{ text: 'x' }] });
    const result = await admin.reset();
    expect(result).toMatchObject({ object: 'mock.reset', scope: 'tenant', deleted: { scenarios: 1 } });
    expect((await admin.reset({ scope: 'all' })).scope).toBe('all');
  });
});

describe('AdminClient errors', () => {
  it('a 404 is a NotFoundError carrying the OpenAI error body', async () => {
    const error = await admin.scenarios.get('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(AdminApiError);
    const e = error as NotFoundError;
    expect(e.status).toBe(404);
    expect(e.error).toEqual({ message: "No scenario found with name 'nope'.", type: 'invalid_request_error', param: 'name', code: null });
    expect(e.message).toBe("404 No scenario found with name 'nope'. (GET /__admin/scenarios/nope)");
  });

  it('a 400 is a BadRequestError with the param and code of the body', async () => {
    const error = (await admin.scenarios.add({ name: 'bad', turns: [] }).catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.code).toBe('invalid_scenario');
  });

  it('server-wide control without the admin key: an AuthenticationError (the tenant key controls its own tenant)', async () => {
    const noKey = new AdminClient({ baseURL: server.url, apiKey: KEY });
    expect((await noKey.clock.get()).scope).toBe('tenant');
    await expect(noKey.clock.get({ scope: 'server' })).rejects.toBeInstanceOf(AuthenticationError);
    await expect(noKey.reset({ scope: 'all' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('the event feed fails on iteration with the same typed error (a key the server does not accept)', async () => {
    const closed = await startTestServer({ apiKeys: ['sk-the-only-key'] });
    const feed = new AdminClient({ baseURL: closed.url, apiKey: 'sk-wrong' }).events();
    try {
      await expect(feed.ready).rejects.toBeInstanceOf(AuthenticationError);
      const iterate = async () => {
        for await (const event of feed) void event;
      };
      await expect(iterate()).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await closed.stop();
    }
  });
});
