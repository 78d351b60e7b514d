/**
 * The brain seam (src/brains/brain.ts) driven through a real server over HTTP with the real SDKs
 * (openai 4.x and 7.x): an injected fake brain in the backend slot that is asynchronous, streams its
 * answer through gates the test opens, and records what its AbortSignal did. It shows that streamed
 * deltas reach the client as they are produced, that every way a run stops aborting the brain at
 * once, that brain failures end the run failed, that function and file_search calls from a stream
 * work, and that scenarios and `mock_backend: "off"` take precedence over the backend.
 */
import OpenAI4, { toFile } from 'openai';
import OpenAI7 from 'openai-v7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BrainError, type Brain, type BrainAnswer, type BrainEvent, type BrainTurnInput } from '../src/brains/brain.js';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { RawApi } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

/** A gate a fake's events wait on; waiting rejects as soon as the brain's signal is aborted. */
class Gate {
  opened = false;
  private release!: () => void;
  private readonly promise = new Promise<void>((resolve) => (this.release = resolve));
  open(): void {
    this.opened = true;
    this.release();
  }
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const abort = () => reject(new DOMException('aborted', 'AbortError'));
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      void this.promise.then(resolve);
    });
  }
}

type Item = BrainEvent | Gate | Error;

/** A fake model: answers asynchronously with whatever the test's `reply` gives, and records its calls. */
class FakeBrain implements Brain {
  inputs: BrainTurnInput[] = [];
  /** When each turn's signal was aborted (Date.now()), by turn index in `inputs`. */
  abortedAt: (number | undefined)[] = [];
  reply: (input: BrainTurnInput) => Item[] | Promise<Item[]> | undefined = () => [{ type: 'text', delta: 'fake' }];

  async answer(input: BrainTurnInput): Promise<BrainAnswer | undefined> {
    const at = this.inputs.push(input) - 1;
    input.signal.addEventListener('abort', () => (this.abortedAt[at] = Date.now()), { once: true });
    await new Promise((r) => setImmediate(r)); // always asynchronous
    const items = await this.reply(input);
    if (!items) return undefined;
    return { type: 'stream', answeredBy: { kind: 'backend', scenario: null, model: 'fake-1' }, events: play(items, input.signal) };
  }

  get lastSignal(): AbortSignal {
    return this.inputs.at(-1)!.signal;
  }
}

async function* play(items: Item[], signal: AbortSignal): AsyncGenerator<BrainEvent> {
  for (const item of items) {
    if (item instanceof Gate) await item.wait(signal);
    else if (item instanceof Error) throw item;
    else yield item;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await sleep(10);
  }
}

interface HelperStream {
  on(event: 'event', listener: (event: { event: string; data: Json }) => void): this;
  on(event: 'textDelta', listener: (delta: { value?: string }) => void): this;
  on(event: 'toolCallDelta', listener: (delta: { function?: { arguments?: string } }) => void): this;
  finalRun(): Promise<Json & { id: string; status: string }>;
  finalMessages(): Promise<{ content: { text: { value: string } }[] }[]>;
  done(): Promise<void>;
}

interface Sdk {
  stream(threadId: string, body: Json): HelperStream;
  submitStream(threadId: string, runId: string, outputs: { tool_call_id: string; output: string }[]): HelperStream;
  cancel(threadId: string, runId: string): Promise<unknown>;
  deleteThread(threadId: string): Promise<unknown>;
}

const MAJORS: { name: string; make: (baseURL: string) => Sdk }[] = [
  {
    name: 'openai 4.x',
    make: (baseURL) => {
      const threads = new OpenAI4({ apiKey: 'seam-key', baseURL, maxRetries: 0 }).beta.threads;
      return {
        stream: (threadId, body) => threads.runs.stream(threadId, body as never) as unknown as HelperStream,
        submitStream: (threadId, runId, outputs) =>
          threads.runs.submitToolOutputsStream(threadId, runId, { tool_outputs: outputs }) as unknown as HelperStream,
        cancel: (threadId, runId) => threads.runs.cancel(threadId, runId),
        deleteThread: (threadId) => threads.del(threadId),
      };
    },
  },
  {
    name: 'openai 7.x',
    make: (baseURL) => {
      const threads = new OpenAI7({ apiKey: 'seam-key', baseURL, maxRetries: 0 }).beta.threads;
      return {
        stream: (threadId, body) => threads.runs.stream(threadId, body as never) as unknown as HelperStream,
        submitStream: (threadId, runId, outputs) =>
          threads.runs.submitToolOutputsStream(runId, { thread_id: threadId, tool_outputs: outputs }) as unknown as HelperStream,
        cancel: (threadId, runId) => threads.runs.cancel(runId, { thread_id: threadId }),
        deleteThread: (threadId) => threads.delete(threadId),
      };
    },
  },
];

