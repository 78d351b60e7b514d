/**
 * The official SDKs' stream helpers against a real server, at both majors: npm `openai` 4.x
 * (`runs.stream(threadId, body)`, `submitToolOutputsStream(threadId, runId, body)`) and 7.x
 * (`runs.stream(threadId, body)`, `submitToolOutputsStream(runId, { thread_id, ... })`). Each test
 * checks what the helper accumulated against what a GET returns afterwards: what is streamed is
 * what is stored.
 */
import OpenAI4 from 'openai';
import OpenAI7 from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEXT_RUN_EVENTS, TIME_TOOL as TIME, WEATHER_TOOL as WEATHER } from './helpers/fixtures.js';
import { collapseDeltas, RawApi } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

interface TextLike {
  value: string;
  annotations: Json[];
}
interface TextDeltaLike {
  value?: string;
  annotations?: Json[];
}
interface MessageLike extends Json {
  id: string;
  status: string;
  content: { type: string; text: TextLike }[];
}
interface FunctionCallLike {
  id: string;
  type: string;
  index?: number;
  function: { name: string; arguments: string; output: string | null };
}
interface CallDeltaLike {
  index: number;
  id?: string;
  type: string;
  function?: { name?: string; arguments?: string; output?: string | null };
}
interface RunLike extends Json {
  id: string;
  thread_id: string;
  status: string;
  required_action: { submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } } | null;
}
interface StepLike extends Json {
  id: string;
  type: string;
  status: string;
  step_details: { type: string; tool_calls?: FunctionCallLike[]; message_creation?: { message_id: string } };
}
interface SdkEvent {
  event: string;
  data: Json;
}

/**
 * The part of the AssistantStream helper these tests use; it is the same in both majors. Their
 * classes differ in private members and in the generic signature of `on`, so each is cast to this
 * interface (`as unknown as HelperStream`): the runtime behavior of the real SDK is what is tested.
 */
interface HelperStream extends AsyncIterable<SdkEvent> {
  on(event: 'event', listener: (event: SdkEvent) => void): this;
  on(event: 'textCreated', listener: (content: TextLike) => void): this;
  on(event: 'textDelta', listener: (delta: TextDeltaLike, snapshot: TextLike) => void): this;
  on(event: 'textDone', listener: (content: TextLike, message: MessageLike) => void): this;
  on(event: 'messageDone', listener: (message: MessageLike) => void): this;
  on(event: 'runStepDone', listener: (step: StepLike, snapshot: StepLike) => void): this;
  on(event: 'toolCallCreated', listener: (call: FunctionCallLike) => void): this;
  on(event: 'toolCallDelta', listener: (delta: CallDeltaLike, snapshot: FunctionCallLike) => void): this;
  on(event: 'toolCallDone', listener: (call: FunctionCallLike) => void): this;
  finalRun(): Promise<RunLike>;
  finalMessages(): Promise<MessageLike[]>;
  finalRunSteps(): Promise<StepLike[]>;
  done(): Promise<void>;
}

interface StreamBody {
  assistant_id: string;
  tool_choice?: { type: 'function'; function: { name: string } };
  metadata?: Record<string, string>;
}

interface Sdk {
  run(threadId: string, body: StreamBody): HelperStream;
  createAndRun(body: StreamBody & { thread: { messages: { role: 'user'; content: string }[] } }): HelperStream;
  submit(threadId: string, runId: string, outputs: { tool_call_id: string; output: string }[]): HelperStream;
  /** `runs.create(..., { stream: true })`: the SDK's plain Stream of events. */
  rawCreate(threadId: string, body: StreamBody): Promise<AsyncIterable<SdkEvent>>;
}

