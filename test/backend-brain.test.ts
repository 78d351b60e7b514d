/**
 * The model backend brain against a real OpenAI-compatible server (aimock): what it sends for a
 * turn, the BrainEvents it makes of the answer, how each failure ends, and that an abort ends the
 * upstream request. The engine side (runs, streams, SDKs) is in test/backend.sdk.test.ts.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BrainError, type BrainAnswer, type BrainEvent, type BrainTurnInput } from '../src/brains/brain.js';
import { BackendBrain } from '../src/brains/backend/brain.js';
import { MAX_ATTEMPTS } from '../src/brains/backend/transport.js';
import { parseModelMap, type BackendSettings } from '../src/brains/backend/settings.js';
import type { MessageRow, RunRow, RunStepRow } from '../src/store/schema.js';
import { requestBody, startAimock, type Aimock } from './helpers/aimock.js';

let aimock: Aimock;
beforeAll(async () => {
  aimock = await startAimock();
});
afterAll(() => aimock.stop());
beforeEach(() => {
  aimock.mock.reset();
  aimock.clearEndings();
});

function settings(overrides: Partial<BackendSettings> = {}): BackendSettings {
  return {
    url: aimock.baseURL,
    key: 'sk-backend',
    modelMap: parseModelMap('gpt-4o=llama3.2:3b,*=qwen2.5:7b'),
    timeoutMs: 10_000,
    ...overrides,
  };
}

function brain(overrides: Partial<BackendSettings> = {}, files: Record<string, { data: Buffer; filename: string }> = {}) {
  return new BackendBrain({ settings: settings(overrides), readFile: (_tenant, id) => files[id] });
}

function message(role: 'user' | 'assistant', content: unknown[]): MessageRow {
  return { role, content, status: 'completed', id: `msg_${Math.random()}`, runId: null } as unknown as MessageRow;
}

function input(overrides: Partial<RunRow> = {}, extra: Partial<BrainTurnInput> = {}): BrainTurnInput {
  const run = {
    id: 'run_1',
    tenant: 't',
    model: 'gpt-4o',
    instructions: 'You are terse.\n\nAnswer in French.',
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: true,
    responseFormat: 'auto',
    temperature: 0.2,
    topP: 0.9,
    maxCompletionTokens: null,
    maxPromptTokens: null,
    usage: null,
    metadata: {},
    turn: 0,
    ...overrides,
  } as unknown as RunRow;
  const messages = [message('user', [{ type: 'text', text: { value: 'hello there', annotations: [] } }])];
  return {
    run,
    assistant: undefined,
    thread: { id: 'thread_1', metadata: {} } as never,
    messages,
    lastUserMessage: 'hello there',
    toolOutputs: [],
    turn: run.turn,
    vectorStoreIds: [],
    steps: [],
    signal: new AbortController().signal,
    ...extra,
  };
}

async function collect(answer: BrainAnswer | undefined | Promise<BrainAnswer | undefined>): Promise<BrainEvent[]> {
  const resolved = await answer;
  if (resolved?.type !== 'stream') throw new Error(`expected a stream answer, got ${JSON.stringify(resolved)}`);
  const events: BrainEvent[] = [];
  for await (const event of resolved.events) events.push(event);
  return events;
}

async function failure(answer: BrainAnswer | undefined | Promise<BrainAnswer | undefined>): Promise<BrainError> {
  try {
    await collect(answer);
  } catch (error) {
    expect(error).toBeInstanceOf(BrainError);
    return error as BrainError;
  }
  throw new Error('the turn did not fail');
}

/** A port nothing listens on: one just released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const text = (events: BrainEvent[]) => events.map((e) => (e.type === 'text' ? e.delta : '')).join('');

describe('a text turn', () => {
  it('sends one streaming request with the run mapped, and forwards the text as it comes', async () => {
    aimock.mock.onMessage('hello there', {
      content: 'Bonjour, enchanté de vous voir.',
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
    });
    const answer = await brain().answer(input({ maxCompletionTokens: 500 }));
    expect(answer).toMatchObject({ type: 'stream', answeredBy: { kind: 'backend', scenario: null, model: 'llama3.2:3b' } });
    const events = await collect(answer);
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(1);
    expect(text(events)).toBe('Bonjour, enchanté de vous voir.');
    expect(events.at(-1)).toEqual({ type: 'usage', usage: { prompt_tokens: 12, completion_tokens: 7 } });

    const [request] = aimock.chatRequests();
    // aimock keeps the header but not its value.
    expect(request.headers.authorization).toBeDefined();
    expect(requestBody(request)).toEqual({
      model: 'llama3.2:3b',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'You are terse.\n\nAnswer in French.' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 500,
    });
  });

  it('maps other models through `*`, and sends images as parts (uploaded files as data URLs)', async () => {
    aimock.mock.onMessage('what is this', { content: 'A cat.' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const messages = [
      message('user', [{ type: 'text', text: { value: 'earlier', annotations: [] } }]),
      message('assistant', [{ type: 'text', text: { value: 'noted', annotations: [] } }]),
      message('user', [
        { type: 'text', text: { value: 'what is this', annotations: [] } },
        { type: 'image_file', image_file: { file_id: 'file-img', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'auto' } },
      ]),
    ];
    const events = await collect(
      brain({}, { 'file-img': { data: png, filename: 'cat.PNG' } }).answer(
        input({ model: 'gpt-4.1' }, { messages, lastUserMessage: 'what is this' }),
      ),
    );
    expect(text(events)).toBe('A cat.');
    const body = requestBody(aimock.chatRequests()[0]);
    expect(body.model).toBe('qwen2.5:7b');
    expect((body.messages as unknown[]).slice(1)).toEqual([
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'noted' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}`, detail: 'low' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'auto' } },
        ],
      },
    ]);
  });

  it('sends JSON response formats, and leaves a forced code_interpreter turn to the next brain', async () => {
    aimock.mock.onMessage('hello there', { content: '{"a":1}' });
    const format = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } };
    await collect(brain().answer(input({ responseFormat: format })));
    expect(requestBody(aimock.chatRequests()[0]).response_format).toEqual(format);
    expect(brain().answer(input({ tools: [{ type: 'code_interpreter' }], toolChoice: { type: 'code_interpreter' } }))).toBeUndefined();
  });
});

describe('tool calls', () => {
  const weather = {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  };

  it('streams a function call as tool_call events and sends the tools, tool_choice and parallel_tool_calls', async () => {
    aimock.mock.onMessage('hello there', { toolCalls: [{ id: 'call_up_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const events = await collect(
      brain().answer(
        input({
          tools: [weather, { type: 'code_interpreter' }],
          toolChoice: { type: 'function', function: { name: 'get_weather' } },
          parallelToolCalls: false,
        }),
      ),
    );
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls[0]).toMatchObject({ index: 0, id: 'call_up_1', name: 'get_weather' });
    expect(calls.map((c) => (c.type === 'tool_call' ? (c.arguments ?? '') : '')).join('')).toBe('{"city":"Paris"}');
    const body = requestBody(aimock.chatRequests()[0]);
    expect(body.tools).toEqual([weather]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(body.parallel_tool_calls).toBe(false);
  });

  it("sends this run's earlier calls and their outputs on the next turn", async () => {
    aimock.mock.addFixture({
      match: { predicate: (req) => req.messages.at(-1)?.role === 'tool' },
      response: { content: 'It is sunny in Paris.' },
    });
    const step = {
      type: 'tool_calls',
      stepDetails: {
        type: 'tool_calls',
        tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}', output: null } }],
      },
    } as unknown as RunStepRow;
    const events = await collect(
      brain().answer(
        input(
          { tools: [weather], turn: 1 },
          {
            steps: [step],
            turn: 1,
            toolOutputs: [{ tool_call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', output: '{"sky":"sunny"}' }],
          },
        ),
      ),
    );
    expect(text(events)).toBe('It is sunny in Paris.');
    const messages = requestBody(aimock.chatRequests()[0]).messages as unknown[];
    expect(messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"sky":"sunny"}' },
    ]);
  });

  it('fails the turn when the arguments are not JSON', async () => {
    aimock.mock.onMessage('hello there', { toolCalls: [{ name: 'get_weather', arguments: '{"city": "Par' }] });
    const error = await failure(brain().answer(input({ tools: [weather] })));
    expect(error.code).toBe('server_error');
    expect(error.message).toMatch(/get_weather with arguments that are not valid JSON/);
  });
});

describe('file_search', () => {
  it('offers a file_search function, sends the results as numbered sources and turns cited markers into annotations', async () => {
    aimock.mock.onMessage('refund', { toolCalls: [{ name: 'file_search', arguments: '{"query":"refund window"}' }] });
    const first = input(
      { tools: [{ type: 'file_search' }] },
      { lastUserMessage: 'refund', messages: [message('user', [{ type: 'text', text: { value: 'refund', annotations: [] } }])] },
    );
    const backend = brain();
    const calls = (await collect(backend.answer(first))).filter((e) => e.type === 'tool_call');
    expect(calls[0]).toMatchObject({ index: 0, name: 'file_search' });
    expect(requestBody(aimock.chatRequests()[0]).tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'file_search' }) }),
    ]);

    // The engine searched; the next turn carries the results. Message 2 (system, user, assistant) holds them.
    aimock.mock.prependFixture({
      match: { predicate: (req) => req.messages.at(-1)?.role === 'tool' },
      response: { content: 'Refunds are accepted for 30 days 【3:0†handbook.md】, unlike 【9:9†nothing】.' },
    });
    const step = {
      type: 'tool_calls',
      stepDetails: {
        type: 'tool_calls',
        tool_calls: [
          {
            id: 'call_fs',
            type: 'file_search',
            file_search: {
              results: [
                { file_id: 'file-hb', file_name: 'handbook.md', score: 0.9, content: [{ type: 'text', text: 'Refunds: 30 days.' }] },
              ],
            },
          },
        ],
      },
    } as unknown as RunStepRow;
    // The engine keeps each search's query by call id (the step does not show it).
    const searchQueries = { call_fs: 'refund window' };
    const events = await collect(backend.answer({ ...first, run: { ...first.run, turn: 1 }, turn: 1, steps: [step], searchQueries }));
    const messages = requestBody(aimock.chatRequests()[1]).messages as { role: string; content: string; tool_calls?: unknown }[];
    expect(messages[2].tool_calls).toEqual([
      { id: 'call_fs', type: 'function', function: { name: 'file_search', arguments: '{"query":"refund window"}' } },
    ]);
    expect(messages[3].content).toContain('【3:0†handbook.md】\nRefunds: 30 days.');
    const reply = text(events);
    const annotations = events.find((e) => e.type === 'annotations');
    const marker = '【3:0†handbook.md】';
    expect(annotations).toEqual({
      type: 'annotations',
      annotations: [
        {
          type: 'file_citation',
          text: marker,
          start_index: reply.indexOf(marker),
          end_index: reply.indexOf(marker) + marker.length,
          file_citation: { file_id: 'file-hb' },
        },
      ],
    });
  });
});

describe('failures end the turn with a mapped last_error', () => {
  it('429: rate_limit_exceeded, not retried', async () => {
    aimock.mock.on({ userMessage: 'hello there' }, { error: { message: 'Slow down', type: 'rate_limit_error' }, status: 429 });
    const error = await failure(brain().answer(input()));
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.message).toContain('Slow down');
    expect(aimock.chatRequests()).toHaveLength(1);
  });

  it('500: retried, then server_error', async () => {
    aimock.mock.on({ userMessage: 'hello there' }, { error: { message: 'Backend exploded', type: 'server_error' }, status: 500 });
    const error = await failure(brain().answer(input()));
    expect(error.code).toBe('server_error');
    expect(error.message).toContain('answered 500: Backend exploded');
    expect(aimock.chatRequests()).toHaveLength(MAX_ATTEMPTS);
  });

  it('a single 500 is retried and the turn goes on', async () => {
    aimock.mock.onMessage('hello there', { content: 'Recovered.' });
    aimock.mock.nextRequestError(500, { message: 'once', type: 'server_error' });
    expect(text(await collect(brain().answer(input())))).toBe('Recovered.');
    expect(aimock.chatRequests()).toHaveLength(2);
  });

  it('401: server_error naming the key', async () => {
    aimock.mock.on(
      { userMessage: 'hello there' },
      { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' }, status: 401 },
    );
    const error = await failure(brain().answer(input()));
    expect(error.code).toBe('server_error');
    expect(error.message).toMatch(/refused the request \(401; check MODEL_BACKEND_KEY\): Incorrect API key/);
  });

  it('unreachable: server_error after the retries', async () => {
    const error = await failure(brain({ url: `http://127.0.0.1:${await closedPort()}/v1` }).answer(input()));
    expect(error.code).toBe('server_error');
    expect(error.message).toMatch(/could not be reached: .*ECONNREFUSED/);
  });

  it('a mid-stream disconnect: server_error, with the text so far already forwarded', async () => {
    aimock.mock.onMessage('hello there', { content: 'one two three four five six seven eight' }, {
      truncateAfterChunks: 3,
      chunkSize: 4,
      latency: 20,
    } as never);
    const events: BrainEvent[] = [];
    const answer = await brain().answer(input());
    await expect(
      (async () => {
        for await (const event of (answer as Extract<BrainAnswer, { type: 'stream' }>).events) events.push(event);
      })(),
    ).rejects.toMatchObject({ code: 'server_error', message: expect.stringMatching(/stream (broke off|ended before)/) });
    expect(text(events).length).toBeGreaterThan(0);
  });

  it('a malformed answer: server_error', async () => {
    aimock.mock.addFixture({ match: { userMessage: 'hello there' }, response: { content: 'x' }, chaos: { malformedRate: 1 } });
    const error = await failure(brain().answer(input()));
    expect(error.message).toMatch(/instead of a stream: \{malformed json/);
  });

  it('silence longer than the timeout: server_error', async () => {
    aimock.mock.onMessage('hello there', { content: 'too late' }, { latency: 1_000 });
    const started = Date.now();
    const error = await failure(brain({ timeoutMs: 200 }).answer(input()));
    expect(error.message).toMatch(/sent nothing for 200 ms/);
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('abort', () => {
  it('ends the upstream request at once and the events quietly', async () => {
    aimock.mock.onMessage('hello there', { content: 'a b c d e f g h i j k l m n o p' }, { latency: 200 });
    const controller = new AbortController();
    const answer = (await brain().answer(input({}, { signal: controller.signal }))) as Extract<BrainAnswer, { type: 'stream' }>;
    const events: BrainEvent[] = [];
    const started = Date.now();
    for await (const event of answer.events) {
      events.push(event);
      if (events.length === 1) controller.abort();
    }
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(events).toHaveLength(1);
    await expect.poll(() => aimock.responseEndings(), { timeout: 500 }).toEqual(['cut']);
  });
});
