/**
 * The bytes of a streamed run, read raw: the frame format (`event: NAME\ndata: JSON\n\n`, ending
 * with `event: done\ndata: [DONE]\n\n`), and the full event order of a text run, a tool-call run and
 * the continuation after submit_tool_outputs, against docs/streaming.md, "Event order"
 * (a), (b), (c); then the endings of section 3 (d): cancel, failure (control API and scenario),
 * incomplete, expiry, and an `error` event for a server-side fault.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEXT_RUN_EVENTS, TIME_TOOL as TIME, WEATHER_TOOL as WEATHER } from './helpers/fixtures.js';
import { collapseDeltas, RawApi, type SseReader, type StreamEvent } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A frame exactly as STREAMING.md section 1 shows it: one event line, one single-line data line, a blank line. */
const FRAME = /event: [a-z_.]+\ndata: [^\n]+\n\n/y;

function frameFormatProblems(raw: string): string | undefined {
  FRAME.lastIndex = 0;
  let at = 0;
  while (at < raw.length) {
    FRAME.lastIndex = at;
    const match = FRAME.exec(raw);
    if (!match) return `bad frame at byte ${at}: ${JSON.stringify(raw.slice(at, at + 80))}`;
    at += match[0].length;
  }
  return undefined;
}

const byName = (events: StreamEvent[], name: string) => events.filter((e) => e.event === name).map((e) => e.json);
const one = (events: StreamEvent[], name: string) => {
  const found = byName(events, name);
  expect(found, name).toHaveLength(1);
  return found[0];
};

type TextDeltaJson = { content: { index: number; type: string; text: { value: string; annotations?: unknown[] } }[] };
type CallDeltaJson = {
  step_details: {
    type: string;
    tool_calls: { index: number; id?: string; type: string; function: { name?: string; arguments?: string; output?: null } }[];
  };
};

function deltaText(events: StreamEvent[]): string {
  return byName(events, 'thread.message.delta')
    .map((d) => (d.delta as TextDeltaJson).content.map((c) => c.text.value).join(''))
    .join('');
}

function messageText(message: Record<string, unknown>): string {
  return (message.content as { text: { value: string } }[]).map((c) => c.text.value).join('');
}

const TEXT_RUN = [...TEXT_RUN_EVENTS, 'done'];

const TOOL_RUN = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.run.step.delta*',
  'thread.run.requires_action',
  'done',
];

// After submit_tool_outputs (section 3 c): the tool step completes, then a text run from `queued` on.
const CONTINUATION = ['thread.run.step.completed', ...TEXT_RUN_EVENTS.slice(1), 'done'];

let server: TestServer;
let api: RawApi;
let assistantId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = new RawApi(server.url);
  assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', name: 'wire', tools: [WEATHER, TIME] })).id;
});

afterAll(async () => {
  await server?.stop();
});

async function newThread(text: string): Promise<string> {
  return (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: text }] })).id;
}