const MAJORS: { name: string; make: (baseURL: string) => Sdk }[] = [
  {
    name: 'openai 4.x',
    make: (baseURL) => {
      const runs = new OpenAI4({ apiKey: 'test-key', baseURL, maxRetries: 0 }).beta.threads;
      return {
        run: (threadId, body) => runs.runs.stream(threadId, body) as unknown as HelperStream,
        createAndRun: (body) => runs.createAndRunStream(body) as unknown as HelperStream,
        submit: (threadId, runId, outputs) =>
          runs.runs.submitToolOutputsStream(threadId, runId, { tool_outputs: outputs }) as unknown as HelperStream,
        rawCreate: async (threadId, body) =>
          (await runs.runs.create(threadId, { ...body, stream: true })) as unknown as AsyncIterable<SdkEvent>,
      };
    },
  },
  {
    name: 'openai 7.x',
    make: (baseURL) => {
      const runs = new OpenAI7({ apiKey: 'test-key', baseURL, maxRetries: 0 }).beta.threads;
      return {
        run: (threadId, body) => runs.runs.stream(threadId, body) as unknown as HelperStream,
        createAndRun: (body) => runs.createAndRunStream(body) as unknown as HelperStream,
        submit: (threadId, runId, outputs) =>
          runs.runs.submitToolOutputsStream(runId, { thread_id: threadId, tool_outputs: outputs }) as unknown as HelperStream,
        rawCreate: async (threadId, body) =>
          (await runs.runs.create(threadId, { ...body, stream: true })) as unknown as AsyncIterable<SdkEvent>,
      };
    },
  },
];

const TEXT_EVENTS = TEXT_RUN_EVENTS;

let server: TestServer;
let api: RawApi;
let assistantId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = new RawApi(server.url);
  assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o', name: 'sdk-streams', tools: [WEATHER, TIME] })).id;
});

afterAll(async () => {
  await server?.stop();
});

async function newThread(text: string): Promise<string> {
  return (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: text }] })).id;
}

const textOf = (message: { content: { text: { value: string } }[] }) => message.content.map((c) => c.text.value).join('');
/** The SDK's accumulated snapshots keep the `index` key of the deltas (STREAMING.md section 4). */
const withoutIndex = <T extends object>(value: T): Omit<T, 'index'> => {
  const { index: _index, ...rest } = value as T & { index?: unknown };
  return rest;
};

/** Records what the helper hands out; assertions come after the stream, outside the SDK's callbacks. */
function record(stream: HelperStream) {
  const seen = {
    names: [] as string[],
    textCreated: [] as TextLike[],
    textDeltas: [] as string[],
    snapshotsMatched: true,
    textDone: [] as TextLike[],
    messagesDone: [] as MessageLike[],
    stepsDone: [] as StepLike[],
    callsCreated: [] as FunctionCallLike[],
    callDeltas: [] as CallDeltaLike[],
    callsDone: [] as FunctionCallLike[],
  };
  stream
    .on('event', (e) => seen.names.push(e.event))
    .on('textCreated', (content) => seen.textCreated.push(structuredClone(content)))
    .on('textDelta', (delta, snapshot) => {
      seen.textDeltas.push(delta.value ?? '');
      // The snapshot handed with each delta is the text so far.
      if (snapshot.value !== seen.textDeltas.join('')) seen.snapshotsMatched = false;
    })
    .on('textDone', (content) => seen.textDone.push(structuredClone(content)))
    .on('messageDone', (message) => seen.messagesDone.push(structuredClone(message)))
    .on('runStepDone', (step) => seen.stepsDone.push(structuredClone(step)))
    .on('toolCallCreated', (call) => seen.callsCreated.push(structuredClone(call)))
    .on('toolCallDelta', (delta) => seen.callDeltas.push(structuredClone(delta)))
    .on('toolCallDone', (call) => seen.callsDone.push(structuredClone(call)));
  return seen;
}

async function storedSteps(threadId: string, runId: string): Promise<StepLike[]> {
  const list = await api.get<{ data: StepLike[] }>(`/v1/threads/${threadId}/runs/${runId}/steps?order=asc`);
  return list.data;
}