const fake = new FakeBrain();
let server: TestServer;
let api: RawApi;
let assistantId: string;

beforeAll(async () => {
  server = await startTestServer({ backendBrain: fake, apiKeys: ['seam-key'] });
  api = new RawApi(server.url, 'seam-key');
  assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', name: 'seam', tools: [WEATHER_TOOL] })).id;
});
afterAll(async () => server?.stop());
beforeEach(() => {
  fake.inputs = [];
  fake.abortedAt = [];
  fake.reply = () => [{ type: 'text', delta: 'fake' }];
});

async function newThread(text: string): Promise<string> {
  return (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: text }] })).id;
}
const getRun = (threadId: string, runId: string) => api.get<Json & { status: string }>(`/v1/threads/${threadId}/runs/${runId}`);
const settled = (threadId: string, runId: string) =>
  until(
    () => getRun(threadId, runId),
    (r) => !['queued', 'in_progress', 'cancelling'].includes(r.status),
  );
const messagesOf = (threadId: string) =>
  api.get<{ data: (Json & { role: string; status: string; content: { text: { value: string } }[] })[] }>(
    `/v1/threads/${threadId}/messages?order=asc`,
  );
const stepsOf = (threadId: string, runId: string, query = '') =>
  api.get<{ data: (Json & { type: string; status: string; step_details: Json })[] }>(
    `/v1/threads/${threadId}/runs/${runId}/steps?order=asc${query}`,
  );
/** The stream's first event of `name`, resolved as it arrives. */
function first(stream: HelperStream, name: string): Promise<Json> {
  return new Promise((resolve) => stream.on('event', (e) => e.event === name && resolve(e.data)));
}

describe.each(MAJORS)('$name: a streamed answer', ({ make }) => {
  let sdk: Sdk;
  beforeAll(() => (sdk = make(server.baseURL)));

  it('(a) forwards each delta as the brain produces it, then completes with its usage', async () => {
    const gate = new Gate();
    fake.reply = () => [
      { type: 'text', delta: 'Hello' },
      gate,
      { type: 'text', delta: ' world' },
      { type: 'usage', usage: { prompt_tokens: 11, completion_tokens: 2 } },
    ];
    const threadId = await newThread('greet me');
    const stream = sdk.stream(threadId, { assistant_id: assistantId });
    const deltas: string[] = [];
    const firstDelta = new Promise<void>((resolve) =>
      stream.on('textDelta', (d) => {
        deltas.push(d.value ?? '');
        resolve();
      }),
    );
    await within(firstDelta, 5000, 'the first delta before the gate opens');
    expect(gate.opened).toBe(false);
    expect(deltas).toEqual(['Hello']);
    gate.open();
    const run = await stream.finalRun();
    const [message] = await stream.finalMessages();
    expect(run).toMatchObject({ status: 'completed', usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } });
    expect(deltas).toEqual(['Hello', ' world']);
    expect(message.content[0].text.value).toBe('Hello world');
    const stored = (await messagesOf(threadId)).data.at(-1)!;
    expect(stored).toMatchObject({ role: 'assistant', status: 'completed', content: [{ text: { value: 'Hello world' } }] });
    const inspected = await api.get<{ turns: { answered_by: Json }[] }>(`/__admin/runs/${run.id}`);
    expect(inspected.turns[0].answered_by).toEqual({ kind: 'backend', scenario: null, model: 'fake-1' });
    expect(fake.inputs[0].steps).toEqual([]);
  });

  it('(b) cancel mid-turn aborts the brain at once and the run ends cancelled with the text sent so far', async () => {
    fake.reply = () => [{ type: 'text', delta: 'Partial' }, new Gate()];
    const threadId = await newThread('start and wait');
    const stream = sdk.stream(threadId, { assistant_id: assistantId });
    const created = first(stream, 'thread.run.created');
    await within(first(stream, 'thread.message.delta'), 5000, 'the first delta');
    const runId = (await created).id as string;
    expect(fake.lastSignal.aborted).toBe(false);
    const before = Date.now();
    await sdk.cancel(threadId, runId);
    expect(fake.lastSignal.aborted).toBe(true);
    expect(fake.abortedAt[0]! - before).toBeLessThan(1000);
    const run = await stream.finalRun();
    expect(run).toMatchObject({ status: 'cancelled', last_error: null });
    const stored = (await messagesOf(threadId)).data.at(-1)!;
    expect(stored).toMatchObject({
      status: 'incomplete',
      content: [{ text: { value: 'Partial' } }],
      incomplete_details: { reason: 'run_cancelled' },
    });
  });

  it('(e) a streamed function call puts the run in requires_action; submit_tool_outputs continues and the brain sees the outputs', async () => {
    fake.reply = (input) =>
      input.turn === 0
        ? [
            { type: 'tool_call', index: 0, id: 'call_model_1', name: 'get_weather', arguments: '{"ci' },
            { type: 'tool_call', index: 0, arguments: 'ty":"Paris"}' },
          ]
        : [{ type: 'text', delta: `It is ${input.toolOutputs[0]?.output}.` }];
    const threadId = await newThread('weather in Paris?');
    const stream = sdk.stream(threadId, { assistant_id: assistantId });
    const pieces: string[] = [];
    stream.on('toolCallDelta', (d) => d.function?.arguments && pieces.push(d.function.arguments));
    const run = (await stream.finalRun()) as Json & {
      id: string;
      status: string;
      required_action: { submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } };
    };
    expect(run.status).toBe('requires_action');
    const [call] = run.required_action.submit_tool_outputs.tool_calls;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(pieces).toEqual(['{"ci', 'ty":"Paris"}']);
    const next = sdk.submitStream(threadId, run.id, [{ tool_call_id: call.id, output: 'sunny' }]);
    const done = await next.finalRun();
    expect(done.status).toBe('completed');
    expect((await next.finalMessages())[0].content[0].text.value).toBe('It is sunny.');
    const second = fake.inputs[1];
    expect(second.toolOutputs).toEqual([{ tool_call_id: call.id, name: 'get_weather', arguments: '{"city":"Paris"}', output: 'sunny' }]);
    const toolStep = second.steps.find((s) => s.type === 'tool_calls')!;
    expect(toolStep.status).toBe('completed');
    expect(toolStep.stepDetails).toMatchObject({ tool_calls: [{ id: call.id, function: { output: 'sunny' } }] });
  });
});

