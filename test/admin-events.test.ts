/**
 * GET /__admin/events: the tenant-wide feed of run events. It carries the same frames as a run's own
 * stream, for runs started with or without `stream: true`, only the caller's tenant, optionally one
 * thread or run; it never ends by itself, sends a keep-alive comment every 15 s, and leaves nothing
 * behind when the watcher goes away.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEEP_ALIVE_MS } from '../src/admin/events.js';
import { RawApi, type SseReader, type StreamEvent } from './helpers/sse.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let alice: RawApi;
let bob: RawApi;
let aliceAssistant: string;
let bobAssistant: string;
const open: SseReader[] = [];

async function watch(api: RawApi, query = ''): Promise<SseReader> {
  const feed = await api.watch(`/__admin/events${query}`);
  open.push(feed);
  expect(feed.status).toBe(200);
  expect(feed.header('content-type')).toMatch(/^text\/event-stream/);
  return feed;
}

async function thread(api: RawApi, text: string): Promise<string> {
  return (await api.post<{ id: string }>('/v1/threads', { messages: [{ role: 'user', content: text }] })).id;
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const withoutDone = (events: StreamEvent[]) => events.filter((e) => e.event !== 'done');

beforeAll(async () => {
  server = await startTestServer();
  alice = new RawApi(server.url, 'key-alice');
  bob = new RawApi(server.url, 'key-bob');
  aliceAssistant = (await alice.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
  bobAssistant = (await bob.post<{ id: string }>('/v1/assistants', { model: 'gpt-4o' })).id;
});

afterEach(async () => {
  for (const feed of open.splice(0)) feed.close();
  vi.useRealTimers();
  await until(() => server.app.ctx.streams.size === 0 && server.app.ctx.bus.listenerCount() === 0, 'the feeds to close');
});

afterAll(async () => {
  await server?.stop();
});

describe('GET /__admin/events', () => {
  it("carries exactly the frames of the run's own stream, plus who answered each turn, for the caller's tenant only, and never `done`", async () => {
    const feed = await watch(alice);
    const bobFeed = await watch(bob);
    const threadId = await thread(alice, 'Hello, watcher!');
    const run = await alice.stream(`/v1/threads/${threadId}/runs`, { assistant_id: aliceAssistant });
    const own = withoutDone(await run.all());
    const runId = own[0].json.id as string;
    await feed.waitFor((f) => f.event === 'thread.run.completed' && f.data.includes(runId));

    // The feed adds one mock.run.turn event per turn, just before the turn's step; the rest is the stream.
    expect(feed.events.filter((e) => e.event !== 'mock.run.turn')).toEqual(own);
    const turns = feed.events.filter((e) => e.event === 'mock.run.turn');
    expect(turns.map((e) => e.json)).toEqual([
      { object: 'mock.run.turn', run_id: runId, thread_id: threadId, index: 0, answered_by: { kind: 'default', scenario: null } },
    ]);
    expect(feed.names().indexOf('mock.run.turn')).toBe(feed.names().indexOf('thread.run.step.created') - 1);
    expect(feed.names()).not.toContain('done');
    expect(bobFeed.events).toEqual([]);

    // Bob's run shows on Bob's feed only.
    const bobThread = await thread(bob, 'Hi from Bob');
    await bob.post(`/v1/threads/${bobThread}/runs`, { assistant_id: bobAssistant });
    await bobFeed.waitForEvent('thread.run.completed');
    expect(bobFeed.events.every((e) => e.json.thread_id === bobThread || e.json.id === bobThread || e.event.endsWith('.delta'))).toBe(true);
    expect(feed.events.filter((e) => e.event !== 'mock.run.turn')).toEqual(own);
  });

  it('shows runs started without stream: true, and createThreadAndRun with its thread.created', async () => {
    const feed = await watch(alice);
    const run = await alice.post<{ id: string; thread_id: string }>('/v1/threads/runs', {
      assistant_id: aliceAssistant,
      thread: { messages: [{ role: 'user', content: 'Polled, not streamed.' }] },
    });
    await feed.waitForEvent('thread.run.completed');
    expect(feed.names()[0]).toBe('thread.created');
    expect(feed.events[0].json.id).toBe(run.thread_id);
    expect(feed.names().slice(1, 4)).toEqual(['thread.run.created', 'thread.run.queued', 'thread.run.in_progress']);
    const completed = (await feed.waitForEvent('thread.run.completed')).json;
    expect(await alice.get(`/v1/threads/${run.thread_id}/runs/${run.id}`)).toEqual(completed);
  });

  it('filters by thread_id', async () => {
    const first = await thread(alice, 'First thread');
    const second = await thread(alice, 'Second thread');
    const byThread = await watch(alice, `?thread_id=${second}`);
    const all = await watch(alice);
    const a = await alice.post<{ id: string }>(`/v1/threads/${first}/runs`, { assistant_id: aliceAssistant });
    const b = await alice.post<{ id: string }>(`/v1/threads/${second}/runs`, { assistant_id: aliceAssistant });
    await all.waitFor((f) => f.event === 'thread.run.completed' && f.data.includes(a.id));
    await byThread.waitFor((f) => f.event === 'thread.run.completed' && f.data.includes(b.id));

    const ofSecond = new Set<unknown>([second]);
    const expected = all.events.filter((e) => {
      if (e.json.thread_id === second) ofSecond.add(e.json.id);
      return ofSecond.has(e.json.id);
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(byThread.events).toEqual(expected);
  });

  it('filters by run_id, and stays open after the run ended', async () => {
    const scenario = 'events-slow-start';
    await alice.post('/__admin/scenarios', {
      name: scenario,
      match: { run: { metadata: { mock_scenario: scenario } } },
      turns: [{ delay_ms: 300, text: 'Worth the wait.' }],
    });
    const slow = await thread(alice, 'Take your time');
    const busy = await thread(alice, 'Meanwhile, elsewhere');
    const all = await watch(alice);
    const run = await alice.post<{ id: string }>(`/v1/threads/${slow}/runs`, {
      assistant_id: aliceAssistant,
      metadata: { mock_scenario: scenario },
    });
    const byRun = await watch(alice, `?run_id=${run.id}`);
    const other = await alice.post<{ id: string }>(`/v1/threads/${busy}/runs`, { assistant_id: aliceAssistant });
    await all.waitFor((f) => f.event === 'thread.run.completed' && f.data.includes(other.id));
    await byRun.waitForEvent('thread.run.completed');

    const names = byRun.names();
    expect(names.slice(names.indexOf('thread.run.step.created'))).toEqual([
      'thread.run.step.created',
      'thread.run.step.in_progress',
      'thread.message.created',
      'thread.message.in_progress',
      'thread.message.delta',
      'thread.message.delta',
      'thread.message.delta',
      'thread.message.completed',
      'thread.run.step.completed',
      'thread.run.completed',
    ]);
    for (const e of byRun.events) if (!e.event.endsWith('.delta')) expect(e.json.run_id ?? e.json.id).toBe(run.id);
    const ofRun = all.events.filter((e) => byRun.events.some((own) => own.json.id === e.json.id));
    expect(byRun.events).toEqual(ofRun.slice(ofRun.length - byRun.events.length));

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(byRun.done).toBe(false);
    expect(all.done).toBe(false);
    expect(server.app.ctx.streams.size).toBe(2);
  });

  it('sends `: keep-alive` every 15 s, and its timer and subscription go when the watcher disconnects', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const feed = await watch(alice);
    await until(() => server.app.ctx.streams.size === 1, 'the feed to open');
    expect(vi.getTimerCount()).toBe(1);
    expect(server.app.ctx.bus.listenerCount()).toBe(1);
    vi.advanceTimersByTime(KEEP_ALIVE_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(feed.raw).toBe('');
    vi.advanceTimersByTime(1);
    await feed.waitFor((f) => f.comments.includes('keep-alive'));
    expect(feed.raw).toBe(': keep-alive\n\n');
    vi.advanceTimersByTime(2 * KEEP_ALIVE_MS);
    await until(() => feed.frames.length === 3, 'two more keep-alives');
    expect(KEEP_ALIVE_MS).toBe(15_000);

    feed.close();
    await until(() => server.app.ctx.streams.size === 0, 'the server to see the disconnect');
    expect(vi.getTimerCount()).toBe(0);
    expect(server.app.ctx.bus.listenerCount()).toBe(0);
  });

  it('is in the OpenAPI document under the admin tag, with its filters', async () => {
    const doc = await alice.get<{ paths: Record<string, { get?: { tags?: string[]; parameters?: { name: string; in: string }[] } }> }>(
      '/openapi.json',
    );
    const op = doc.paths['/__admin/events']?.get;
    expect(op?.tags).toEqual(['admin']);
    expect(op?.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['query:run_id', 'query:thread_id']);
  });
});

describe('shutdown', () => {
  it('ends an open feed with an `error` event, so closing the server does not wait for watchers', async () => {
    const own = await startTestServer();
    const api = new RawApi(own.url);
    const feed = await api.watch('/__admin/events');
    await until(() => own.app.ctx.streams.size === 1, 'the feed to open');
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    await feed.ended;
    expect(feed.names()).toEqual(['error']);
    expect(feed.events[0].json).toMatchObject({ error: { code: 'server_shutdown', type: 'server_error' } });
  });
});
