/**
 * Parallel suites cannot disturb each other through the control API (docs/security.md): each tenant
 * has its own view of virtual time (its advance expires only its own runs, survives a restart, is
 * bounded), its objects' timestamps follow it, and the server-wide clock and reset are the operator's.
 * Real servers over HTTP, the real SDK, the real system clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import OpenAI from 'openai';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;
const KEY_A = 'sk-clock-tenant-a';
const KEY_B = 'sk-clock-tenant-b';
const ADMIN = 'clock-operator-key';
const HUNDRED_YEARS_S = 100 * 365 * 24 * 3600;

async function control(
  server: TestServer,
  method: string,
  path: string,
  options: { key?: string; adminKey?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? KEY_A}` };
  if (options.adminKey) headers['x-admin-key'] = options.adminKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}/__admin${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** A run of the tenant waiting in requires_action for its tool outputs (it expires 600 s after creation). */
async function waitingRun(server: TestServer, key: string) {
  const client = new OpenAI({ apiKey: key, baseURL: server.baseURL, maxRetries: 0 });
  const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [WEATHER_TOOL] });
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'weather in Paris?' }] });
  const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  expect(run.status).toBe('requires_action');
  return { client, thread, run };
}

async function statusAfter(client: OpenAI, threadId: string, runId: string, until: (status: string) => boolean): Promise<string> {
  let status = '';
  for (let i = 0; i < 100; i++) {
    status = (await client.beta.threads.runs.retrieve(threadId, runId)).status;
    if (until(status)) return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  return status;
}

describe("each tenant's own virtual time", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("a tenant's clock advance expires its own waiting runs and no other tenant's", async () => {
    server = await startTestServer();
    const a = await waitingRun(server, KEY_A);
    const b = await waitingRun(server, KEY_B);

    const advanced = await control(server, 'POST', '/clock/advance', { key: KEY_A, body: { seconds: 601 } });
    expect(advanced.status).toBe(200);

    expect(await statusAfter(a.client, a.thread.id, a.run.id, (s) => s === 'expired')).toBe('expired');
    // B's run, on B's clock, still waits: give any wrongly armed timer time to fire first.
    await new Promise((r) => setTimeout(r, 50));
    expect((await b.client.beta.threads.runs.retrieve(b.thread.id, b.run.id)).status).toBe('requires_action');
    expect((await control(server, 'GET', '/clock', { key: KEY_B })).body).toMatchObject({ offset_ms: 0 });
    expect(advanced.body).toMatchObject({ object: 'mock.clock', scope: 'tenant', offset_ms: 601_000, tenant_offset_ms: 601_000 });
    const call = b.run.required_action!.submit_tool_outputs.tool_calls[0];
    const done = await b.client.beta.threads.runs.submitToolOutputsAndPoll(
      b.thread.id,
      b.run.id,
      { tool_outputs: [{ tool_call_id: call.id, output: '21 C' }] },
      { pollIntervalMs: 5 },
    );
    expect(done.status).toBe('completed');
  });

  it("a tenant's objects are stamped with its own time, so a run's expires_at agrees with its clock", async () => {
    server = await startTestServer();
    await control(server, 'POST', '/clock/advance', { key: KEY_A, body: { seconds: 86_400 } });
    const clientA = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 0 });
    const clientB = new OpenAI({ apiKey: KEY_B, baseURL: server.baseURL, maxRetries: 0 });
    const assistantA = await clientA.beta.assistants.create({ model: 'gpt-4o' });
    const assistantB = await clientB.beta.assistants.create({ model: 'gpt-4o' });
    expect(assistantA.created_at - assistantB.created_at).toBeGreaterThanOrEqual(86_399);
    expect(assistantA.created_at - assistantB.created_at).toBeLessThanOrEqual(86_401);

    const clockA = (await control(server, 'GET', '/clock', { key: KEY_A })).body;
    const a = await waitingRun(server, KEY_A);
    expect(Math.abs(a.run.created_at - (clockA.now as number))).toBeLessThanOrEqual(2);
    expect(a.run.expires_at).toBe(a.run.created_at + 600);
  });

  it("a tenant's offset survives a restart, and stays that tenant's", async () => {
    const dbPath = join(tempDir('am-clocks-'), 'clocks.db');
    server = await startTestServer({ dbPath });
    await control(server, 'POST', '/clock/advance', { key: KEY_A, body: { seconds: 3600 } });
    await server.stop();
    server = await startTestServer({ dbPath });
    expect((await control(server, 'GET', '/clock', { key: KEY_B })).body).toMatchObject({ offset_ms: 0 });
    expect((await control(server, 'GET', '/clock', { key: KEY_A })).body).toMatchObject({
      offset_ms: 3_600_000,
      tenant_offset_ms: 3_600_000,
    });
    expect((await control(server, 'GET', '/clock?scope=server', { key: KEY_B })).body).toMatchObject({ scope: 'server', offset_ms: 0 });
  });

  it('is bounded: an offset never passes 100 years, however many advances ask', async () => {
    server = await startTestServer();
    expect((await control(server, 'POST', '/clock/advance', { body: { seconds: HUNDRED_YEARS_S - 10 } })).status).toBe(200);
    const over = await control(server, 'POST', '/clock/advance', { body: { seconds: 11 } });
    expect(over.status).toBe(400);
    expect(over.body).toEqual({
      error: {
        message: `Invalid 'seconds': a clock may run at most 100 years (${HUNDRED_YEARS_S} seconds) ahead; this one is ${HUNDRED_YEARS_S - 10} seconds ahead.`,
        type: 'invalid_request_error',
        param: 'seconds',
        code: 'invalid_value',
      },
    });
    expect((await control(server, 'POST', '/clock/advance', { body: { ms: 10_000 } })).status).toBe(200);
    expect((await control(server, 'POST', '/clock/advance', { body: { ms: 1 } })).status).toBe(400);
    // The server's clock is bounded the same way.
    expect((await control(server, 'POST', '/clock/advance?scope=server', { body: { seconds: HUNDRED_YEARS_S } })).status).toBe(200);
    expect((await control(server, 'POST', '/clock/advance?scope=server', { body: { seconds: 60 } })).status).toBe(400);
  });

  it("a tenant's reset rewinds its clock to the server's; other tenants keep theirs", async () => {
    server = await startTestServer();
    await control(server, 'POST', '/clock/advance', { key: KEY_A, body: { seconds: 60 } });
    await control(server, 'POST', '/clock/advance', { key: KEY_B, body: { seconds: 120 } });
    expect((await control(server, 'POST', '/reset', { key: KEY_A })).status).toBe(200);
    expect((await control(server, 'GET', '/clock', { key: KEY_A })).body).toMatchObject({ offset_ms: 0, tenant_offset_ms: 0 });
    expect((await control(server, 'GET', '/clock', { key: KEY_B })).body).toMatchObject({ offset_ms: 120_000, tenant_offset_ms: 120_000 });
  });
});