describe.each(MAJORS)('$name stream helpers', ({ name, make }) => {
  let sdk: Sdk;
  const slug = name.replace(/\W+/g, '-');
  beforeAll(() => {
    sdk = make(server.baseURL);
  });

  it('runs.stream(): text helper events, finalRun/finalMessages/finalRunSteps equal what is stored', async () => {
    const threadId = await newThread('Tell me something about the sea, please.');
    const stream = sdk.run(threadId, { assistant_id: assistantId });
    const seen = record(stream);
    const run = await stream.finalRun();
    await stream.done();

    expect(run.status).toBe('completed');
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id}`)).toEqual(run);
    expect(collapseDeltas(seen.names)).toEqual(TEXT_EVENTS);

    const [message] = (await api.get<{ data: MessageLike[] }>(`/v1/threads/${threadId}/messages?run_id=${run.id}`)).data;
    const streamed = seen.textDeltas.join('');
    expect(seen.textDeltas.length).toBeGreaterThan(3);
    expect(seen.snapshotsMatched).toBe(true);
    expect(seen.textCreated).toHaveLength(1);
    expect(seen.textDone).toHaveLength(1);
    expect(seen.textDone[0].value).toBe(streamed);
    expect(textOf(message)).toBe(streamed);
    expect(seen.messagesDone).toEqual([message]);

    const finalMessages = await stream.finalMessages();
    expect(finalMessages).toHaveLength(1);
    expect(finalMessages[0].id).toBe(message.id);
    expect(textOf(finalMessages[0])).toBe(textOf(message));
    expect(finalMessages[0].content.map((c) => c.text.annotations)).toEqual([[]]);

    const steps = await storedSteps(threadId, run.id);
    expect(await stream.finalRunSteps()).toEqual(steps);
    expect(seen.stepsDone).toEqual(steps);
    expect(steps[0].step_details.message_creation?.message_id).toBe(message.id);
  });

  it('a function call: toolCallCreated/Delta/Done, streamed fragments add up to the arguments; submitToolOutputsStream continues', async () => {
    const threadId = await newThread('Please look something up for me.');
    const stream = sdk.run(threadId, { assistant_id: assistantId, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const seen = record(stream);
    const run = await stream.finalRun();

    expect(run.status).toBe('requires_action');
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id}`)).toEqual(run);
    const required = run.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(required).toHaveLength(1);
    expect(seen.callsCreated).toHaveLength(1);
    expect(seen.callsCreated[0]).toMatchObject({ id: required[0].id, type: 'function', function: { name: 'get_weather', arguments: '' } });
    const fragments = seen.callDeltas.map((d) => d.function?.arguments ?? '').join('');
    expect(seen.callDeltas.length).toBeGreaterThan(1);
    expect(fragments).toBe(required[0].function.arguments);
    expect(JSON.parse(fragments)).toMatchObject({ city: expect.any(String) });
    expect(seen.callsDone).toHaveLength(1);
    expect(seen.callsDone[0].function.arguments).toBe(required[0].function.arguments);

    // The tool step is still in progress at requires_action; the accumulated call equals the stored one.
    const [toolStep] = await storedSteps(threadId, run.id);
    const [accumulated] = await stream.finalRunSteps();
    expect(accumulated.id).toBe(toolStep.id);
    expect(toolStep.status).toBe('in_progress');
    expect(accumulated.step_details.tool_calls?.map(withoutIndex)).toEqual(toolStep.step_details.tool_calls);
    expect(await stream.finalMessages()).toEqual([]);

    const next = sdk.submit(threadId, run.id, [{ tool_call_id: required[0].id, output: '22 C and sunny' }]);
    const after = record(next);
    const final = await next.finalRun();
    expect(final.status).toBe('completed');
    expect(final.required_action).toBeNull();
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id}`)).toEqual(final);
    expect(collapseDeltas(after.names)).toEqual(['thread.run.step.completed', 'thread.run.queued', ...TEXT_EVENTS.slice(2)]);
    // runStepDone fires for the tool step (with its output) and for the message step.
    const steps = await storedSteps(threadId, run.id);
    expect(after.stepsDone).toEqual(steps);
    expect(steps[0].step_details.tool_calls?.[0].function.output).toBe('22 C and sunny');
    const [reply] = await next.finalMessages();
    expect(textOf(reply)).toBe(after.textDeltas.join(''));
    expect(textOf(reply)).toContain('22 C and sunny');
    expect(textOf(await api.get<MessageLike>(`/v1/threads/${threadId}/messages/${reply.id}`))).toBe(textOf(reply));
  });

  it('parallel calls: one toolCallCreated and toolCallDone per call, in index order', async () => {
    const threadId = await newThread('What is the weather and the local time in Lisbon?');
    const stream = sdk.run(threadId, { assistant_id: assistantId });
    const seen = record(stream);
    const run = await stream.finalRun();
    const required = run.required_action?.submit_tool_outputs.tool_calls ?? [];
    expect(required.map((c) => c.function.name).sort()).toEqual(['get_time', 'get_weather']);
    expect(seen.callsCreated.map((c) => c.id)).toEqual(required.map((c) => c.id));
    expect(seen.callsDone.map((c) => [c.id, c.function.arguments])).toEqual(required.map((c) => [c.id, c.function.arguments]));
    const [step] = await stream.finalRunSteps();
    expect(step.step_details.tool_calls?.map(withoutIndex)).toEqual((await storedSteps(threadId, run.id))[0].step_details.tool_calls);

    const next = sdk.submit(
      threadId,
      run.id,
      required.map((c) => ({ tool_call_id: c.id, output: `${c.function.name} ok` })),
    );
    expect((await next.finalRun()).status).toBe('completed');
  });

  it('threads.createAndRunStream(): thread.created first, then the run, stored as streamed', async () => {
    const stream = sdk.createAndRun({
      assistant_id: assistantId,
      thread: { messages: [{ role: 'user', content: 'Hello from createAndRunStream' }] },
    });
    const seen = record(stream);
    const run = await stream.finalRun();
    expect(seen.names[0]).toBe('thread.created');
    expect(collapseDeltas(seen.names.slice(1))).toEqual(TEXT_EVENTS);
    expect(run.status).toBe('completed');
    expect(await api.get(`/v1/threads/${run.thread_id}/runs/${run.id}`)).toEqual(run);
    const messages = (await api.get<{ data: MessageLike[] }>(`/v1/threads/${run.thread_id}/messages`)).data;
    expect(messages.map((m) => m.role)).toEqual(['assistant', 'user']);
    expect(textOf(messages[0])).toBe(seen.textDeltas.join(''));
    expect(textOf(messages[0])).toContain('Hello from createAndRunStream');
  });

  it('runs.create({ stream: true }) iterated with for await: every event, the last one the stored run', async () => {
    const threadId = await newThread('Iterate me, please.');
    const events: SdkEvent[] = [];
    for await (const event of await sdk.rawCreate(threadId, { assistant_id: assistantId })) events.push(event);
    expect(collapseDeltas(events.map((e) => e.event))).toEqual(TEXT_EVENTS);
    const last = events[events.length - 1].data as RunLike;
    expect(await api.get(`/v1/threads/${threadId}/runs/${last.id}`)).toEqual(last);
    const text = events
      .filter((e) => e.event === 'thread.message.delta')
      .map((e) => (e.data.delta as { content: { text: { value: string } }[] }).content[0].text.value)
      .join('');
    const completed = events.find((e) => e.event === 'thread.message.completed')?.data as MessageLike;
    expect(textOf(completed)).toBe(text);
  });

  it('annotations: streamed once each with the fragment that completes them; the accumulated text equals the stored one', async () => {
    const scenario = `sdk-annotations-${slug}`;
    await api.post('/__admin/scenarios', {
      name: scenario,
      match: { run: { metadata: { mock_scenario: scenario } } },
      turns: [
        {
          text: 'The tide table [1] says high water is at noon, and the harbour guide [2] agrees.',
          annotations: [
            { type: 'file_citation', text: '[1]', file_id: 'file-tides', quote: 'high water 12:00' },
            { type: 'file_path', text: '[2]', file_id: 'file-guide' },
          ],
        },
      ],
    });
    const threadId = await newThread('When is high water?');
    const stream = sdk.run(threadId, { assistant_id: assistantId, metadata: { mock_scenario: scenario } });
    const seen = record(stream);
    const run = await stream.finalRun();
    expect(run.status).toBe('completed');
    const [stored] = (await api.get<{ data: MessageLike[] }>(`/v1/threads/${threadId}/messages?run_id=${run.id}`)).data;
    expect(stored.content[0].text.annotations).toHaveLength(2);
    expect(seen.textDone[0].value).toBe(textOf(stored));
    expect(seen.textDone[0].annotations.map(withoutIndex)).toEqual(stored.content[0].text.annotations);
    const [accumulated] = await stream.finalMessages();
    expect(accumulated.content[0].text.annotations.map(withoutIndex)).toEqual(stored.content[0].text.annotations);
    expect(seen.messagesDone).toEqual([stored]);
  });

  it('cancel while streaming (scenario pace 20 ms): finalRun() is the cancelled run, the message holds what was streamed', async () => {
    const scenario = `sdk-slow-${slug}`;
    await api.post('/__admin/scenarios', {
      name: scenario,
      match: { run: { metadata: { mock_scenario: scenario } } },
      turns: [{ text: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen', stream: { delay_ms: 20 } }],
    });
    const threadId = await newThread('Count slowly.');
    const stream = sdk.run(threadId, { assistant_id: assistantId, metadata: { mock_scenario: scenario } });
    const seen = record(stream);
    let runId = '';
    let cancel: Promise<unknown> | undefined;
    stream.on('event', (e) => {
      if (e.event === 'thread.run.created') runId = (e.data as RunLike).id;
    });
    stream.on('textDelta', () => {
      if (!cancel && seen.textDeltas.length >= 2) cancel = api.post(`/v1/threads/${threadId}/runs/${runId}/cancel`);
    });
    const run = await stream.finalRun();
    await cancel;
    expect(run.status).toBe('cancelled');
    expect(seen.names.slice(-4)).toEqual([
      'thread.run.cancelling',
      'thread.message.incomplete',
      'thread.run.step.cancelled',
      'thread.run.cancelled',
    ]);
    expect(await api.get(`/v1/threads/${threadId}/runs/${run.id}`)).toEqual(run);
    const [message] = (await api.get<{ data: MessageLike[] }>(`/v1/threads/${threadId}/messages?run_id=${run.id}`)).data;
    expect(message.status).toBe('incomplete');
    expect(seen.messagesDone).toEqual([message]);
    expect(textOf(message)).toBe(seen.textDeltas.join(''));
    expect(seen.textDeltas.length).toBeLessThan(14);
  });

  it('a turn that ends incomplete: 7.x takes thread.run.incomplete as final, 4.x does not know it (STREAMING.md section 4)', async () => {
    const scenario = `sdk-incomplete-${slug}`;
    await api.post('/__admin/scenarios', {
      name: scenario,
      match: { run: { metadata: { mock_scenario: scenario } } },
      turns: [{ incomplete: { reason: 'max_completion_tokens', text: 'Cut short here' } }],
    });
    const threadId = await newThread('Say something long.');
    const stream = sdk.run(threadId, { assistant_id: assistantId, metadata: { mock_scenario: scenario } });
    const seen = record(stream);
    if (name === 'openai 4.x') {
      await expect(stream.finalRun()).rejects.toThrow(/Final run has not been received/);
    } else {
      const run = await stream.finalRun();
      expect(run.status).toBe('incomplete');
      expect(await api.get(`/v1/threads/${threadId}/runs/${run.id}`)).toEqual(run);
    }
    expect(seen.names.slice(-3)).toEqual(['thread.message.incomplete', 'thread.run.step.completed', 'thread.run.incomplete']);
    expect(seen.messagesDone[0]).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_tokens' } });
    expect(textOf(seen.messagesDone[0])).toBe('Cut short here');
  });

  it('an `error` event (server-side fault) rejects the helper with an APIError carrying code and type', async () => {
    const scenarios = server.app.ctx.scenarios;
    if (!scenarios) throw new Error('the server has no scenario behavior to break');
    const spy = vi.spyOn(scenarios, 'answer').mockImplementation(() => {
      throw new Error('boom');
    });
    try {
      const threadId = await newThread('This will break.');
      const stream = sdk.run(threadId, { assistant_id: assistantId });
      const error: unknown = await stream.finalRun().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ code: 'server_error', type: 'server_error' });
      expect(String((error as Error).message)).toMatch(/The server had an error/);
    } finally {
      spy.mockRestore();
    }
  });
});
