/**
 * Runs answered by a model backend, driven by the official SDKs (openai 4.x and 7.x), with a real
 * third-party OpenAI-compatible server behind: @copilotkit/aimock, in-process on a free port. What
 * the model streams reaches the client as it comes; every failure ends the run with a mapped
 * last_error; a cancel ends the upstream request; a recorded conversation replays with no model.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI4, { toFile as toFile4 } from 'openai';
import OpenAI7, { toFile as toFile7 } from 'openai-v7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAimock, type Aimock } from './helpers/aimock.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;
interface Text {
  value: string;
  annotations: Json[];
}
interface Message extends Json {
  id: string;
  role: string;
  status: string;
  content: { type: string; text: Text }[];
}
interface Run extends Json {
  id: string;
  status: string;
  last_error: { code: string; message: string } | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  required_action: { submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } } | null;
}
interface Step extends Json {
  type: string;
  status: string;
  step_details: { type: string; tool_calls?: Json[] };
}
interface Event {
  event: string;
  data: Json;
}
/** The AssistantStream helper's part used here; the same in both majors (cast, as streaming.sdk.test.ts does). */
interface HelperStream extends AsyncIterable<Event> {
  on(event: 'textDelta', listener: (delta: { value?: string }, snapshot: Text) => void): this;
  on(event: 'toolCallDelta', listener: (delta: { function?: { arguments?: string } }, snapshot: Json) => void): this;
  on(event: 'event', listener: (event: Event) => void): this;
  finalRun(): Promise<Run>;
  finalMessages(): Promise<Message[]>;
  done(): Promise<void>;
}

/** The calls whose signatures differ between the majors, and the ones used here that do not. */
interface Sdk {
  name: string;
  files: { create(body: unknown): Promise<{ id: string }> };
  toFile(data: Buffer, name: string): Promise<unknown>;
  vectorStores: { create(body: unknown): Promise<{ id: string }>; retrieve(id: string): Promise<{ file_counts: { completed: number } }> };
  createAssistant(body: Json): Promise<{ id: string }>;
  createThread(body: Json): Promise<{ id: string }>;
  createAndPoll(threadId: string, body: Json): Promise<Run>;
  stream(threadId: string, body: Json): HelperStream;
  submitStream(threadId: string, runId: string, outputs: { tool_call_id: string; output: string }[]): HelperStream;
  cancel(threadId: string, runId: string): Promise<Run>;
  retrieveRun(threadId: string, runId: string): Promise<Run>;
  messages(threadId: string): Promise<Message[]>;
  steps(threadId: string, runId: string, include?: string[]): Promise<Step[]>;
}

type Loose = Record<string, (...args: unknown[]) => unknown>;
type Threads = Loose & { runs: Loose & { steps: Loose }; messages: Loose };

async function all<T>(page: unknown): Promise<T[]> {
  const out: T[] = [];
  for await (const item of page as AsyncIterable<T>) out.push(item);
  return out;
}

