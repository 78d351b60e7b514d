/**
 * Strict mode and diagnostics: UNMATCHED=error fails an unmatched run naming the closest scenario and
 * why it did not match; the scenario listing counts hits; GET /__admin/runs/{id}, the journal and the
 * event feed tell which scenario (or the request, or the default reply) answered each turn; the
 * history survives a restart. Real server, real SQLite file, the real openai SDK.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { AdminClient, BadRequestError, type AdminEvent } from '../src/client/index.js';
import { startServer } from '../src/server.js';

const KEY = 'sk-diagnostics';

let server: TestServer;
let admin: AdminClient;
let client: OpenAI;

beforeAll(async () => {
  server = await startTestServer();
  admin = new AdminClient({ baseURL: server.url, apiKey: KEY });
  client = new OpenAI({ apiKey: KEY, baseURL: server.baseURL, maxRetries: 0 });
});
afterAll(async () => server.stop());
beforeEach(async () => {
  await admin.reset();
});

const WEATHER_SCENARIO = {
  name: 'weather',
  match: { assistant: { name: 'Forecaster' }, message: { contains: 'weather' } },
  turns: [{ tool_calls: [{ function: 'get_weather', arguments: { city: 'Paris' } }] }, { text: 'Sunny in {{tool_outputs.0.output}}.' }],
};
const GREETING_SCENARIO = { name: 'greeting', match: { message: { regex: '^(hi|hello)\\b' } }, turns: [{ text: 'Hello!' }] };

async function assistant(name = 'Forecaster') {
  return client.beta.assistants.create({ model: 'gpt-4o', name, tools: [WEATHER_TOOL] });
}

describe('strict mode (unmatched: error)', () => {
  it('fails an unmatched run with a last_error naming the closest scenario and each condition that failed', async () => {
    await admin.scenarios.add([WEATHER_SCENARIO, GREETING_SCENARIO]);
    await admin.unmatched.set('error');
    const a = await assistant('Forecaster');
    const run = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'Is it raining in Paris?' }] },
    });
    expect(run.status).toBe('failed');
    expect(run.last_error?.code).toBe('server_error');
    // The weather rule fails one condition (the message); greeting fails one too, but comes later.
    expect(run.last_error?.message).toBe(
      "assistants-mock: no scenario matched this run (unmatched mode is error). Closest scenario: 'weather', which did not match because message: expected to contain 'weather', got 'Is it raining in Paris?'.",
    );
  });

  it('names the rule with the fewest failed conditions, with every one of them', async () => {
    await admin.scenarios.add([
      { name: 'far', match: { assistant: { name: 'Other', model: 'gpt-3.5' }, message: 'nope' }, turns: [{ text: 'x' }] },
      {
        name: 'near',
        match: { assistant: { name: { equals: 'Forecaster' } }, run: { metadata: { case: 'a' } }, message: { regex: '^bye' } },
        turns: [{ text: 'y' }],
      },
    ]);
    await admin.unmatched.set('error');
    const a = await assistant('Forecaster');
    const run = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      metadata: { case: 'b' },
      thread: { messages: [{ role: 'user', content: 'hello there' }] },
    });
    expect(run.status).toBe('failed');
    const message = run.last_error?.message ?? '';
    expect(message).toContain("Closest scenario: 'near'");
    expect(message).toContain("run.metadata: key 'case': expected 'a', got 'b'");
    expect(message).toContain("message: expected to match the regex ^bye, got 'hello there'");
    expect(message).not.toContain('assistant.name');
  });

  it('says so when the tenant has no scenario at all', async () => {
    await admin.unmatched.set('error');
    const a = await assistant();
    const run = await client.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(run.status).toBe('failed');
    expect(run.last_error?.message).toContain('no scenario is defined for this tenant');
  });

  it('leaves matched runs alone, and default mode keeps the default reply', async () => {
    await admin.scenarios.add(GREETING_SCENARIO);
    await admin.unmatched.set('error');
    const a = await assistant();
    const matched = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'hi you' }] },
    });
    expect(matched.status).toBe('completed');

    expect(await admin.unmatched.set(null)).toEqual({ object: 'mock.unmatched', mode: 'default', source: 'server' });
    const unmatched = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'what?' }] },
    });
    expect(unmatched.status).toBe('completed');
  });

  it('is per tenant: another key keeps the default reply, and a reset forgets the choice', async () => {
    await admin.unmatched.set('error');
    expect(await admin.unmatched.get()).toEqual({ object: 'mock.unmatched', mode: 'error', source: 'tenant' });
    expect((await admin.withApiKey('sk-other-tenant').unmatched.get()).mode).toBe('default');
    await admin.reset();
    expect((await admin.unmatched.get()).mode).toBe('default');
  });

  it('UNMATCHED=error on the server applies to every tenant; a tenant may opt out', async () => {
    const strict = await startServer({ port: 0, dbPath: ':memory:', logger: false, unmatched: 'error' });
    try {
      const sdk = new OpenAI({ apiKey: 'sk-strict', baseURL: `${strict.url}/v1`, maxRetries: 0 });
      const a = await sdk.beta.assistants.create({ model: 'gpt-4o' });
      const body = { assistant_id: a.id, thread: { messages: [{ role: 'user' as const, content: 'hi' }] } };
      expect((await sdk.beta.threads.createAndRunPoll(body)).status).toBe('failed');
      const tenantAdmin = strict.admin.withApiKey('sk-strict');
      expect(await tenantAdmin.unmatched.get()).toEqual({ object: 'mock.unmatched', mode: 'error', source: 'server' });
      await tenantAdmin.unmatched.set('default');
      expect((await sdk.beta.threads.createAndRunPoll(body)).status).toBe('completed');
    } finally {
      await strict.close();
    }
  });

  it('rejects a mode that is not default, error or null', async () => {
    const error = await admin.unmatched.set('strict' as 'error').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).error.type).toBe('invalid_request_error');
  });
});

describe('who answered', () => {
  it('the scenario listing counts the turns each rule answered', async () => {
    await admin.scenarios.add([WEATHER_SCENARIO, GREETING_SCENARIO]);
    expect((await admin.scenarios.list()).map((s) => [s.name, s.hits])).toEqual([
      ['weather', 0],
      ['greeting', 0],
    ]);
    const a = await assistant();
    for (const content of ['hi', 'hello again']) {
      await client.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content }] } });
    }
    const run = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'weather in Paris?' }] },
    });
    expect(run.status).toBe('requires_action');
    expect((await admin.scenarios.list()).map((s) => [s.name, s.hits])).toEqual([
      ['weather', 1],
      ['greeting', 2],
    ]);
    expect((await admin.scenarios.get('greeting')).hits).toBe(2);
    // Another tenant has its own counts.
    expect((await admin.withApiKey('sk-other-tenant').scenarios.list()).every((s) => s.hits === 0)).toBe(true);
  });

  it('GET /__admin/runs/{id}: the run, its status history and the scenario behind each turn, with its step', async () => {
    await admin.scenarios.add(WEATHER_SCENARIO);
    const a = await assistant();
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'weather in Paris?' }] });
    const waiting = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: a.id });
    expect(waiting.status).toBe('requires_action');
    const call = waiting.required_action!.submit_tool_outputs.tool_calls[0];
    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(thread.id, waiting.id, {
      tool_outputs: [{ tool_call_id: call.id, output: 'Paris' }],
    });
    expect(done.status).toBe('completed');

    const inspected = await admin.runs.get(done.id);
    expect(inspected.object).toBe('mock.run');
    expect(inspected.run).toMatchObject({ id: done.id, object: 'thread.run', status: 'completed', thread_id: thread.id });
    expect(inspected.history.map((h) => h.status)).toEqual([
      'queued',
      'in_progress',
      'requires_action',
      'queued',
      'in_progress',
      'completed',
    ]);
    for (const h of inspected.history) expect(h.at).toBeGreaterThanOrEqual(done.created_at);
    const steps = await client.beta.threads.runs.steps.list(thread.id, done.id, { order: 'asc' });
    expect(inspected.turns).toEqual([
      { index: 0, step_id: steps.data[0].id, answered_by: { kind: 'scenario', scenario: 'weather' } },
      { index: 1, step_id: steps.data[1].id, answered_by: { kind: 'scenario', scenario: 'weather' } },
    ]);
  });

  it('tells the request-driven defaults from the default reply, and a failing turn has no step', async () => {
    const a = await assistant();
    const forced = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      thread: { messages: [{ role: 'user', content: 'anything' }] },
    });
    expect(forced.status).toBe('requires_action');
    expect((await admin.runs.get(forced.id)).turns[0].answered_by).toEqual({ kind: 'request', scenario: null });

    const plain = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'just talk' }] },
    });
    expect((await admin.runs.get(plain.id)).turns[0].answered_by).toEqual({ kind: 'default', scenario: null });

    await admin.unmatched.set('error');
    const failed = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'x' }] },
    });
    const inspected = await admin.runs.get(failed.id);
    expect(inspected.turns).toEqual([{ index: 0, step_id: null, answered_by: { kind: 'default', scenario: null } }]);
    expect(inspected.history.map((h) => h.status)).toEqual(['queued', 'in_progress', 'failed']);
  });

  it('answers 404 for a run of another tenant, and 400 for an id that is not a run id', async () => {
    const a = await assistant();
    const run = await client.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content: 'x' }] } });
    const other = await admin
      .withApiKey('sk-other-tenant')
      .runs.get(run.id)
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ name: 'NotFoundError', status: 404, error: { type: 'invalid_request_error' } });
    const bad = await admin.runs.get('thread_abc').catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400 });
  });

  it('the journal entry of the request that created or resumed a run names who answered that turn', async () => {
    await admin.scenarios.add(WEATHER_SCENARIO);
    const a = await assistant();
    const waiting = await client.beta.threads.createAndRunPoll({
      assistant_id: a.id,
      thread: { messages: [{ role: 'user', content: 'weather in Paris?' }] },
    });
    const call = waiting.required_action!.submit_tool_outputs.tool_calls[0];
    await client.beta.threads.runs.submitToolOutputsAndPoll(waiting.thread_id, waiting.id, {
      tool_outputs: [{ tool_call_id: call.id, output: 'Paris' }],
    });
    const [create] = await admin.requests.list({ method: 'POST', path: '/v1/threads/runs' });
    expect(create).toMatchObject({ run_id: waiting.id, answered_by: { kind: 'scenario', scenario: 'weather' } });
    const [submit] = await admin.requests.list({ method: 'POST', path: '*/submit_tool_outputs' });
    expect(submit).toMatchObject({ run_id: waiting.id, answered_by: { kind: 'scenario', scenario: 'weather' } });
    const [poll] = await admin.requests.list({ method: 'GET', path: `*/runs/${waiting.id}` });
    expect(poll).toMatchObject({ run_id: null, answered_by: null });
  });

  it('the event feed carries a mock.run.turn event per turn; the API run stream does not', async () => {
    await admin.scenarios.add(GREETING_SCENARIO);
    const a = await assistant();
    const feed = admin.events();
    await feed.ready;
    const stream = client.beta.threads.createAndRun({
      assistant_id: a.id,
      stream: true,
      thread: { messages: [{ role: 'user', content: 'hi' }] },
    });
    const sdkEvents: string[] = [];
    for await (const event of await stream) sdkEvents.push(event.event);
    expect(sdkEvents).toContain('thread.run.completed');
    expect(sdkEvents.some((e) => e.startsWith('mock.'))).toBe(false);

    const seen: AdminEvent[] = [];
    for await (const event of feed) {
      seen.push(event);
      if (event.event === 'thread.run.completed') break;
    }
    const turn = seen.find((e) => e.event === 'mock.run.turn');
    expect(turn?.data).toMatchObject({ object: 'mock.run.turn', index: 0, answered_by: { kind: 'scenario', scenario: 'greeting' } });
    const names = seen.map((e) => e.event);
    expect(names.indexOf('mock.run.turn')).toBeLessThan(names.indexOf('thread.run.step.created'));
  });

  it('the history and the answers survive a restart', async () => {
    const dbPath = `${server.dir}/restart.db`;
    const first = await startServer({ port: 0, dbPath, logger: false });
    let runId: string;
    try {
      const sdk = new OpenAI({ apiKey: KEY, baseURL: `${first.url}/v1`, maxRetries: 0 });
      const a = await sdk.beta.assistants.create({ model: 'gpt-4o' });
      runId = (await sdk.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content: 'hi' }] } })).id;
    } finally {
      await first.close();
    }
    const second = await startServer({ port: 0, dbPath, logger: false });
    try {
      const inspected = await second.admin.withApiKey(KEY).runs.get(runId);
      expect(inspected.history.map((h) => h.status)).toEqual(['queued', 'in_progress', 'completed']);
      expect(inspected.turns[0].answered_by).toEqual({ kind: 'default', scenario: null });
    } finally {
      await second.close();
    }
  });
});

describe('requests.count', () => {
  it('counts the API requests that match method and path (WireMock-style verify)', async () => {
    await client.beta.assistants.create({ model: 'gpt-4o' });
    await client.beta.assistants.create({ model: 'gpt-4o' });
    await client.beta.assistants.list();
    expect(await admin.requests.count({ method: 'POST', path: '/v1/assistants' })).toBe(2);
    expect(await admin.requests.count({ method: 'get', path: '/v1/assistants' })).toBe(1);
    expect(await admin.requests.count({ path: '/v1/assistants' })).toBe(3);
    expect(await admin.requests.count({ method: 'DELETE' })).toBe(0);
  });
});
