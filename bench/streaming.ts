/**
 * Streaming: N concurrent `runs.stream()` clients (official SDK), each on its own thread, against a
 * fresh child server per N. Every stream must start with thread.run.created and end with
 * thread.run.completed. Time to first event is measured from the call; the server's RSS is sampled
 * from /proc every 25 ms. The baseline is one client at a time (time to first event, idle RSS).
 */
import OpenAI from 'openai';
import { join } from 'node:path';
import { median, MiB, percentile, pool, removeDir, RssSampler, rssOf, sleep, spawnMock, tempDir } from './lib.js';

export interface StreamWave {
  clients: number;
  completed: number;
  badOrder: number;
  failed: number;
  firstEventP50: number;
  firstEventP99: number;
  wallMs: number;
  idleRssMiB: number;
  peakRssMiB: number;
  eventsPerStream: number;
  firstError?: string;
}

export interface StreamingResult {
  single: { n: number; firstEventP50: number; firstEventP99: number };
  waves: StreamWave[];
}

interface StreamOutcome {
  firstEventMs: number;
  events: string[];
  error?: string;
}

async function oneStream(client: OpenAI, threadId: string, assistantId: string): Promise<StreamOutcome> {
  const t0 = performance.now();
  let firstEventMs = NaN;
  const events: string[] = [];
  try {
    const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistantId });
    for await (const event of stream) {
      if (events.length === 0) firstEventMs = performance.now() - t0;
      events.push(event.event);
    }
    return { firstEventMs, events };
  } catch (error) {
    return { firstEventMs, events, error: error instanceof Error ? error.message : String(error) };
  }
}

async function setup(dir: string, name: string) {
  const server = await spawnMock({ dbPath: join(dir, `${name}.db`) });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-bench', maxRetries: 0, timeout: 120_000 });
  const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
  return { server, client, assistant };
}

export async function benchStreaming(sizes = [100, 500, 1000]): Promise<StreamingResult> {
  const dir = tempDir();
  try {
    // Baseline: one stream at a time.
    const single = await setup(dir, 'stream-single');
    const singleTimes: number[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        const thread = await single.client.beta.threads.create({ messages: [{ role: 'user', content: 'Hello' }] });
        const outcome = await oneStream(single.client, thread.id, single.assistant.id);
        if (outcome.error) throw new Error(`single stream failed: ${outcome.error}`);
        if (i >= 10) singleTimes.push(outcome.firstEventMs);
      }
    } finally {
      await single.server.kill();
    }

    const waves: StreamWave[] = [];
    for (const clients of sizes) {
      const { server, client, assistant } = await setup(dir, `stream-${clients}`);
      try {
        const threads = await pool(
          Array.from({ length: clients }, (_, i) => i),
          16,
          (i) => client.beta.threads.create({ messages: [{ role: 'user', content: `Hello from client ${i}` }] }),
        );
        // Warm-up, unrecorded: the first runs of a fresh server load the tokenizer and compile code.
        for (let i = 0; i < 20; i++) {
          const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Warm up' }] });
          await oneStream(client, thread.id, assistant.id);
        }
        await sleep(300);
        const idle = rssOf(server.pid);
        const sampler = new RssSampler(server.pid).start();
        const t0 = performance.now();
        const outcomes = await Promise.all(threads.map((t) => oneStream(client, t.id, assistant.id)));
        const wallMs = performance.now() - t0;
        const peak = sampler.stop();
        const ok = outcomes.filter((o) => !o.error);
        const inOrder = ok.filter((o) => o.events[0] === 'thread.run.created' && o.events[o.events.length - 1] === 'thread.run.completed');
        const firsts = outcomes.map((o) => o.firstEventMs).filter((v) => Number.isFinite(v));
        waves.push({
          clients,
          completed: inOrder.length,
          badOrder: ok.length - inOrder.length,
          failed: outcomes.length - ok.length,
          firstEventP50: median(firsts),
          firstEventP99: percentile(firsts, 99),
          wallMs,
          idleRssMiB: idle / MiB,
          peakRssMiB: peak / MiB,
          eventsPerStream: median(ok.map((o) => o.events.length)),
          firstError: outcomes.find((o) => o.error)?.error,
        });
      } finally {
        await server.kill();
      }
    }
    return {
      single: { n: singleTimes.length, firstEventP50: median(singleTimes), firstEventP99: percentile(singleTimes, 99) },
      waves,
    };
  } finally {
    removeDir(dir);
  }
}