describe('two control levels: a tenant controls itself, the operator the server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("with ADMIN_KEY set, a tenant's key alone controls its own tenant and nothing else", async () => {
    server = await startTestServer({ apiKeys: [KEY_A, KEY_B], adminKey: ADMIN });
    const b = await waitingRun(server, KEY_B);
    // Its own tenant: scenarios, faults, journal, clock, runs, reset, without the operator's key.
    expect((await control(server, 'POST', '/scenarios', { body: { name: 'mine', turns: [{ text: 'x' }] } })).status).toBe(200);
    expect((await control(server, 'GET', '/faults')).status).toBe(200);
    expect((await control(server, 'GET', '/requests')).status).toBe(200);
    expect((await control(server, 'POST', '/clock/advance', { body: { seconds: 700 } })).status).toBe(200);
    expect((await control(server, 'POST', `/runs/${b.run.id}/expire`)).status).toBe(404); // B's run is not A's
    expect((await control(server, 'POST', '/reset')).body).toMatchObject({ scope: 'tenant', deleted: { scenarios: 1 } });

    // Server-wide: refused to the tenant's key, whatever else it sends.
    for (const [method, path, body] of [
      ['POST', '/reset?scope=all', undefined],
      ['GET', '/clock?scope=server', undefined],
      ['POST', '/clock/advance?scope=server', { seconds: 700 }],
      ['POST', '/scenarios/reload', undefined],
    ] as const) {
      for (const adminKey of [undefined, KEY_A, 'wrong']) {
        const res = await control(server, method, path, { body, adminKey });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect((res.body.error as Json).code).toBe('invalid_admin_key');
      }
    }
    expect((await b.client.beta.threads.runs.retrieve(b.thread.id, b.run.id)).status).toBe('requires_action');

    // The operator moves the server's clock, which every tenant follows: now B's run expires.
    const moved = await control(server, 'POST', '/clock/advance?scope=server', { adminKey: ADMIN, body: { seconds: 601 } });
    expect(moved.body).toMatchObject({ scope: 'server', offset_ms: expect.any(Number) });
    expect(moved.body.offset_ms as number).toBeGreaterThanOrEqual(601_000);
    expect(await statusAfter(b.client, b.thread.id, b.run.id, (s) => s === 'expired')).toBe('expired');
  });

  it('without ADMIN_KEY (one user on loopback) server-wide actions stay open to any caller', async () => {
    server = await startTestServer();
    expect((await control(server, 'POST', '/clock/advance?scope=server', { body: { seconds: 1 } })).status).toBe(200);
    expect((await control(server, 'GET', '/clock', { key: KEY_B })).body.offset_ms as number).toBeGreaterThanOrEqual(1000);
    expect((await control(server, 'POST', '/reset?scope=all', { key: KEY_B })).body).toMatchObject({ scope: 'all' });
  });
});