describe('frame format', () => {
  it('answers text/event-stream with exact `event:`/`data:` frames and ends with done/[DONE]', async () => {
    const threadId = await newThread('Hello there, how are you?');
    const response = await fetch(`${server.url}/v1/threads/${threadId}/runs`, {
      method: 'POST',
      headers: api.headers(),
      body: JSON.stringify({ assistant_id: assistantId, stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const raw = Buffer.from(await response.arrayBuffer()).toString('utf8');
    expect(frameFormatProblems(raw)).toBeUndefined();
    expect(raw.endsWith('event: done\ndata: [DONE]\n\n')).toBe(true);
    expect(raw.indexOf('event: done')).toBe(raw.lastIndexOf('event: done'));
    expect(raw).not.toContain('\r');
    // Every data line but the last is one JSON object naming its own kind.
    const frames = raw.split('\n\n').filter(Boolean);
    for (const block of frames.slice(0, -1)) {
      const [eventLine, dataLine] = block.split('\n');
      const name = eventLine.slice('event: '.length);
      const json = JSON.parse(dataLine.slice('data: '.length)) as { object: string };
      const expected = name.endsWith('.delta')
        ? name
        : name.startsWith('thread.run.step.')
          ? 'thread.run.step'
          : name.startsWith('thread.run.')
            ? 'thread.run'
            : name.startsWith('thread.message.')
              ? 'thread.message'
              : 'thread';
      expect(json.object, name).toBe(expected);
    }
  });
});

describe('event order (STREAMING.md section 3)', () => {
  it('(a) a plain text answer: every event, in order, with the objects the examples show', async () => {
    const threadId = await newThread('Tell me something nice about otters.');
    const stream = await api.stream(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual(TEXT_RUN);
    expect(byName(events, 'thread.message.delta').length).toBeGreaterThan(3);

    const created = one(events, 'thread.run.created');
    expect(created).toMatchObject({ object: 'thread.run', status: 'queued', started_at: null, thread_id: threadId });
    expect(created.expires_at).toBe((created.created_at as number) + 600);
    expect(one(events, 'thread.run.queued')).toEqual(created);
    const inProgress = one(events, 'thread.run.in_progress');
    expect(inProgress.status).toBe('in_progress');
    expect(inProgress.started_at).toEqual(expect.any(Number));

    const step = one(events, 'thread.run.step.created');
    const message = one(events, 'thread.message.created');
    expect(step).toMatchObject({ type: 'message_creation', status: 'in_progress', usage: null, run_id: created.id });
    expect(step.step_details).toEqual({ type: 'message_creation', message_creation: { message_id: message.id } });
    expect(one(events, 'thread.run.step.in_progress')).toEqual(step);
    expect(message).toMatchObject({ role: 'assistant', status: 'in_progress', content: [], run_id: created.id, assistant_id: assistantId });
    expect(one(events, 'thread.message.in_progress')).toEqual(message);

    const deltas = byName(events, 'thread.message.delta');
    for (const [i, d] of deltas.entries()) {
      expect(d).toMatchObject({ id: message.id, object: 'thread.message.delta' });
      const content = (d.delta as TextDeltaJson).content;
      expect(content).toHaveLength(1);
      expect(content[0]).toMatchObject({ index: 0, type: 'text' });
      // The first fragment must be a whole text block for the SDK accumulator (STREAMING.md section 4).
      if (i === 0) expect(content[0].text.annotations).toEqual([]);
    }

    const completed = one(events, 'thread.message.completed');
    expect(completed).toMatchObject({ id: message.id, status: 'completed', completed_at: expect.any(Number) });
    expect(messageText(completed)).toBe(deltaText(events));
    const stepDone = one(events, 'thread.run.step.completed');
    expect(stepDone).toMatchObject({ id: step.id, status: 'completed', completed_at: expect.any(Number) });
    expect(stepDone.usage).toMatchObject({ total_tokens: expect.any(Number) });
    const runDone = one(events, 'thread.run.completed');
    expect(runDone).toMatchObject({ status: 'completed', completed_at: expect.any(Number), expires_at: null });
    expect(runDone.usage).toMatchObject({ total_tokens: expect.any(Number) });

    // What is streamed is what is stored.
    expect(await api.get(`/v1/threads/${threadId}/runs/${created.id as string}`)).toEqual(runDone);
    expect(await api.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(completed);
    expect(await api.get(`/v1/threads/${threadId}/runs/${created.id as string}/steps/${step.id as string}`)).toEqual(stepDone);
  });

  it('(a) on POST /threads/runs starts with thread.created', async () => {
    const stream = await api.stream('/v1/threads/runs', {
      assistant_id: assistantId,
      thread: { messages: [{ role: 'user', content: 'Good morning!' }] },
    });
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual(['thread.created', ...TEXT_RUN]);
    const thread = events[0].json;
    expect(thread).toMatchObject({ object: 'thread', id: expect.stringMatching(/^thread_/) });
    expect(one(events, 'thread.run.created').thread_id).toBe(thread.id);
    expect(await api.get(`/v1/threads/${thread.id as string}`)).toEqual(thread);
  });

  it('(b) a function call: id/type/name first, then argument fragments, then requires_action; (c) the continuation', async () => {
    const threadId = await newThread('What is the weather in Paris today?');
    const stream = await api.stream(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId, parallel_tool_calls: false });
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual(TOOL_RUN);
    expect(
      stream.raw.endsWith(
        'event: thread.run.requires_action\ndata: ' + JSON.stringify(events.at(-2)?.json) + '\n\nevent: done\ndata: [DONE]\n\n',
      ),
    ).toBe(true);

    const step = one(events, 'thread.run.step.created');
    expect(step).toMatchObject({ type: 'tool_calls', status: 'in_progress', step_details: { type: 'tool_calls', tool_calls: [] } });
    const deltas = byName(events, 'thread.run.step.delta').map((d) => {
      expect(d).toMatchObject({ id: step.id, object: 'thread.run.step.delta' });
      return (d.delta as CallDeltaJson).step_details;
    });
    expect(deltas.length).toBeGreaterThan(1);
    const [first, ...rest] = deltas;
    expect(first.type).toBe('tool_calls');
    expect(first.tool_calls).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '', output: null } },
    ]);
    for (const d of rest) {
      expect(d.tool_calls).toHaveLength(1);
      expect(Object.keys(d.tool_calls[0]).sort()).toEqual(['function', 'index', 'type']);
      expect(Object.keys(d.tool_calls[0].function)).toEqual(['arguments']);
    }
    const streamedArguments = rest.map((d) => d.tool_calls[0].function.arguments).join('');

    const run = one(events, 'thread.run.requires_action');
    const created = one(events, 'thread.run.created');
    expect(run.expires_at).toBe(created.expires_at);
    const required = run.required_action as {
      type: string;
      submit_tool_outputs: { tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[] };
    };
    expect(required.type).toBe('submit_tool_outputs');
    expect(required.submit_tool_outputs.tool_calls).toEqual([
      { id: first.tool_calls[0].id, type: 'function', function: { name: 'get_weather', arguments: streamedArguments } },
    ]);
    expect(JSON.parse(streamedArguments)).toMatchObject({ city: expect.any(String) });
    // The tool step is not completed before requires_action (example (b)), and the stored run is what was streamed.
    expect(stream.names()).not.toContain('thread.run.step.completed');
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(run);
    // The stored step is still in progress: its usage is null until it completes (spec, RunStepCompletionUsage).
    const storedStep = await api.get(`/v1/threads/${threadId}/runs/${run.id as string}/steps/${step.id as string}`);
    expect(storedStep).toMatchObject({ status: 'in_progress', usage: null });

    // (c) submit_tool_outputs with stream: true.
    const callId = required.submit_tool_outputs.tool_calls[0].id;
    const next = await api.stream(`/v1/threads/${threadId}/runs/${run.id as string}/submit_tool_outputs`, {
      tool_outputs: [{ tool_call_id: callId, output: '22 C and sunny' }],
    });
    const more = await next.all();
    expect(collapseDeltas(next.names())).toEqual(CONTINUATION);
    expect(next.names()).not.toContain('thread.run.created');
    const toolStep = more[0].json;
    expect(toolStep).toMatchObject({ id: step.id, status: 'completed', completed_at: expect.any(Number) });
    expect(toolStep.usage).toMatchObject({ total_tokens: expect.any(Number) });
    expect((toolStep.step_details as CallDeltaJson['step_details']).tool_calls).toEqual([
      { id: callId, type: 'function', function: { name: 'get_weather', arguments: streamedArguments, output: '22 C and sunny' } },
    ]);
    const queued = one(more, 'thread.run.queued');
    expect(queued).toMatchObject({ status: 'queued', required_action: null, expires_at: created.expires_at });
    const resumed = one(more, 'thread.run.in_progress');
    expect(resumed.expires_at).toBe(created.expires_at);
    expect(resumed.started_at as number).toBeGreaterThanOrEqual(queued.started_at as number);
    const reply = one(more, 'thread.message.completed');
    expect(messageText(reply)).toBe(deltaText(more));
    expect(messageText(reply)).toContain('22 C and sunny');
    const done = one(more, 'thread.run.completed');
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(done);
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id as string}/steps/${step.id as string}`)).toEqual(toolStep);
  });

  it('(b) parallel calls share one step, first appear in index order, and requires_action lists them all', async () => {
    const threadId = await newThread('What is the weather and the local time in Oslo?');
    const stream = await api.stream(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual(TOOL_RUN);
    const stepIds = new Set(byName(events, 'thread.run.step.delta').map((d) => d.id));
    expect(stepIds.size).toBe(1);
    const fragments = byName(events, 'thread.run.step.delta').flatMap((d) => (d.delta as CallDeltaJson).step_details.tool_calls);
    const firstSeen: number[] = [];
    const args = new Map<number, string>();
    for (const f of fragments) {
      if (!firstSeen.includes(f.index)) {
        firstSeen.push(f.index);
        expect(f.id).toMatch(/^call_/);
        expect(f.function.name).toEqual(expect.any(String));
      }
      args.set(f.index, (args.get(f.index) ?? '') + (f.function.arguments ?? ''));
    }
    expect(firstSeen).toEqual([0, 1]);
    const required = (
      one(events, 'thread.run.requires_action').required_action as {
        submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] };
      }
    ).submit_tool_outputs.tool_calls;
    expect(required.map((c) => c.function.name).sort()).toEqual(['get_time', 'get_weather']);
    required.forEach((call, i) => {
      expect(call.id).toBe(fragments.find((f) => f.index === i)?.id);
      expect(call.function.arguments).toBe(args.get(i));
    });
  });
});

describe('endings (STREAMING.md section 3 (d))', () => {
  let slow: TestServer;
  let slowApi: RawApi;
  let slowAssistant: string;

  beforeAll(async () => {
    slow = await startTestServer({ streamDelayMs: 50 });
    slowApi = new RawApi(slow.url);
    slowAssistant = (await slowApi.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', tools: [WEATHER] })).id;
  });
  afterAll(async () => {
    await slow?.stop();
  });

  async function slowThread(): Promise<string> {
    const long = 'Please tell me a long story about a lighthouse keeper and the sea and the gulls and the storms.';
    return (await slowApi.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: long }] })).id;
  }

  it('cancel mid-stream: cancelling, message incomplete (run_cancelled), step cancelled, run cancelled, done', async () => {
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
    const run = (await stream.waitForEvent('thread.run.created')).json;
    await stream.waitForEvent('thread.message.delta');
    const cancelled = await slowApi.post(`/v1/threads/${threadId}/runs/${run.id as string}/cancel`);
    expect(cancelled.status).toBe('cancelling');
    const events = await stream.all();
    const names = stream.names();
    const tail = names.slice(names.indexOf('thread.run.cancelling'));
    expect(tail).toEqual([
      'thread.run.cancelling',
      'thread.message.incomplete',
      'thread.run.step.cancelled',
      'thread.run.cancelled',
      'done',
    ]);
    expect(collapseDeltas(names.slice(0, names.indexOf('thread.run.cancelling')))).toEqual(TEXT_RUN.slice(0, 8));
    expect(one(events, 'thread.run.cancelling')).toEqual(cancelled);
    const message = one(events, 'thread.message.incomplete');
    expect(message).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'run_cancelled' },
      incomplete_at: expect.any(Number),
    });
    // The incomplete message holds exactly the text streamed before the cancel.
    expect(messageText(message)).toBe(deltaText(events));
    expect(deltaText(events).length).toBeGreaterThan(0);
    expect(one(events, 'thread.run.step.cancelled')).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(Number) });
    const final = one(events, 'thread.run.cancelled');
    expect(final).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(Number) });
    expect(await slowApi.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(final);
    expect(await slowApi.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(message);
  });

  it('failed by the control API mid-stream: message incomplete (run_failed), step failed, run failed, done', async () => {
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
    const run = (await stream.waitForEvent('thread.run.created')).json;
    await stream.waitForEvent('thread.message.delta');
    await slowApi.post(`/__admin/runs/${run.id as string}/fail`);
    const events = await stream.all();
    const names = stream.names();
    const tail = names.slice(names.indexOf('thread.message.incomplete'));
    expect(tail).toEqual(['thread.message.incomplete', 'thread.run.step.failed', 'thread.run.failed', 'done']);
    const message = one(events, 'thread.message.incomplete');
    expect(message).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'run_failed' } });
    expect(messageText(message)).toBe(deltaText(events));
    const step = one(events, 'thread.run.step.failed');
    expect(step).toMatchObject({ status: 'failed', failed_at: expect.any(Number), last_error: { code: 'server_error' } });
    const final = one(events, 'thread.run.failed');
    expect(final).toMatchObject({ status: 'failed', failed_at: expect.any(Number), last_error: { code: 'server_error' } });
    expect(await slowApi.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(final);
    expect(await slowApi.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(message);
  });

  it('expired by the control API mid-stream: message incomplete (run_expired), step expired, run expired, done', async () => {
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
    const run = (await stream.waitForEvent('thread.run.created')).json;
    await stream.waitForEvent('thread.message.delta');
    await slowApi.post(`/__admin/runs/${run.id as string}/expire`);
    const events = await stream.all();
    const names = stream.names();
    expect(names.slice(names.indexOf('thread.message.incomplete'))).toEqual([
      'thread.message.incomplete',
      'thread.run.step.expired',
      'thread.run.expired',
      'done',
    ]);
    expect(one(events, 'thread.message.incomplete')).toMatchObject({ incomplete_details: { reason: 'run_expired' } });
    expect(messageText(one(events, 'thread.message.incomplete'))).toBe(deltaText(events));
    expect(one(events, 'thread.run.step.expired')).toMatchObject({ status: 'expired', expired_at: expect.any(Number) });
    const final = one(events, 'thread.run.expired');
    expect(await slowApi.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(final);
  });

  it('completed by the control API mid-stream: the rest of the text is streamed first', async () => {
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
    const run = (await stream.waitForEvent('thread.run.created')).json;
    await stream.waitForEvent('thread.message.delta');
    await slowApi.post(`/__admin/runs/${run.id as string}/complete`);
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual(TEXT_RUN);
    const message = one(events, 'thread.message.completed');
    expect(messageText(message)).toBe(deltaText(events));
    expect(await slowApi.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(message);
  });

  it('a scenario that fails the turn: created, queued, in_progress, failed (with last_error), done', async () => {
    await slowApi.post('/__admin/scenarios', {
      name: 'wire-fail',
      match: { run: { metadata: { mock_scenario: 'wire-fail' } } },
      turns: [{ fail: { code: 'rate_limit_exceeded', message: 'Slow down.' } }],
    });
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, {
      assistant_id: slowAssistant,
      metadata: { mock_scenario: 'wire-fail' },
    });
    const events = await stream.all();
    expect(stream.names()).toEqual(['thread.run.created', 'thread.run.queued', 'thread.run.in_progress', 'thread.run.failed', 'done']);
    const final = one(events, 'thread.run.failed');
    expect(final).toMatchObject({ status: 'failed', last_error: { code: 'rate_limit_exceeded', message: 'Slow down.' } });
    expect(await slowApi.get(`/v1/threads/${threadId}/runs/${final.id as string}`)).toEqual(final);
  });

  it('a scenario that ends incomplete: message incomplete, step completed, run incomplete, done', async () => {
    await slowApi.post('/__admin/scenarios', {
      name: 'wire-incomplete',
      match: { run: { metadata: { mock_scenario: 'wire-incomplete' } } },
      turns: [{ incomplete: { reason: 'max_completion_tokens', text: 'This answer stops in the middle of' }, stream: { delay_ms: 0 } }],
    });
    const threadId = await slowThread();
    const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, {
      assistant_id: slowAssistant,
      metadata: { mock_scenario: 'wire-incomplete' },
    });
    const events = await stream.all();
    expect(collapseDeltas(stream.names())).toEqual([
      ...TEXT_RUN.slice(0, 8),
      'thread.message.incomplete',
      'thread.run.step.completed',
      'thread.run.incomplete',
      'done',
    ]);
    const message = one(events, 'thread.message.incomplete');
    expect(messageText(message)).toBe('This answer stops in the middle of');
    expect(deltaText(events)).toBe('This answer stops in the middle of');
    const final = one(events, 'thread.run.incomplete');
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_completion_tokens' } });
    expect(await slowApi.get(`/v1/threads/${threadId}/runs/${final.id as string}`)).toEqual(final);
  });

  it('a server-side fault in the engine: an `error` event (wrapped error object), then the run fails', async () => {
    const scenarios = slow.app.ctx.scenarios;
    if (!scenarios) throw new Error('the server has no scenario behavior to break');
    const spy = vi.spyOn(scenarios, 'answer').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const threadId = await slowThread();
      const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
      const events = await stream.all();
      expect(stream.names()).toEqual([
        'thread.run.created',
        'thread.run.queued',
        'thread.run.in_progress',
        'error',
        'thread.run.failed',
        'done',
      ]);
      expect(one(events, 'error')).toEqual({
        error: {
          message: expect.any(String),
          type: 'server_error',
          param: null,
          code: 'server_error',
        },
      });
      expect(one(events, 'thread.run.failed')).toMatchObject({ last_error: { code: 'server_error' } });
    } finally {
      spy.mockRestore();
    }
  });
  it('a server-side fault while a message streams: error, message incomplete (run_failed) with what was sent, step failed, run failed', async () => {
    const bus = slow.app.ctx.bus;
    const publish = bus.publish.bind(bus);
    let deltas = 0;
    const spy = vi.spyOn(bus, 'publish').mockImplementation((event) => {
      if (event.event === 'thread.message.delta' && ++deltas === 3) throw new Error('boom while streaming');
      publish(event);
    });
    try {
      const threadId = await slowThread();
      const stream = await slowApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: slowAssistant });
      const events = await stream.all();
      const names = stream.names();
      expect(names.slice(names.indexOf('error'))).toEqual([
        'error',
        'thread.message.incomplete',
        'thread.run.step.failed',
        'thread.run.failed',
        'done',
      ]);
      const message = one(events, 'thread.message.incomplete');
      expect(message).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'run_failed' } });
      expect(byName(events, 'thread.message.delta')).toHaveLength(2);
      expect(messageText(message)).toBe(deltaText(events));
      expect(await slowApi.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(message);
      const run = one(events, 'thread.run.failed');
      expect(await slowApi.get(`/v1/threads/${threadId}/runs/${run.id as string}`)).toEqual(run);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('every streamed object equals a GET of it at that moment (RUN_MODE=manual, one phase per advance)', () => {
  let manual: TestServer;
  let manualApi: RawApi;
  let manualAssistant: string;

  beforeAll(async () => {
    manual = await startTestServer({ runMode: 'manual' });
    manualApi = new RawApi(manual.url);
    manualAssistant = (await manualApi.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', tools: [WEATHER] })).id;
  });
  afterAll(async () => {
    await manual?.stop();
  });

  const OBJECTS = new Set(['thread', 'thread.run', 'thread.run.step', 'thread.message']);

  /** GETs every object the events after `from` carried and compares it with its latest event. */
  async function compareWithStore(events: StreamEvent[], threadId: string, runId: string): Promise<number> {
    const latest = new Map<string, Record<string, unknown>>();
    const text = new Map<string, string>();
    const calls = new Map<string, { id?: string; type: string; function: { name?: string; arguments: string; output?: null } }[]>();
    for (const { json } of events) {
      if (OBJECTS.has(json.object as string)) latest.set(json.id as string, json);
      if (json.object === 'thread.message.delta') {
        const value = (json.delta as TextDeltaJson).content.map((c) => c.text.value).join('');
        text.set(json.id as string, (text.get(json.id as string) ?? '') + value);
      }
      if (json.object === 'thread.run.step.delta') {
        const list = calls.get(json.id as string) ?? [];
        calls.set(json.id as string, list);
        for (const { index, ...fragment } of (json.delta as CallDeltaJson).step_details.tool_calls) {
          if (list[index]) list[index].function.arguments += fragment.function.arguments ?? '';
          else list[index] = { ...fragment, function: { ...fragment.function, arguments: fragment.function.arguments ?? '' } };
        }
      }
    }
    for (const [id, object] of latest) {
      const path =
        object.object === 'thread'
          ? `/v1/threads/${id}`
          : object.object === 'thread.run'
            ? `/v1/threads/${threadId}/runs/${id}`
            : object.object === 'thread.run.step'
              ? `/v1/threads/${threadId}/runs/${runId}/steps/${id}`
              : `/v1/threads/${threadId}/messages/${id}`;
      const stored = await manualApi.get(path);
      if (object.object === 'thread.run.step' && object.status === 'in_progress' && calls.has(id)) {
        // A tool step's calls arrive as deltas; the stored step gets them whole when the turn ends.
        const { step_details: details, ...rest } = stored;
        const { step_details: _announced, ...announced } = object;
        expect(rest).toEqual(announced);
        const storedCalls = (details as CallDeltaJson['step_details']).tool_calls;
        if (storedCalls.length > 0) expect(storedCalls).toEqual(calls.get(id));
      } else if (object.object === 'thread.message' && object.status === 'in_progress' && text.has(id)) {
        // Deltas after the message's last full event: the stored content is the text streamed so far.
        expect(stored).toEqual({ ...object, content: [{ type: 'text', text: { value: text.get(id), annotations: [] } }] });
      } else {
        expect(stored, `${object.object as string} ${id}`).toEqual(object);
      }
    }
    return latest.size;
  }

  /** Advances the run one phase at a time until its stream ends, comparing after each phase. */
  async function driveAndCompare(stream: SseReader, threadId: string, runId: string, seenBefore: number): Promise<string[][]> {
    let published = seenBefore;
    const unsubscribe = manual.app.ctx.bus.subscribeRun(runId, () => published++);
    const batches: string[][] = [];
    try {
      for (let i = 0; i < 50 && !stream.done; i++) {
        const from = stream.events.length;
        await manualApi.post(`/__admin/runs/${runId}/advance`);
        await stream.waitFor(() => stream.events.filter((e) => e.event !== 'done').length >= published);
        const batch = stream.events.slice(from).filter((e) => e.event !== 'done');
        batches.push(collapseDeltas(batch.map((e) => e.event)));
        await compareWithStore(
          stream.events.filter((e) => e.event !== 'done'),
          threadId,
          runId,
        );
        if (FINAL.has(batch.at(-1)?.event ?? '')) await stream.ended;
      }
    } finally {
      unsubscribe();
    }
    return batches;
  }

  const FINAL = new Set(['thread.run.completed', 'thread.run.requires_action', 'thread.run.cancelled', 'thread.run.failed']);

  it('a text run, phase by phase', async () => {
    const threadId = (
      await manualApi.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: 'Step by step, please.' }] })
    ).id;
    const stream = await manualApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: manualAssistant });
    const run = (await stream.waitForEvent('thread.run.queued')).json;
    await compareWithStore(stream.events, threadId, run.id as string);
    const batches = await driveAndCompare(stream, threadId, run.id as string, 2);
    expect(batches).toEqual([
      ['thread.run.in_progress'],
      [],
      ['thread.run.step.created', 'thread.run.step.in_progress', 'thread.message.created', 'thread.message.in_progress'],
      ['thread.message.delta*'],
      ['thread.message.completed', 'thread.run.step.completed', 'thread.run.completed'],
    ]);
    expect(stream.names().at(-1)).toBe('done');
  });

  it('a tool-call run and its streamed continuation, phase by phase', async () => {
    const threadId = (await manualApi.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: 'Weather in Rome?' }] }))
      .id;
    const stream = await manualApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: manualAssistant });
    const run = (await stream.waitForEvent('thread.run.queued')).json;
    const batches = await driveAndCompare(stream, threadId, run.id as string, 2);
    expect(batches).toEqual([
      ['thread.run.in_progress'],
      [],
      ['thread.run.step.created', 'thread.run.step.in_progress'],
      ['thread.run.step.delta*'],
      ['thread.run.requires_action'],
    ]);
    const required = one(stream.events, 'thread.run.requires_action').required_action as {
      submit_tool_outputs: { tool_calls: { id: string }[] };
    };
    const next = await manualApi.stream(`/v1/threads/${threadId}/runs/${run.id as string}/submit_tool_outputs`, {
      tool_outputs: [{ tool_call_id: required.submit_tool_outputs.tool_calls[0].id, output: 'warm' }],
    });
    await next.waitForEvent('thread.run.queued');
    expect(next.names()).toEqual(['thread.run.step.completed', 'thread.run.queued']);
    await compareWithStore(next.events, threadId, run.id as string);
    const more = await driveAndCompare(next, threadId, run.id as string, 2);
    expect(more).toEqual([
      ['thread.run.in_progress'],
      [],
      ['thread.run.step.created', 'thread.run.step.in_progress', 'thread.message.created', 'thread.message.in_progress'],
      ['thread.message.delta*'],
      ['thread.message.completed', 'thread.run.step.completed', 'thread.run.completed'],
    ]);
  });

  it('cancel after every delta was sent but before the message completed: the incomplete message holds the streamed text', async () => {
    const threadId = (await manualApi.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: 'Cancel me late.' }] })).id;
    const stream = await manualApi.stream(`/v1/threads/${threadId}/runs`, { assistant_id: manualAssistant });
    const runId = (await stream.waitForEvent('thread.run.created')).json.id as string;
    for (let i = 0; i < 4; i++) await manualApi.post(`/__admin/runs/${runId}/advance`); // start, plan, begin, stream
    await stream.waitFor(() => stream.names().includes('thread.message.delta'));
    await manualApi.post(`/v1/threads/${threadId}/runs/${runId}/cancel`);
    await manualApi.post(`/__admin/runs/${runId}/advance`);
    const events = await stream.all();
    expect(stream.names().slice(-5)).toEqual([
      'thread.run.cancelling',
      'thread.message.incomplete',
      'thread.run.step.cancelled',
      'thread.run.cancelled',
      'done',
    ]);
    const message = one(events, 'thread.message.incomplete');
    expect(messageText(message)).toBe(deltaText(events));
    expect(messageText(message)).toContain('Cancel me late.');
    expect(await manualApi.get(`/v1/threads/${threadId}/messages/${message.id as string}`)).toEqual(message);
  });
});

describe('pace: streamDelayMs spreads the deltas over time, streamChunkTokens sets their size', () => {
  let paced: TestServer;
  let pacedApi: RawApi;
  let pacedAssistant: string;
  const MESSAGE = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen';

  beforeAll(async () => {
    paced = await startTestServer({ streamDelayMs: 25, streamChunkTokens: 2 });
    pacedApi = new RawApi(paced.url);
    pacedAssistant = (await pacedApi.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
  });
  afterAll(async () => {
    await paced?.stop();
  });

  /** How many message deltas came, their mean inter-arrival gap, and the text they make. */
  async function deltasOf(client: RawApi, assistant: string, metadata?: Record<string, string>) {
    const threadId = (await client.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: MESSAGE }] })).id;
    const stream = await client.stream(`/v1/threads/${threadId}/runs`, { assistant_id: assistant, ...(metadata ? { metadata } : {}) });
    const events = await stream.all();
    const at = stream.frames.map((f, i) => ({ f, i })).filter(({ f }) => f.event === 'thread.message.delta');
    const times = at.map(({ i }) => stream.arrivals[i]);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    return {
      count: at.length,
      meanGap: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length),
      text: deltaText(events),
      completed: messageText(one(events, 'thread.message.completed')),
    };
  }

  const words = (text: string) => text.trim().split(/\s+/).length;

  it('paced deltas arrive spread out; unpaced ones arrive back to back', async () => {
    const fast = await deltasOf(api, assistantId);
    const slow = await deltasOf(pacedApi, pacedAssistant);
    expect(slow.text).toBe(slow.completed);
    expect(fast.text).toBe(fast.completed);
    // Ratio of mean gaps, not absolute timings: paced gaps are far longer than unpaced ones.
    expect(slow.meanGap).toBeGreaterThan(10 * Math.max(fast.meanGap, 0.1));
  });

  it('streamChunkTokens: 2 words per delta instead of 1 (the default)', async () => {
    const one = await deltasOf(api, assistantId);
    const two = await deltasOf(pacedApi, pacedAssistant);
    expect(one.completed).toBe(two.completed);
    expect(one.count).toBe(words(one.completed));
    expect(two.count).toBe(Math.ceil(words(two.completed) / 2));
  });

  it("a scenario's stream.delay_ms and chunk_tokens override the server's pace for its turn", async () => {
    await api.post('/__admin/scenarios', {
      name: 'wire-pace',
      match: { run: { metadata: { mock_scenario: 'wire-pace' } } },
      turns: [{ text: MESSAGE, stream: { delay_ms: 20, chunk_tokens: 4 } }],
    });
    const scripted = await deltasOf(api, assistantId, { mock_scenario: 'wire-pace' });
    const fast = await deltasOf(api, assistantId);
    expect(scripted.completed).toBe(MESSAGE);
    expect(scripted.count).toBe(4);
    expect(scripted.meanGap).toBeGreaterThan(10 * Math.max(fast.meanGap, 0.1));
  });
});