function sdk4(baseURL: string): Sdk {
  const client = new OpenAI4({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
  const t = client.beta.threads as unknown as Threads;
  return {
    name: 'openai 4.x',
    files: client.files as never,
    toFile: (data, name) => toFile4(data, name),
    vectorStores: client.vectorStores as never,
    createAssistant: (body) => client.beta.assistants.create(body as never) as never,
    createThread: (body) => client.beta.threads.create(body as never) as never,
    createAndPoll: (tid, body) => t.runs.createAndPoll(tid, body) as Promise<Run>,
    stream: (tid, body) => t.runs.stream(tid, body) as HelperStream,
    submitStream: (tid, rid, outputs) => t.runs.submitToolOutputsStream(tid, rid, { tool_outputs: outputs }) as HelperStream,
    cancel: (tid, rid) => t.runs.cancel(tid, rid) as Promise<Run>,
    retrieveRun: (tid, rid) => t.runs.retrieve(tid, rid) as Promise<Run>,
    messages: (tid) => all(t.messages.list(tid, { order: 'asc' })),
    steps: (tid, rid, include) => all(t.runs.steps.list(tid, rid, { order: 'asc', ...(include ? { include } : {}) })),
  };
}

function sdk7(baseURL: string): Sdk {
  const client = new OpenAI7({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
  const t = client.beta.threads as unknown as Threads;
  return {
    name: 'openai 7.x',
    files: client.files as never,
    toFile: (data, name) => toFile7(data, name),
    vectorStores: client.vectorStores as never,
    createAssistant: (body) => client.beta.assistants.create(body as never) as never,
    createThread: (body) => client.beta.threads.create(body as never) as never,
    createAndPoll: (tid, body) => t.runs.createAndPoll(tid, body) as Promise<Run>,
    stream: (tid, body) => t.runs.stream(tid, body) as HelperStream,
    submitStream: (tid, rid, outputs) => t.runs.submitToolOutputsStream(rid, { thread_id: tid, tool_outputs: outputs }) as HelperStream,
    cancel: (tid, rid) => t.runs.cancel(rid, { thread_id: tid }) as Promise<Run>,
    retrieveRun: (tid, rid) => t.runs.retrieve(rid, { thread_id: tid }) as Promise<Run>,
    messages: (tid) => all(t.messages.list(tid, { order: 'asc' })),
    steps: (tid, rid, include) => all(t.runs.steps.list(rid, { thread_id: tid, order: 'asc', ...(include ? { include } : {}) })),
  };
}

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const HANDBOOK = 'Refund policy. Customers may return any item within 30 days of delivery for a full refund.';

/** The control API for the tenant of the SDK clients' key. */
const admin = () => server.admin.withApiKey('sk-test');

/** The text of a message. */
const textOf = (message: Message) => message.content.map((c) => c.text.value).join('');

let aimock: Aimock;
let server: TestServer;

beforeAll(async () => {
  aimock = await startAimock();
  server = await startTestServer({ modelBackendUrl: aimock.baseURL, modelMap: 'gpt-4o=llama3.2:3b', modelBackendTimeoutMs: 1_000 });
});
afterAll(async () => {
  await server?.stop();
  await aimock?.stop();
});
beforeEach(() => {
  aimock.mock.reset();
  aimock.clearEndings();
});

/** After a tool result, aimock must answer the follow-up, not the first fixture again: put it first. */
function onToolResult(content: string | ((toolMessage: string) => string)) {
  aimock.mock.prependFixture({
    match: { predicate: (req) => req.messages.at(-1)?.role === 'tool' },
    response: (req) => {
      const last = req.messages.at(-1)?.content;
      return { content: typeof content === 'string' ? content : content(typeof last === 'string' ? last : JSON.stringify(last)) };
    },
  });
}

describe.each([sdk4, sdk7])('%o', (make) => {
  let client: Sdk;
  let assistantId: string;
  beforeAll(async () => {
    client = make(server.baseURL);
    assistantId = (await client.createAssistant({ model: 'gpt-4o', name: 'Weather bot', instructions: 'Be brief.', tools: [WEATHER] })).id;
  });

  const thread = async (text: string) => (await client.createThread({ messages: [{ role: 'user', content: text }] })).id;

  it('createAndPoll: the model answers, with its usage, and the control API names the backend', async () => {
    aimock.mock.onMessage('Say hello', {
      content: 'Hello from the model!',
      usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
    });
    const threadId = await thread('Say hello');
    const run = await client.createAndPoll(threadId, { assistant_id: assistantId });
    expect(run.status).toBe('completed');
    expect(run.usage).toEqual({ prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 });
    const messages = await client.messages(threadId);
    expect(messages.map((m) => [m.role, textOf(m)])).toEqual([
      ['user', 'Say hello'],
      ['assistant', 'Hello from the model!'],
    ]);
    const inspection = await admin().runs.get(run.id);
    expect(inspection.turns.map((t) => t.answered_by)).toEqual([{ kind: 'backend', scenario: null, model: 'llama3.2:3b' }]);
    // The journal entry of the request that started the run says the same.
    const [created] = await admin().requests.list({ method: 'POST', path: `/v1/threads/${threadId}/runs` });
    expect(JSON.stringify(created.answered_by)).toContain('{"kind":"backend","scenario":null,"model":"llama3.2:3b"}');
    expect(aimock.chatRequests()).toHaveLength(1);
  });

  it('runs.stream: text deltas arrive as the model streams them, and add up to the stored message', async () => {
    aimock.mock.onMessage('Tell me a story', { content: 'Once upon a time there was a tiny mock that answered like a model.' }, {
      chunkSize: 6,
    } as never);
    const threadId = await thread('Tell me a story');
    const stream = client.stream(threadId, { assistant_id: assistantId });
    const deltas: string[] = [];
    const events: string[] = [];
    stream.on('textDelta', (delta) => deltas.push(delta.value ?? ''));
    stream.on('event', (event) => events.push(event.event));
    const run = await stream.finalRun();
    expect(run.status).toBe('completed');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe('Once upon a time there was a tiny mock that answered like a model.');
    expect(textOf((await stream.finalMessages())[0])).toBe(deltas.join(''));
    expect(events[0]).toBe('thread.run.created');
    expect(events.at(-1)).toBe('thread.run.completed');
  });

  it('a tool call streams its arguments, requires_action, and submitToolOutputsStream gets the follow-up', async () => {
    aimock.mock.onMessage('weather in Paris', { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    onToolResult((tool) => `The weather: ${tool}`);
    const threadId = await thread('What is the weather in Paris?');
    const stream = client.stream(threadId, { assistant_id: assistantId });
    const pieces: string[] = [];
    stream.on('toolCallDelta', (delta) => pieces.push(delta.function?.arguments ?? ''));
    const run = await stream.finalRun();
    expect(run.status).toBe('requires_action');
    const [call] = run.required_action!.submit_tool_outputs.tool_calls;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(pieces.join('')).toBe('{"city":"Paris"}');

    const submitted = client.submitStream(threadId, run.id, [{ tool_call_id: call.id, output: '18C and sunny' }]);
    const done = await submitted.finalRun();
    expect(done.status).toBe('completed');
    const messages = await client.messages(threadId);
    expect(textOf(messages[1])).toBe('The weather: 18C and sunny');
    const followUp = aimock.chatRequests()[1].body as { messages: Json[] };
    expect(followUp.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
    ]);
    const steps = await client.steps(threadId, run.id);
    expect(steps.map((s) => [s.type, s.status])).toEqual([
      ['tool_calls', 'completed'],
      ['message_creation', 'completed'],
    ]);
  });

  it('cancel mid-stream ends the upstream request at once', async () => {
    aimock.mock.onMessage('long answer', { content: 'word '.repeat(60) }, { latency: 100, chunkSize: 5 } as never);
    const threadId = await thread('Give me a long answer');
    const stream = client.stream(threadId, { assistant_id: assistantId });
    let runId: string | undefined;
    let cancelled: Promise<Run> | undefined;
    stream.on('event', (event) => {
      if (event.event === 'thread.run.created') runId = event.data.id as string;
      if (event.event === 'thread.message.delta' && !cancelled) cancelled = client.cancel(threadId, runId!);
    });
    const final = await stream.finalRun();
    expect((await cancelled)!.status).toBe('cancelling');
    expect(final.status).toBe('cancelled');
    await expect.poll(() => aimock.responseEndings(), { timeout: 1_000 }).toEqual(['cut']);
    const [message] = (await client.messages(threadId)).filter((m) => m.role === 'assistant');
    expect(textOf(message).length).toBeLessThan('word '.repeat(60).length);
  });

  it.each([
    [
      '429',
      () => aimock.mock.on({ userMessage: 'fail me' }, { error: { message: 'Too many requests', type: 'rate_limit_error' }, status: 429 }),
      'rate_limit_exceeded',
      /Too many requests/,
    ],
    [
      '500',
      () => aimock.mock.on({ userMessage: 'fail me' }, { error: { message: 'Upstream broke', type: 'server_error' }, status: 500 }),
      'server_error',
      /answered 500: Upstream broke/,
    ],
    [
      '401',
      () => aimock.mock.on({ userMessage: 'fail me' }, { error: { message: 'Bad key', type: 'invalid_request_error' }, status: 401 }),
      'server_error',
      /401; check MODEL_BACKEND_KEY/,
    ],
    [
      'a mid-stream disconnect',
      () =>
        aimock.mock.onMessage('fail me', { content: 'partial answer that never ends' }, {
          truncateAfterChunks: 3,
          chunkSize: 4,
          latency: 10,
        } as never),
      'server_error',
      /stream/,
    ],
    [
      'a malformed answer',
      () => aimock.mock.addFixture({ match: { userMessage: 'fail me' }, response: { content: 'x' }, chaos: { malformedRate: 1 } }),
      'server_error',
      /instead of a stream/,
    ],
    [
      'silence past the timeout',
      () => aimock.mock.onMessage('fail me', { content: 'too late' }, { latency: 1_500 }),
      'server_error',
      /sent nothing for 1000 ms/,
    ],
    [
      'invalid JSON arguments',
      () => aimock.mock.onMessage('fail me', { toolCalls: [{ name: 'get_weather', arguments: '{"city": "Par' }] }),
      'server_error',
      /not valid JSON/,
    ],
  ])('%s: the run fails with a mapped last_error; the stream ends with thread.run.failed', async (_name, fixture, code, message) => {
    fixture();
    const threadId = await thread('Please fail me');
    const stream = client.stream(threadId, { assistant_id: assistantId });
    const events: string[] = [];
    stream.on('event', (event) => events.push(event.event));
    const run = await stream.finalRun();
    expect(run.status).toBe('failed');
    expect(run.last_error?.code).toBe(code);
    expect(run.last_error?.message).toMatch(message);
    expect(events.at(-1)).toBe('thread.run.failed');
    expect((await client.retrieveRun(threadId, run.id)).status).toBe('failed');
  });

  it('createAndPoll with a failing backend: failed, never stuck', async () => {
    aimock.mock.on({ userMessage: 'fail me' }, { error: { message: 'Too many requests', type: 'rate_limit_error' }, status: 429 });
    const run = await client.createAndPoll(await thread('Please fail me'), { assistant_id: assistantId });
    expect(run.status).toBe('failed');
    expect(run.last_error).toEqual({ code: 'rate_limit_exceeded', message: expect.stringContaining('Too many requests') });
  });

  it('file_search: a real search step, results back to the model, and file_citation annotations', async () => {
    const file = await client.files.create({ file: await client.toFile(Buffer.from(HANDBOOK), 'handbook.md'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'kb', file_ids: [file.id] });
    await expect.poll(async () => (await client.vectorStores.retrieve(store.id)).file_counts.completed).toBe(1);
    const searcher = await client.createAssistant({
      model: 'gpt-4o',
      name: 'Support',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_store_ids: [store.id] } },
    });
    aimock.mock.onMessage('refund', { toolCalls: [{ name: 'file_search', arguments: '{"query":"refund window"}' }] });
    // The model copies the marker of the source it was given.
    onToolResult((tool) => `You have 30 days ${/【\d+:\d+†[^】]+】/.exec(tool)?.[0] ?? '(no marker)'}.`);
    const threadId = await thread('How long is the refund window?');
    const run = await client.createAndPoll(threadId, { assistant_id: searcher.id });
    expect(run.status).toBe('completed');

    const steps = await client.steps(threadId, run.id, ['step_details.tool_calls[*].file_search.results[*].content']);
    expect(steps.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    const search = (
      steps[0].step_details.tool_calls as { type: string; file_search: { results: { file_id: string; content: unknown[] }[] } }[]
    )[0];
    expect(search.type).toBe('file_search');
    expect(search.file_search.results[0]).toMatchObject({
      file_id: file.id,
      content: [{ type: 'text', text: expect.stringContaining('30 days') }],
    });
    const toolMessage = (aimock.chatRequests()[1].body as { messages: { role: string; content: string }[] }).messages.at(-1)!;
    expect(toolMessage).toMatchObject({ role: 'tool', content: expect.stringContaining('†handbook.md】\nRefund policy.') });

    const answer = (await client.messages(threadId)).at(-1)!;
    const { value, annotations } = answer.content[0].text;
    expect(value).toMatch(/^You have 30 days 【\d+:0†handbook\.md】\.$/);
    expect(annotations).toEqual([
      {
        type: 'file_citation',
        text: value.slice(17, -1),
        start_index: 17,
        end_index: value.length - 1,
        file_citation: { file_id: file.id },
      },
    ]);
  });

  it('a scenario pins a turn and mock_backend "off" keeps the built-in brain: the model is not asked', async () => {
    await admin().scenarios.add({
      name: `pinned ${client.name}`,
      match: { message: `pinned ${client.name}` },
      turns: [{ text: 'Scripted.' }],
    });
    const pinned = await client.createAndPoll(await thread(`pinned ${client.name}`), { assistant_id: assistantId });
    expect(pinned.status).toBe('completed');
    expect((await admin().runs.get(pinned.id)).turns[0].answered_by).toEqual({ kind: 'scenario', scenario: `pinned ${client.name}` });

    const offThread = await thread('Say hello');
    const off = await client.createAndPoll(offThread, { assistant_id: assistantId, metadata: { mock_backend: 'off' } });
    expect(off.status).toBe('completed');
    expect(textOf((await client.messages(offThread)).at(-1)!)).toMatch(/^This is a mock reply from assistants-mock/);
    expect(aimock.chatRequests()).toHaveLength(0);
  });
});

describe('backend unreachable', () => {
  it('fails the run with server_error after the retries', async () => {
    const closed = await startAimock();
    const url = closed.baseURL;
    await closed.stop();
    const lonely = await startTestServer({ modelBackendUrl: url });
    try {
      const client = sdk4(lonely.baseURL);
      const assistant = await client.createAssistant({ model: 'gpt-4o' });
      const run = await client.createAndPoll(
        await (async () => (await client.createThread({ messages: [{ role: 'user', content: 'hi' }] })).id)(),
        {
          assistant_id: assistant.id,
        },
      );
      expect(run.status).toBe('failed');
      expect(run.last_error).toEqual({ code: 'server_error', message: expect.stringMatching(/could not be reached: .*ECONNREFUSED/) });
    } finally {
      await lonely.stop();
    }
  });
});

describe('record, then replay with no model', () => {
  const MARKER = /【\d+:\d+†[^】]+】/;

  /** Two conversations: a tool round trip, and a question answered from a file with a citation. */
  async function converse(client: Sdk) {
    const assistant = await client.createAssistant({ model: 'gpt-4o', name: 'Recorder bot', tools: [WEATHER] });
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'weather in Oslo {{please}}' }] })).id;
    const runs: Run[] = [];
    runs.push(await client.createAndPoll(threadId, { assistant_id: assistant.id }));
    const calls = runs[0].required_action?.submit_tool_outputs.tool_calls ?? [];
    const outputs = calls.map((c) => ({ tool_call_id: c.id, output: '-3C, snow' }));
    runs.push(await client.submitStream(threadId, runs[0].id, outputs).finalRun());

    const file = await client.files.create({ file: await client.toFile(Buffer.from(HANDBOOK), 'handbook.md'), purpose: 'assistants' });
    const store = await client.vectorStores.create({ name: 'kb', file_ids: [file.id] });
    await expect.poll(async () => (await client.vectorStores.retrieve(store.id)).file_counts.completed).toBe(1);
    const searcher = await client.createAssistant({
      model: 'gpt-4o',
      name: 'Recorder search',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_store_ids: [store.id] } },
    });
    const searchThread = (await client.createThread({ messages: [{ role: 'user', content: 'What is the refund policy?' }] })).id;
    runs.push(await client.createAndPoll(searchThread, { assistant_id: searcher.id }));
    const steps = await client.steps(searchThread, runs[2].id);

    const messages = [...(await client.messages(threadId)), ...(await client.messages(searchThread))].map((m) => ({
      role: m.role,
      text: textOf(m),
      // The file has another id on each server: say "the uploaded file" instead.
      annotations: m.content[0].text.annotations.map((a) => JSON.parse(JSON.stringify(a).replaceAll(file.id, 'the uploaded file'))),
    }));
    return {
      statuses: runs.map((r) => r.status),
      usage: runs.map((r) => r.usage),
      calls: calls.map((c) => c.function),
      steps: steps.map((s) => [s.type, s.status, (s.step_details.tool_calls ?? []).map((c) => c.type)]),
      messages,
    };
  }

  it('a recorded conversation replays with SCENARIOS and no backend, giving the same messages, tool calls and statuses', async () => {
    const recording = join(server.dir, 'recorded.yaml');
    const recorder = await startTestServer({ modelBackendUrl: aimock.baseURL, recordTo: recording });
    let live;
    try {
      aimock.mock.onMessage('weather in Oslo', {
        toolCalls: [{ name: 'get_weather', arguments: '{"city": "Oslo"}' }],
        usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
      });
      aimock.mock.onMessage('refund policy', { toolCalls: [{ name: 'file_search', arguments: '{"query":"refund"}' }] });
      onToolResult((tool) => (MARKER.test(tool) ? `Within 30 days ${MARKER.exec(tool)![0]}.` : `Oslo: ${tool}. Pack {{boots}}.`));
      live = await converse(sdk7(recorder.baseURL));
    } finally {
      await recorder.stop();
    }
    expect(live.statuses).toEqual(['requires_action', 'completed', 'completed']);
    expect(live.messages.at(-1)!.annotations).toEqual([
      expect.objectContaining({ type: 'file_citation', file_citation: { file_id: 'the uploaded file' } }),
    ]);
    expect(readFileSync(recording, 'utf8')).toContain('Recorder bot');
    expect(aimock.chatRequests()).toHaveLength(4);

    const replay = await startTestServer({ scenarios: recording });
    try {
      const replayed = await converse(sdk4(replay.baseURL));
      expect(replayed).toEqual(live);
      expect(replayed.messages[1]).toEqual({ role: 'assistant', text: 'Oslo: -3C, snow. Pack {{boots}}.', annotations: [] });
    } finally {
      await replay.stop();
    }
    expect(aimock.chatRequests()).toHaveLength(4);
  });
});

