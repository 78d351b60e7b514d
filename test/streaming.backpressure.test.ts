/**
 * Security review, item 4: backpressure on run streams. A 1.8-million-word reply was published in one go
 * and tripped the slow-reader guard (8 MiB buffered) after 7 events although the client read at full
 * speed. Now the engine stops publishing a run's deltas while its stream has more than
 * SOFT_LIMIT_BYTES unsent, and goes on at `drain`: a reader at any steady pace gets every delta, and
 * only a client that stops reading (no `drain` for the stall timeout) is cut. docs/streaming.md.
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import OpenAI7 from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawApi } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

/**
 * A message is at most 256,000 characters (the real limit), so the long replies come from a scenario
 * that quotes a 30,000-word message 60 times: 1.8 million words, ~12 MB of text, more than the old
 * 8 MiB slow-reader allowance that cut full-speed readers.
 */
const QUOTE_TIMES = 60;
const ECHO_SCENARIO = {
  name: 'echo-60',
  match: { message: { regex: '^[a-z]0 [a-z]1 ' } },
  turns: [{ text: '{{message}} '.repeat(QUOTE_TIMES).trimEnd() }],
};

interface MessageLike {
  id: string;
  status: string;
  content: { text: { value: string } }[];
}

/** Text deltas of an SSE body, and whether it ended with `[DONE]`. */
function parse(body: string): { deltas: string[]; names: string[]; done: boolean } {
  const deltas: string[] = [];
  const names: string[] = [];
  for (const block of body.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    if (!event) continue;
    names.push(event);
    if (event === 'thread.message.delta') {
      const data = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { delta: { content: { text: { value: string } }[] } };
      deltas.push(data.delta.content[0].text.value);
    }
  }
  return { deltas, names, done: body.includes('data: [DONE]') };
}

/**
 * A streamed run read with node:http; `pauseMs` > 0 pauses that long after every 64 KiB (a slow but
 * steady reader, a few MB/s at most).
 */
function readRunStream(base: string, threadId: string, assistantId: string, pauseMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ assistant_id: assistantId, stream: true });
    const req = httpRequest(
      `${base}/v1/threads/${threadId}/runs`,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bp' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let sincePause = 0;
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          sincePause += chunk.length;
          if (pauseMs > 0 && sincePause >= 64 * 1024) {
            sincePause = 0;
            res.pause();
            setTimeout(() => res.resume(), pauseMs);
          }
        });
        res.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw socket that sends a streamed run request and never reads what comes back. */
function stoppedReader(port: number, path: string, body: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.pause();
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bp\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      socket.write(head + body, () => resolve(socket));
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** Reads a paused socket to its end (or for `timeoutMs`). */
function readAll(socket: Socket, timeoutMs: number): Promise<{ closed: boolean; text: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => resolve({ closed: false, text: Buffer.concat(chunks).toString('utf8') }), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    socket.resume();
  });
}

describe('backpressure on run streams', () => {
  let server: TestServer;
  let api: RawApi;
  let assistantId: string;
  /** The same with a short stall timeout, so the stopped reader below is cut quickly. */
  let stallServer: TestServer;
  let stallApi: RawApi;
  let stallAssistant: string;

  beforeAll(async () => {
    server = await startTestServer();
    api = new RawApi(server.url, 'bp');
    assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
    await api.post('/__admin/scenarios', ECHO_SCENARIO);
    stallServer = await startTestServer({ streamStallTimeoutMs: 500 });
    stallApi = new RawApi(stallServer.url, 'bp');
    stallAssistant = (await stallApi.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
    await stallApi.post('/__admin/scenarios', ECHO_SCENARIO);
  });

  afterAll(async () => {
    await server?.stop();
    await stallServer?.stop();
  });

  async function threadSaying(text: string): Promise<string> {
    return (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: text }] })).id;
  }

  async function storedReply(threadId: string): Promise<MessageLike> {
    const list = await api.get<{ data: MessageLike[] }>(`/v1/threads/${threadId}/messages?order=desc&limit=1`);
    return list.data[0];
  }

  it(
    'a 1.8-million-word reply reaches a client reading at full speed: every delta, the final events and done',
    { timeout: 90_000 },
    async () => {
      const threadId = await threadSaying(words(30_000, 'w'));
      const body = await readRunStream(server.url, threadId, assistantId, 0);
      const { deltas, names, done } = parse(body);
      expect(done).toBe(true);
      expect(names.slice(-3)).toEqual(['thread.run.step.completed', 'thread.run.completed', 'done']);
      expect(deltas.join('').split(' ').length).toBe(30_000 * QUOTE_TIMES);
      const stored = await storedReply(threadId);
      expect(stored.status).toBe('completed');
      expect(deltas.join('')).toBe(stored.content[0].text.value);
    },
  );

  it('a slow but steady reader (a pause after every 64 KiB) gets all of a 1.8-million-word reply', { timeout: 90_000 }, async () => {
    const threadId = await threadSaying(words(30_000, 's'));
    const { deltas, done } = parse(await readRunStream(server.url, threadId, assistantId, 20));
    expect(done).toBe(true);
    expect(deltas.join('')).toBe((await storedReply(threadId)).content[0].text.value);
  });

  it('the SDK stream helper (7.x) accumulates all of a 1.8-million-word reply', { timeout: 90_000 }, async () => {
    const sdk = new OpenAI7({ apiKey: 'bp', baseURL: server.baseURL, maxRetries: 0 });
    const threadId = await threadSaying(words(30_000, 'k'));
    const stream = sdk.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
    const run = await stream.finalRun();
    expect(run.status).toBe('completed');
    const [message] = await stream.finalMessages();
    const text = message.content[0].type === 'text' ? message.content[0].text.value : '';
    expect(text).toBe((await storedReply(threadId)).content[0].text.value);
  });

  it('a client that stops reading is cut after the stall timeout, and its run then completes', async () => {
    // ~12 MB of events: far more than the kernel's socket buffers and the soft limit together.
    const thread = await stallApi.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: words(30_000, 'x') }] });
    const threadId = thread.id;
    const body = JSON.stringify({ assistant_id: stallAssistant, stream: true });
    const socket = await stoppedReader(stallServer.port, `/v1/threads/${threadId}/runs`, body);
    try {
      let status = '';
      for (let i = 0; i < 300 && status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const runs = await stallApi.get<{ data: { status: string }[] }>(`/v1/threads/${threadId}/runs`);
        status = runs.data[0]?.status ?? '';
      }
      expect(status).toBe('completed');
      // Reading now gets what the kernel buffered, then the end, without the final `[DONE]`.
      const cut = await readAll(socket, 5_000);
      expect(cut.closed).toBe(true);
      expect(cut.text.startsWith('HTTP/1.1 200')).toBe(true);
      expect(cut.text).toContain('thread.message.delta');
      expect(cut.text).not.toContain('data: [DONE]');
      // The server let go of it: no open stream, no engine task left.
      expect(stallServer.app.ctx.streams.size).toBe(0);
      expect(stallServer.app.ctx.engine.activeTaskCount).toBe(0);
    } finally {
      socket.destroy();
    }
  });
});