describe('aborts without a client stream', () => {
  it('(b) cancel while the brain is still deciding (before any event) aborts it and cancels the run', async () => {
    const gate = new Gate();
    fake.reply = async (input) => {
      await gate.wait(input.signal).catch(() => undefined);
      return [{ type: 'text', delta: 'too late' }];
    };
    const threadId = await newThread('think hard');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    await until(
      async () => fake.inputs.length,
      (n) => n > 0,
    );
    await api.post(`/v1/threads/${threadId}/runs/${run.id}/cancel`, {});
    expect(fake.lastSignal.aborted).toBe(true);
    expect(await settled(threadId, run.id)).toMatchObject({ status: 'cancelled', last_error: null });
    await sleep(50);
    expect((await messagesOf(threadId)).data.filter((m) => m.role === 'assistant')).toEqual([]);
  });

  it('(c) deleting the thread aborts the brain', async () => {
    fake.reply = () => [{ type: 'text', delta: 'Partial' }, new Gate()];
    const threadId = await newThread('hold on');
    await api.post(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    await until(
      async () => (await messagesOf(threadId)).data.length,
      (n) => n > 1,
    );
    expect(fake.lastSignal.aborted).toBe(false);
    await api.request('DELETE', `/v1/threads/${threadId}`);
    expect(fake.lastSignal.aborted).toBe(true);
  });

  it('(c) resetting the tenant aborts the brain', async () => {
    fake.reply = () => [{ type: 'text', delta: 'Partial' }, new Gate()];
    const threadId = await newThread('hold on');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    await until(
      async () => (await getRun(threadId, run.id)).status,
      () => fake.inputs.length > 0,
    );
    await until(
      async () => (await messagesOf(threadId)).data.length,
      (n) => n > 1,
    );
    expect(fake.lastSignal.aborted).toBe(false);
    await server.admin.withApiKey('seam-key').reset();
    expect(fake.lastSignal.aborted).toBe(true);
    // The reset took the assistant with it.
    assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', name: 'seam', tools: [WEATHER_TOOL] })).id;
  });

  it('(c) a forced ending (control API) aborts the brain', async () => {
    fake.reply = () => [{ type: 'text', delta: 'Partial' }, new Gate()];
    const threadId = await newThread('hold on');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    await until(
      async () => (await messagesOf(threadId)).data.length,
      (n) => n > 1,
    );
    await api.post(`/__admin/runs/${run.id}/complete`, {});
    expect(fake.lastSignal.aborted).toBe(true);
    expect(await getRun(threadId, run.id)).toMatchObject({ status: 'completed' });
    expect((await messagesOf(threadId)).data.at(-1)).toMatchObject({ status: 'completed', content: [{ text: { value: 'Partial' } }] });
  });

  it('(c) expiry aborts the brain', async () => {
    fake.reply = () => [{ type: 'text', delta: 'Partial' }, new Gate()];
    const threadId = await newThread('hold on');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    await until(
      async () => (await messagesOf(threadId)).data.length,
      (n) => n > 1,
    );
    await server.admin.clock.advance(601);
    expect(await settled(threadId, run.id)).toMatchObject({ status: 'expired' });
    expect(fake.lastSignal.aborted).toBe(true);
  });
});

describe('brain failures', () => {
  it.each(MAJORS)(
    '(d) $name: a BrainError mid-stream fails the run with its code; the SDK stream gets thread.run.failed, then ends',
    async ({ make }) => {
      fake.reply = () => [{ type: 'text', delta: 'Part' }, new BrainError('rate_limit_exceeded', 'Slow down, says the backend.')];
      const threadId = await newThread('fail please');
      const stream = make(server.baseURL).stream(threadId, { assistant_id: assistantId });
      const names: string[] = [];
      stream.on('event', (e) => names.push(e.event));
      const run = await within(stream.finalRun(), 5000, 'the stream to end');
      await stream.done();
      expect(run).toMatchObject({ status: 'failed', last_error: { code: 'rate_limit_exceeded', message: 'Slow down, says the backend.' } });
      expect(names.at(-1)).toBe('thread.run.failed');
      expect(names).not.toContain('error');
      expect((await messagesOf(threadId)).data.at(-1)).toMatchObject({
        status: 'incomplete',
        incomplete_details: { reason: 'run_failed' },
      });
    },
  );

  it('(d) a plain throw (from answer or from the events) fails the run with server_error', async () => {
    fake.reply = () => {
      throw new Error('kaput');
    };
    const threadId = await newThread('throw');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    expect(await settled(threadId, run.id)).toMatchObject({ status: 'failed', last_error: { code: 'server_error' } });

    fake.reply = () => [{ type: 'text', delta: 'a' }, new Error('kaput mid-stream')];
    const second = await newThread('throw later');
    const run2 = await api.post<{ id: string }>(`/v1/threads/${second}/runs`, { assistant_id: assistantId });
    expect(await settled(second, run2.id)).toMatchObject({ status: 'failed', last_error: { code: 'server_error' } });
  });
});

describe('file_search from a streamed answer', () => {
  it("(f) the server searches the run's vector stores with the query and shows a file_search step; the brain gets the results", async () => {
    const client = new OpenAI4({ apiKey: 'seam-key', baseURL: server.baseURL, maxRetries: 0 });
    const file = await client.files.create({
      file: await toFile(Buffer.from('Bananas are rich in potassium. Jet engines burn kerosene.'), 'facts.txt'),
      purpose: 'assistants',
    });
    const store = await client.vectorStores.create({ name: 'kb', file_ids: [file.id] });
    const searcher = await client.beta.assistants.create({
      model: 'gpt-4o',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_store_ids: [store.id] } },
    });
    fake.reply = (input) =>
      input.turn === 0
        ? [{ type: 'tool_call', index: 0, id: 'call_fs', name: 'file_search', arguments: '{"query": "potassium"}' }]
        : [{ type: 'text', delta: `Found ${input.searchResults?.length ?? 0}: ${input.searchResults?.[0]?.file_name}` }];
    const threadId = await newThread('What is rich in potassium?');
    const run = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: searcher.id });
    expect(run.status).toBe('completed');
    expect(fake.inputs[1].searchResults?.[0]).toMatchObject({ file_id: file.id, file_name: 'facts.txt' });
    const steps = (await stepsOf(threadId, run.id, '&include[]=step_details.tool_calls[*].file_search.results[*].content')).data;
    expect(steps.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    expect(steps[0]).toMatchObject({
      status: 'completed',
      step_details: { tool_calls: [{ type: 'file_search', file_search: { results: [{ file_id: file.id, file_name: 'facts.txt' }] } }] },
    });
    expect((await messagesOf(threadId)).data.at(-1)!.content[0].text.value).toBe('Found 1: facts.txt');
    const fsStep = fake.inputs[1].steps.find((s) => s.type === 'tool_calls')!;
    expect(fsStep.stepDetails).toMatchObject({ tool_calls: [{ type: 'file_search' }] });
  });
});

