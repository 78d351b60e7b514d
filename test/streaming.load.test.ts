/**
 * Many concurrent streams, some of whose clients go away mid-stream: every run still completes and
 * is stored whole, and afterwards the server holds no subscription, open stream, engine task or
 * timer for any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawApi, type SseReader } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const STREAMS = 300;
const LEAVERS = 40;
const SLOW_TEXT = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');

let server: TestServer;
let api: RawApi;
let assistantId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = new RawApi(server.url);
  assistantId = (await api.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
  // The leavers' runs stream slowly (30 deltas, 10 ms apart), so they are surely cut off mid-stream.
  await api.post('/__admin/scenarios', {
    name: 'load-slow',
    match: { run: { metadata: { mock_scenario: 'load-slow' } } },
    turns: [{ text: SLOW_TEXT, stream: { delay_ms: 10 } }],
  });
});

afterAll(async () => {
  await server?.stop();
});

async function inBatches<T, R>(items: T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('load', () => {
  it(`${STREAMS} concurrent streams and ${LEAVERS} clients that disconnect: every run completes, nothing leaks`, async () => {
    const { ctx } = server.app;
    const threads = await inBatches(Array.from({ length: LEAVERS }), 50, (_, i) =>
      api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: `Leaver number ${i}` }] }),
    );

    // The full streams create their thread in the same request (POST /threads/runs).
    const stayers = Array.from({ length: STREAMS }, (_, i) =>
      api.stream('/v1/threads/runs', {
        assistant_id: assistantId,
        thread: { messages: [{ role: 'user', content: `Load test message number ${i}` }] },
      }),
    );
    const leavers = threads.map(async (t) => {
      const stream = await api.stream(`/v1/threads/${t.id}/runs`, { assistant_id: assistantId, metadata: { mock_scenario: 'load-slow' } });
      const runId = (await stream.waitForEvent('thread.run.created')).json.id as string;
      await stream.waitForEvent('thread.message.delta');
      stream.close();
      return { stream, runId, threadId: t.id };
    });

    const readers: SseReader[] = await Promise.all(stayers);
    await Promise.all(readers.map((r) => r.ended));
    const left = await Promise.all(leavers);

    // Every full stream ended with its final run event and done; what it carried is what is stored.
    await inBatches(readers, 50, async (reader, i) => {
      const names = reader.names();
      expect(names[0], `stream ${i}`).toBe('thread.created');
      expect(names.slice(-2), `stream ${i}`).toEqual(['thread.run.completed', 'done']);
      const run = reader.events.at(-2)!.json;
      expect(await api.get(`/v1/threads/${run.thread_id as string}/runs/${run.id as string}`)).toEqual(run);
    });

    // The leavers saw only part of their run, which carried on without them.
    for (const { stream } of left) {
      expect(stream.names()).not.toContain('done');
      expect(stream.names()).not.toContain('thread.run.completed');
    }
    await until(async () => {
      const runs = await Promise.all(
        left.map(({ threadId, runId }) => api.get<{ status: string }>(`/v1/threads/${threadId}/runs/${runId}`)),
      );
      return runs.every((r) => r.status === 'completed');
    }, 'the abandoned runs to complete');
    await inBatches(left, 30, async ({ threadId, runId }) => {
      const { data } = await api.get<{ data: { status: string; content: { text: { value: string } }[] }[] }>(
        `/v1/threads/${threadId}/messages?run_id=${runId}`,
      );
      expect(data).toHaveLength(1);
      expect(data[0].status).toBe('completed');
      expect(data[0].content[0].text.value).toBe(SLOW_TEXT);
    });

    // No subscription, open stream, engine task or timer (run phases, expiry) is left behind.
    await until(() => ctx.streams.size === 0, 'the streams to close');
    expect(ctx.bus.listenerCount()).toBe(0);
    expect(ctx.streams.size).toBe(0);
    expect(ctx.engine.activeTaskCount).toBe(0);
    expect(ctx.scheduler.size).toBe(0);
  });

  it('a second wave on the same server leaves the counters at zero again (no growth across waves)', async () => {
    const { ctx } = server.app;
    const threads = await inBatches(Array.from({ length: 100 }), 50, (_, i) =>
      api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: `Second wave ${i}` }] }),
    );
    const readers = await Promise.all(
      threads.map((t, i) =>
        i % 2 === 0
          ? api.stream(`/v1/threads/${t.id}/runs`, { assistant_id: assistantId })
          : api.stream('/v1/threads/runs', { assistant_id: assistantId, thread: { messages: [{ role: 'user', content: `wave ${i}` }] } }),
      ),
    );
    await Promise.all(readers.map((r) => r.ended));
    for (const reader of readers) expect(reader.names().at(-1)).toBe('done');
    await until(() => ctx.streams.size === 0, 'the streams to close');
    expect(ctx.bus.listenerCount()).toBe(0);
    expect(ctx.engine.activeTaskCount).toBe(0);
    expect(ctx.scheduler.size).toBe(0);
  });
});
