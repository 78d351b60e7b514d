/**
 * The rows of docs/model-backends.md's failure table that aimock cannot produce. First a backend
 * that fails after its 200 headers: the error comes inside the event stream, as OpenAI-compatible
 * servers send it when a failure happens once the answer has started (or before the first token,
 * once the headers are out). aimock (1.43.0, the latest on npm) answers an error fixture with an HTTP
 * status only, so these answers come from a real HTTP server in the test that sends the exact bytes
 * each provider sends (test/helpers/provider-stream.ts); the public source of each shape is named
 * with its case. Then the retries (their number and spacing, Retry-After), the statuses aimock's
 * tests here leave out, silence between two chunks, a malformed chunk, and a cut connection.
 * Driven by the official SDK and the raw wire: the run fails with a mapped last_error, the text
 * streamed so far stays in a message that ends `incomplete`, the open stream ends with
 * thread.run.failed then done, the thread takes a new run.
 */
import { createServer, type AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS } from '../src/brains/backend/transport.js';
import { data, startScriptedProvider, textChunk, type Answer, type ScriptedProvider } from './helpers/provider-stream.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;
interface Run extends Json {
  id: string;
  status: string;
  last_error: { code: string; message: string } | null;
}
interface Message {
  role: string;
  status: string;
  incomplete_details: { reason: string } | null;
  content: { text: { value: string } }[];
}

let provider: ScriptedProvider;
let server: TestServer;
let client: OpenAI;
let assistantId: string;

beforeAll(async () => {
  provider = await startScriptedProvider();
  server = await startTestServer({ modelBackendUrl: provider.baseURL, modelBackendTimeoutMs: 2_000 });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
  assistantId = (await client.beta.assistants.create({ model: 'gpt-4o', instructions: 'Be brief.' })).id;
});
afterAll(async () => {
  await server?.stop();
  await provider?.stop();
});
beforeEach(() => {
  provider.requests.splice(0);
  provider.arrivals.splice(0);
});

/**
 * vLLM: chat_completion_stream_generator catches a failure during generation and sends
 * `data: {"error": {...}}` (create_streaming_error_response), then `data: [DONE]`.
 * https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai/serving_chat.py
 */