describe('precedence', () => {
  it('(g) a scenario still wins over the backend', async () => {
    await server.admin
      .withApiKey('seam-key')
      .scenarios.add({ name: 'pinned', match: { message: 'pinned turn' }, turns: [{ text: 'Scripted.' }] });
    const threadId = await newThread('pinned turn');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
    expect(await settled(threadId, run.id)).toMatchObject({ status: 'completed' });
    expect((await messagesOf(threadId)).data.at(-1)!.content[0].text.value).toBe('Scripted.');
    expect(fake.inputs).toEqual([]);
  });

  it('(g) mock_backend "off" in the run\'s or the assistant\'s metadata skips the backend', async () => {
    const threadId = await newThread('hello there');
    const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, {
      assistant_id: assistantId,
      metadata: { mock_backend: 'off' },
    });
    expect(await settled(threadId, run.id)).toMatchObject({ status: 'completed' });
    expect((await messagesOf(threadId)).data.at(-1)!.content[0].text.value).toMatch(/^This is a mock reply/);
    const off = await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', metadata: { mock_backend: 'off' } });
    const other = await newThread('hello again');
    const run2 = await api.post<{ id: string }>(`/v1/threads/${other}/runs`, { assistant_id: off.id });
    expect(await settled(other, run2.id)).toMatchObject({ status: 'completed' });
    expect(fake.inputs).toEqual([]);
    // And with it on, the backend answers.
    const third = await newThread('hello backend');
    const run3 = await api.post<{ id: string }>(`/v1/threads/${third}/runs`, { assistant_id: assistantId });
    expect(await settled(third, run3.id)).toMatchObject({ status: 'completed' });
    expect((await messagesOf(third)).data.at(-1)!.content[0].text.value).toBe('fake');
  });

  it('(g) strict mode (UNMATCHED=error): a backend answer counts as matched; with the backend off the turn fails', async () => {
    const admin = server.admin.withApiKey('seam-key');
    await admin.unmatched.set('error');
    try {
      const threadId = await newThread('nobody scripted this');
      const run = await api.post<{ id: string }>(`/v1/threads/${threadId}/runs`, { assistant_id: assistantId });
      expect(await settled(threadId, run.id)).toMatchObject({ status: 'completed' });
      const other = await newThread('nobody scripted this either');
      const run2 = await api.post<{ id: string }>(`/v1/threads/${other}/runs`, {
        assistant_id: assistantId,
        metadata: { mock_backend: 'off' },
      });
      expect(await settled(other, run2.id)).toMatchObject({ status: 'failed', last_error: { code: 'server_error' } });
    } finally {
      await admin.unmatched.set(null);
    }
  });
});

