/**
 * Security review, item 3: a run whose thread is deleted (DELETE /v1/threads/{id}) or whose tenant is
 * reset (POST /__admin/reset) while its `stream: true` response is open. The run ends `cancelled`
 * (with the events a cancel sends) before its rows go, so the stream gets `thread.run.cancelled` and
 * `done` at once, and the SDK stream helpers' `finalRun()` resolves instead of hanging for ever.
 * Checked with openai 4.x and 7.x (`runs.stream`, `createAndRunStream`). docs/streaming.md.
 */
import OpenAI4 from 'openai';
import OpenAI7 from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawApi } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

interface RunLike extends Json {
  id: string;
  thread_id: string;
  status: string;
}

/** The part of the AssistantStream helper used here; the same in both majors. */
interface HelperStream {
  on(event: 'event', listener: (event: { event: string; data: Json }) => void): this;
  on(event: 'textDelta', listener: (delta: { value?: string }) => void): this;
  finalRun(): Promise<RunLike>;
}

interface Sdk {
  run(threadId: string, body: { assistant_id: string }): HelperStream;
  createAndRun(body: { assistant_id: string; thread: { messages: { role: 'user'; content: string }[] } }): HelperStream;
}

const MAJORS: { name: string; make: (baseURL: string, apiKey: string) => Sdk }[] = [
  {
    name: 'openai 4.x',
    make: (baseURL, apiKey) => {
      const threads = new OpenAI4({ apiKey, baseURL, maxRetries: 0 }).beta.threads;
      return {
        run: (threadId, body) => threads.runs.stream(threadId, body) as unknown as HelperStream,
        createAndRun: (body) => threads.createAndRunStream(body) as unknown as HelperStream,
      };
    },
  },
  {
    name: 'openai 7.x',
    make: (baseURL, apiKey) => {
      const threads = new OpenAI7({ apiKey, baseURL, maxRetries: 0 }).beta.threads;
      return {
        run: (threadId, body) => threads.runs.stream(threadId, body) as unknown as HelperStream,
        createAndRun: (body) => threads.createAndRunStream(body) as unknown as HelperStream,
      };
    },
  },
];

/** What the issue asks: the helper settles within a second of the delete or reset; never hangs. */
const SETTLE_MS = 1_000;

/** Resolves with the helper's outcome, or with 'hung' when it has not settled within `ms`. */
function settled(promise: Promise<RunLike>, ms: number): Promise<{ run?: RunLike; error?: unknown; hung?: true }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ hung: true }), ms);
    promise.then(
      (run) => {
        clearTimeout(timer);
        resolve({ run });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}

let server: TestServer;

beforeAll(async () => {
  // 50 ms between deltas: the run is still streaming when the test deletes or resets.
  server = await startTestServer({ streamDelayMs: 50 });
});

afterAll(async () => {
  await server?.stop();
});

const LONG = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
const SHORT = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');

describe.each(MAJORS)('$name stream helpers: a deleted thread or a reset tenant ends the stream', ({ name, make }) => {
  const slug = name.replace(/\W+/g, '-');

  /** A tenant of its own per test, so a reset touches nothing else. */
  async function tenant(label: string) {
    const apiKey = `endings-${slug}-${label}`;
    const api = new RawApi(server.url, apiKey);
    const sdk = make(server.baseURL, apiKey);
    const assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
    return { api, sdk, assistantId };
  }

  /** Starts the helper and waits until the run has streamed a few deltas. */
  async function streaming(stream: HelperStream) {
    const names: string[] = [];
    let run: RunLike | undefined;
    let deltas = 0;
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    stream.on('event', (e) => {
      names.push(e.event);
      if (e.event === 'thread.run.created') run = e.data as RunLike;
    });
    stream.on('textDelta', () => {
      if (++deltas === 3) ready();
    });
    const final = stream.finalRun();
    final.catch(() => undefined); // observed through settled()
    await started;
    return { names, final, run: () => run! };
  }

  it('DELETE /v1/threads/{id} mid-stream: finalRun() resolves with the cancelled run at once; the thread and run are gone', async () => {
    const { api, sdk, assistantId } = await tenant('delete');
    const threadId = (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: LONG }] })).id;
    const live = await streaming(sdk.run(threadId, { assistant_id: assistantId }));
    expect((await api.request('DELETE', `/v1/threads/${threadId}`)).status).toBe(200);
    const outcome = await settled(live.final, SETTLE_MS);
    expect(outcome.hung).toBeUndefined();
    expect(outcome.error).toBeUndefined();
    expect(outcome.run!.id).toBe(live.run().id);
    expect(outcome.run!.status).toBe('cancelled');
    expect(live.names.slice(-4)).toEqual([
      'thread.run.cancelling',
      'thread.message.incomplete',
      'thread.run.step.cancelled',
      'thread.run.cancelled',
    ]);
    // The real API deletes the thread with its runs.
    expect((await api.request('GET', `/v1/threads/${threadId}/runs/${live.run().id}`)).status).toBe(404);
    expect((await api.request('GET', `/v1/threads/${threadId}`)).status).toBe(404);
  });

  it('POST /__admin/reset mid-stream (createAndRunStream): finalRun() resolves with the cancelled run at once', async () => {
    const { api, sdk, assistantId } = await tenant('reset');
    const live = await streaming(sdk.createAndRun({ assistant_id: assistantId, thread: { messages: [{ role: 'user', content: LONG }] } }));
    expect((await api.request('POST', '/__admin/reset')).status).toBe(200);
    const outcome = await settled(live.final, SETTLE_MS);
    expect(outcome.hung).toBeUndefined();
    expect(outcome.error).toBeUndefined();
    expect(outcome.run!.status).toBe('cancelled');
    expect(live.names.at(-1)).toBe('thread.run.cancelled');
    expect((await api.request('GET', `/v1/threads/${live.run().thread_id}`)).status).toBe(404);
  });

  it('a run waiting for its first turn ends too, and the stream of another tenant is not touched by the reset', async () => {
    const { api, sdk, assistantId } = await tenant('queued');
    const other = await tenant('bystander');
    const threadId = (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: 'hi' }] })).id;
    const otherThread = (await other.api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: SHORT }] })).id;
    const bystander = await streaming(other.sdk.run(otherThread, { assistant_id: other.assistantId }));
    // A run with no event to come for a minute: a scenario delays its first turn.
    await api.post('/__admin/scenarios', { name: `slow-${slug}`, match: {}, turns: [{ text: 'late', delay_ms: 60_000 }] });
    const stream = sdk.run(threadId, { assistant_id: assistantId });
    const seen: string[] = [];
    let planned!: () => void;
    const inProgress = new Promise<void>((resolve) => (planned = resolve));
    stream.on('event', (e) => {
      seen.push(e.event);
      if (e.event === 'thread.run.in_progress') planned();
    });
    const final = stream.finalRun();
    final.catch(() => undefined);
    await inProgress;
    expect((await api.request('POST', '/__admin/reset')).status).toBe(200);
    const outcome = await settled(final, SETTLE_MS);
    expect(outcome.hung).toBeUndefined();
    expect(outcome.run!.status).toBe('cancelled');
    // The other tenant's run streams on to its normal end.
    const theirs = await settled(bystander.final, 30_000);
    expect(theirs.run!.status).toBe('completed');
  });
});