const VLLM_MID_STREAM = [
  data({ ...textChunk(''), choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
  data(textChunk('Refunds are ')),
  data(textChunk('accepted within')),
  data({ error: { message: 'CUDA error: an illegal memory access was encountered', type: 'InternalServerError', param: null, code: 500 } }),
  data('[DONE]'),
];

/**
 * OpenRouter: "errors that occur mid-generation" arrive as a chunk with an `error` object and
 * `finish_reason: "error"` (Handling Errors During Streaming); before any token, after the 200 and
 * its `: OPENROUTER PROCESSING` comments, the error is the first data event, with the HTTP code
 * (429: rate limited) as `error.code`. https://openrouter.ai/docs/api-reference/errors and
 * https://openrouter.ai/docs/api-reference/streaming
 */
const OPENROUTER_MID_STREAM = [
  data(textChunk('The answer is')),
  data({
    ...textChunk(''),
    provider: 'openai',
    error: { code: 'server_error', message: 'Provider disconnected unexpectedly' },
    choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
  }),
];
const OPENROUTER_RATE_LIMITED_FIRST = [
  ': OPENROUTER PROCESSING\n\n',
  ': OPENROUTER PROCESSING\n\n',
  data({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-min.', metadata: { provider_name: 'Together' } } }),
];

/**
 * OpenAI: its SDKs raise an APIError for a `data:` event whose JSON has `error` (the service sends
 * one when it fails after the stream began). https://github.com/openai/openai-node/blob/master/src/core/streaming.ts
 * and https://github.com/openai/openai-python/blob/main/src/openai/_streaming.py
 */
const OPENAI_FIRST = [
  data({
    error: {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    },
  }),
];

/**
 * llama.cpp's llama-server, builds whose server.cpp sends a streaming error with
 * `server_sent_event(sink, "error", error_data)`: an `error: {...}` line (not a `data:` field, so an
 * SSE parser that only reads data skips it), then `data: [DONE]`. Newer builds send
 * `data: {"error": {...}}` instead. https://github.com/ggml-org/llama.cpp (tools/server/server.cpp)
 */
const LLAMA_CPP_ERROR_LINE = [
  `error: ${JSON.stringify({ code: 400, message: 'the request exceeds the available context size, try increasing it', type: 'exceed_context_size_error' })}\n\n`,
  data('[DONE]'),
];

/** A stream cut off cleanly: no finish_reason, no [DONE] (a proxy or the server's process went away). */
const TRUNCATED = [data(textChunk('It depends on')), data(textChunk(' the'))];

const textOf = (message: Message) => message.content.map((c) => c.text.value).join('');

async function thread(text: string): Promise<string> {
  return (await client.beta.threads.create({ messages: [{ role: 'user', content: text }] })).id;
}

/** Streams a run with the SDK's helper: its final run and the names of the events it got. */
async function streamRun(threadId: string) {
  const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
  const events: string[] = [];
  stream.on('event', (event) => events.push(event.event));
  const run = (await stream.finalRun()) as unknown as Run;
  return { run, events };
}

async function assistantMessages(threadId: string): Promise<Message[]> {
  const page = await client.beta.threads.messages.list(threadId, { order: 'asc' });
  return (page.data as unknown as Message[]).filter((m) => m.role === 'assistant');
}

describe('an error object inside a 200 stream', () => {
  it('mid-answer (vLLM): failed with server_error, the partial message incomplete, thread.run.failed then done', async () => {
    provider.script(VLLM_MID_STREAM);
    const threadId = await thread('How long is the refund window?');
    const { run, events } = await streamRun(threadId);
    expect(run.status).toBe('failed');
    expect(run.last_error).toEqual({
      code: 'server_error',
      message: expect.stringContaining('CUDA error: an illegal memory access was encountered'),
    });
    expect(events.filter((e) => e === 'thread.message.delta').length).toBeGreaterThan(0);
    expect(events.slice(-3)).toEqual(['thread.message.incomplete', 'thread.run.step.failed', 'thread.run.failed']);
    const [message] = await assistantMessages(threadId);
    expect(message).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'run_failed' } });
    expect(textOf(message)).toBe('Refunds are accepted within');
    const stored = (await client.beta.threads.runs.retrieve(threadId, run.id)) as unknown as Run;
    expect(stored.status).toBe('failed');
    // Part of the answer had arrived: not retried.
    expect(provider.requests).toHaveLength(1);
  });

  it('mid-answer (vLLM), on the wire: the stream ends with thread.run.failed and done, never a 500', async () => {
    provider.script(VLLM_MID_STREAM);
    const threadId = await thread('How long is the refund window?');
    const response = await fetch(`${server.baseURL}/threads/${threadId}/runs`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'openai-beta': 'assistants=v2', 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, stream: true }),
    });
    expect(response.status).toBe(200);
    const raw = await response.text();
    expect(raw).toMatch(/event: thread\.run\.failed\ndata: \{[^\n]*"status":"failed"[^\n]*\}\n\nevent: done\ndata: \[DONE\]\n\n$/);
    expect(raw).not.toContain('event: error');
    // The thread is free again: a new run starts at once.
    provider.script([data(textChunk('Thirty days.', 'stop')), data('[DONE]')]);
    const next = (await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistantId })) as unknown as Run;
    expect(next.status).toBe('completed');
  });

  it.each([
    [
      'mid-answer (OpenRouter, finish_reason "error")',
      OPENROUTER_MID_STREAM,
      'server_error',
      'Provider disconnected unexpectedly',
      'The answer is',
    ],
    [
      'as the first event, a rate limit (OpenRouter, code 429)',
      OPENROUTER_RATE_LIMITED_FIRST,
      'rate_limit_exceeded',
      'free-models-per-min',
      undefined,
    ],
    ['as the first event (OpenAI)', OPENAI_FIRST, 'server_error', 'The server had an error while processing your request', undefined],
    ['as an `error:` line (llama.cpp)', LLAMA_CPP_ERROR_LINE, 'server_error', 'exceeds the available context size', undefined],
    [
      'a stream that ends without finish_reason or [DONE]',
      TRUNCATED,
      'server_error',
      'ended before its answer was complete',
      'It depends on the',
    ],
  ])('%s: failed with the mapped code and the backend message, never stuck', async (_name, writes, code, words, partial) => {
    provider.script(writes);
    const threadId = await thread('Tell me something');
    const { run, events } = await streamRun(threadId);
    expect(run.status).toBe('failed');
    expect(run.last_error?.code).toBe(code);
    expect(run.last_error?.message).toContain(words);
    expect(events.at(-1)).toBe('thread.run.failed');
    const messages = await assistantMessages(threadId);
    if (partial === undefined) {
      // Nothing was said: no message was created (as the real service, which creates one with the first token).
      expect(messages).toEqual([]);
    } else {
      expect(messages.map((m) => [m.status, textOf(m)])).toEqual([['incomplete', partial]]);
    }
    expect(((await client.beta.threads.runs.retrieve(threadId, run.id)) as unknown as Run).status).toBe('failed');
    expect(provider.requests).toHaveLength(1);
  });
});