describe('a run whose turn is streaming', () => {
  const SLOW = { latency: 100, chunkSize: 5 } as never;

  /** Starts a streamed run and resolves once the first text delta has reached the client. */
  async function streaming(client: Sdk, assistantId: string, text: string) {
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: text }] })).id;
    const stream = client.stream(threadId, { assistant_id: assistantId });
    const runId = await new Promise<string>((resolve) => {
      let id = '';
      stream.on('event', (event) => {
        if (event.event === 'thread.run.created') id = event.data.id as string;
        if (event.event === 'thread.message.delta') resolve(id);
      });
    });
    return { threadId, runId, stream };
  }

  it('deleting its thread ends the upstream request at once', async () => {
    aimock.mock.onMessage('delete me', { content: 'word '.repeat(60) }, SLOW);
    const client = sdk4(server.baseURL);
    const assistant = await client.createAssistant({ model: 'gpt-4o' });
    const { threadId, stream } = await streaming(client, assistant.id, 'please delete me');
    const response = await fetch(`${server.baseURL}/threads/${threadId}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer sk-test', 'openai-beta': 'assistants=v2' },
    });
    expect(response.status).toBe(200);
    await expect.poll(() => aimock.responseEndings(), { timeout: 1_000 }).toEqual(['cut']);
    await stream.done().catch(() => undefined);
  });

  it('a failure mid-answer keeps the text streamed so far in an incomplete message', async () => {
    aimock.mock.onMessage('break off', { content: 'one two three four five six seven eight nine ten' }, {
      truncateAfterChunks: 4,
      chunkSize: 4,
      latency: 20,
    } as never);
    const client = sdk4(server.baseURL);
    const assistant = await client.createAssistant({ model: 'gpt-4o' });
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'break off' }] })).id;
    const run = await client.createAndPoll(threadId, { assistant_id: assistant.id });
    expect(run.status).toBe('failed');
    const answer = (await client.messages(threadId)).at(-1)!;
    expect(answer.role).toBe('assistant');
    expect(answer.status).toBe('incomplete');
    expect(textOf(answer).length).toBeGreaterThan(0);
    expect('one two three four five six seven eight nine ten'.startsWith(textOf(answer))).toBe(true);
  });

  it('a restart re-plans the unfinished turn: the backend is asked again and the run completes', async () => {
    aimock.mock.onMessage('survive a restart', { content: 'word '.repeat(40) }, SLOW);
    const dbPath = join(server.dir, 'restart.db');
    const first = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
    const client = sdk4(first.baseURL);
    const assistant = await client.createAssistant({ model: 'gpt-4o' });
    const { threadId, runId, stream } = await streaming(client, assistant.id, 'survive a restart');
    stream.done().catch(() => undefined);
    await first.close();
    rmSync(first.dir, { recursive: true, force: true });
    await expect.poll(() => aimock.responseEndings(), { timeout: 1_000 }).toEqual(['cut']);

    aimock.mock.reset();
    aimock.mock.onMessage('survive a restart', { content: 'Back again.' });
    const second = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
    try {
      const again = sdk4(second.baseURL);
      await expect.poll(async () => (await again.retrieveRun(threadId, runId)).status, { timeout: 5_000 }).toBe('completed');
      expect(textOf((await again.messages(threadId)).at(-1)!)).toBe('Back again.');
      expect(aimock.chatRequests()).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