describe('manual mode', () => {
  it('a streamed turn is forwarded whole in one advance, which waits for the brain', async () => {
    const brain = new FakeBrain();
    const gate = new Gate();
    brain.reply = () => [{ type: 'text', delta: 'One' }, gate, { type: 'text', delta: ' advance' }];
    const manual = await startTestServer({ backendBrain: brain, runMode: 'manual' });
    try {
      const raw = new RawApi(manual.url);
      const admin = manual.admin.withApiKey(raw.apiKey);
      const assistant = await raw.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' });
      const thread = await raw.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: 'hi' }] });
      const run = await raw.post<{ id: string }>(`/v1/threads/${thread.id}/runs`, { assistant_id: assistant.id });
      expect((await admin.runs.advance(run.id)).status).toBe('in_progress'); // start
      expect((await admin.runs.advance(run.id)).status).toBe('in_progress'); // plan: the brain answers
      expect(brain.inputs).toHaveLength(1);
      const begin = admin.runs.advance(run.id); // begin: every event, as the brain produces them
      await sleep(50);
      gate.open();
      await begin;
      const messages = await raw.get<{ data: { status: string; content: { text: { value: string } }[] }[] }>(
        `/v1/threads/${thread.id}/messages`,
      );
      expect(messages.data[0].content[0].text.value).toBe('One advance');
      expect((await admin.runs.advance(run.id)).status).toBe('completed'); // finish
    } finally {
      await manual.stop();
    }
  });
});