/** An OpenAI-shaped error body with a status, as OpenAI, Ollama, vLLM and OpenRouter answer before streaming. */
const failing = (status: number, message: string, headers: Record<string, string> = {}): Answer => ({
  status,
  headers,
  writes: [JSON.stringify({ error: { message, type: 'api_error', param: null, code: null } })],
});
const ANSWER = [data(textChunk('Thirty days.', 'stop')), data('[DONE]')];

/** Gaps between the requests received, in ms. */
const gaps = () => provider.arrivals.slice(1).map((at, i) => at - provider.arrivals[i]);

describe('the rest of the failure table', () => {
  it('connection reset on every attempt: 3 attempts, 200 ms then 400 ms apart, then server_error', async () => {
    const resets: number[] = [];
    const resetter = createServer((socket) => {
      resets.push(performance.now());
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    const lonely = await startTestServer({ modelBackendUrl: `http://127.0.0.1:${(resetter.address() as AddressInfo).port}/v1` });
    try {
      const other = new OpenAI({ apiKey: 'sk-test', baseURL: lonely.baseURL, maxRetries: 0 });
      const assistant = await other.beta.assistants.create({ model: 'gpt-4o' });
      const threadId = (await other.beta.threads.create({ messages: [{ role: 'user', content: 'hi' }] })).id;
      const run = (await other.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistant.id })) as unknown as Run;
      expect(run.status).toBe('failed');
      expect(run.last_error).toEqual({ code: 'server_error', message: expect.stringMatching(/could not be reached: .*ECONNRESET/) });
      expect(resets).toHaveLength(MAX_ATTEMPTS);
      const [first, second] = resets.slice(1).map((at, i) => at - resets[i]);
      expect(first).toBeGreaterThanOrEqual(190);
      expect(second).toBeGreaterThanOrEqual(390);
    } finally {
      await lonely.stop();
      await new Promise((resolve) => resetter.close(resolve));
    }
  });

  it.each([502, 503, 504])('%i: retried, 3 attempts in all, then server_error with the backend message', async (status) => {
    provider.script(failing(status, `upstream says ${status}`));
    const { run, events } = await streamRun(await thread('Tell me something'));
    expect(run.last_error).toEqual({
      code: 'server_error',
      message: expect.stringContaining(`answered ${status}: upstream says ${status}`),
    });
    expect(events.at(-1)).toBe('thread.run.failed');
    expect(provider.requests).toHaveLength(MAX_ATTEMPTS);
  });

  /** OpenRouter may send Retry-After on a 503 (https://openrouter.ai/docs/api-reference/errors). */
  it('a 503 with Retry-After: 1 is retried after that second, and the turn goes on', async () => {
    provider.script(failing(503, 'No instances available', { 'retry-after': '1' }), ANSWER);
    const threadId = await thread('Tell me something');
    const run = (await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistantId })) as unknown as Run;
    expect(run.status).toBe('completed');
    expect(textOf((await assistantMessages(threadId))[0])).toBe('Thirty days.');
    expect(provider.requests).toHaveLength(2);
    expect(gaps()[0]).toBeGreaterThanOrEqual(990);
  });

  it('a Retry-After longer than 2 s is not waited for: the run fails with the backend answer at once', async () => {
    provider.script(failing(503, 'Overloaded, come back later', { 'retry-after': '30' }), ANSWER);
    const started = performance.now();
    const run = (await client.beta.threads.runs.createAndPoll(
      await thread('Tell me something'),
      { assistant_id: assistantId },
      { pollIntervalMs: 50 },
    )) as unknown as Run;
    expect(run.last_error).toEqual({ code: 'server_error', message: expect.stringContaining('answered 503: Overloaded, come back later') });
    expect(provider.requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it.each([
    // Ollama's answer for a model that was not pulled.
    [404, 'model "llama3.2:3b" not found, try pulling it first', /answered 404: model "llama3\.2:3b" not found/],
    [400, "'messages' must contain the word 'json' in some form", /answered 400: 'messages' must contain/],
    [403, 'Project does not have access to model', /refused the request \(403; check MODEL_BACKEND_KEY\): Project does not/],
  ])('%i: not retried, server_error with the backend message', async (status, message, expected) => {
    provider.script(failing(status, message));
    const run = (await client.beta.threads.runs.createAndPoll(await thread('Tell me something'), {
      assistant_id: assistantId,
    })) as unknown as Run;
    expect(run.status).toBe('failed');
    expect(run.last_error?.code).toBe('server_error');
    expect(run.last_error?.message).toMatch(expected);
    expect(provider.requests).toHaveLength(1);
  });

  it.each([
    [
      'silent between two chunks longer than the timeout',
      [data(textChunk('Let me think')), { pauseMs: 2_500 }, ...ANSWER],
      /sent nothing for 2000 ms/,
    ],
    [
      'a malformed chunk',
      [data(textChunk('Let me think')), 'data: {"choices":[{"delta":{"content":"ab\n\n'],
      /malformed stream chunk: \{"choices"/,
    ],
    ['a connection cut mid-answer', [data(textChunk('Let me think')), 'destroy'], /stream broke off/],
  ] as const)('%s: server_error, the text so far kept in an incomplete message, not retried', async (_name, writes, expected) => {
    provider.script([...writes]);
    const threadId = await thread('Tell me something');
    const { run, events } = await streamRun(threadId);
    expect(run.status).toBe('failed');
    expect(run.last_error?.code).toBe('server_error');
    expect(run.last_error?.message).toMatch(expected);
    expect(events.at(-1)).toBe('thread.run.failed');
    const messages = await assistantMessages(threadId);
    expect(messages.map((m) => [m.status, textOf(m)])).toEqual([['incomplete', 'Let me think']]);
    expect(provider.requests).toHaveLength(1);
  });
});

describe('retries and the silence timeout', () => {
  it('the waits between attempts are not counted as the backend being silent', async () => {
    // 200 ms, then a Retry-After of 1 s, between three prompt answers: each wait longer than this server's timeout.
    const quick = await startTestServer({ modelBackendUrl: provider.baseURL, modelBackendTimeoutMs: 500 });
    try {
      const other = new OpenAI({ apiKey: 'sk-test', baseURL: quick.baseURL, maxRetries: 0 });
      const assistant = await other.beta.assistants.create({ model: 'gpt-4o' });
      provider.script(failing(500, 'busy'), failing(503, 'busy', { 'retry-after': '1' }), ANSWER);
      const threadId = (await other.beta.threads.create({ messages: [{ role: 'user', content: 'hi' }] })).id;
      const run = (await other.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistant.id })) as unknown as Run;
      expect(run.last_error).toBeNull();
      expect(run.status).toBe('completed');
      expect(provider.requests).toHaveLength(3);
    } finally {
      await quick.stop();
    }
  });
});
