/**
 * Soak: mixed traffic against the child server for SOAK_SECONDS (default 60) over loopback, memory
 * sampled every 3 s. No request may fail unexpectedly, and memory must not trend upward: the median
 * of the last third of the samples within 1.3x that of the middle third (the first third is warm-up:
 * JIT, the tokenizer, the validators, SQLite's page cache, the request journal), for both the RSS and
 * the V8 heap in use.
 *
 * V8 collects lazily: left alone, RSS climbs for tens of seconds and then drops by a third at a full
 * collection, and thirds of a 60 s run can fall on either side of that. So each sample comes after a
 * full GC, asked for with SIGUSR2 through a preloaded probe (gc-probe.js; the server itself is the
 * unchanged dist/cli.js), and /proc's VmRSS is read at the same moment as a cross-check.
 *
 * The traffic: text runs polled to the end, tool-call round trips, streamed runs read to `[DONE]`,
 * lists and retrieves, expected 404s and 400s, threads deleted again; three API keys (tenants).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GC_PROBE_ARGS,
  sampleAfterGc,
  sleep,
  startChild,
  TERMINAL,
  WEATHER_TOOL,
  type Child,
  type GcSample,
  type RunShape,
} from './child.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const WORKERS = 6;
const SAMPLE_MS = 3_000;
const KEYS = ['sk-soak-a', 'sk-soak-b', 'sk-soak-c'];

interface Stats {
  requests: number;
  /** The first 20 unexpected answers; `errorCount` counts them all. */
  errors: string[];
  errorCount: number;
  runs: number;
  streams: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

class Traffic {
  constructor(
    private readonly base: string,
    private readonly key: string,
    private readonly stats: Stats,
  ) {}

  async call<T>(method: string, path: string, body: unknown, expected: number): Promise<T> {
    this.stats.requests++;
    let res: Response;
    try {
      res = await fetch(`${this.base}/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      this.fail(`${method} ${path}: ${String(error)}`);
      throw error;
    }
    const text = await res.text();
    if (res.status !== expected) this.fail(`${method} ${path}: ${res.status} (expected ${expected}) ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  private fail(message: string): void {
    this.stats.errorCount++;
    if (this.stats.errors.length < 20) this.stats.errors.push(message);
  }

  async poll(threadId: string, runId: string): Promise<RunShape> {
    for (let i = 0; i < 1_000; i++) {
      const run = await this.call<RunShape>('GET', `/threads/${threadId}/runs/${runId}`, undefined, 200);
      if (TERMINAL.has(run.status) || run.status === 'requires_action') return run;
      await sleep(5);
    }
    throw new Error(`run ${runId} did not settle`);
  }

  async textRun(assistantId: string): Promise<void> {
    const thread = await this.call<{ id: string }>(
      'POST',
      '/threads',
      { messages: [{ role: 'user', content: 'Hello there, soak test' }] },
      200,
    );
    const run = await this.call<RunShape>('POST', `/threads/${thread.id}/runs`, { assistant_id: assistantId }, 200);
    const done = await this.poll(thread.id, run.id);
    if (done.status !== 'completed') this.fail(`text run ended ${done.status}`);
    await this.call('GET', `/threads/${thread.id}/messages?limit=20`, undefined, 200);
    await this.call('GET', `/threads/${thread.id}/runs/${run.id}/steps`, undefined, 200);
    await this.call('DELETE', `/threads/${thread.id}`, undefined, 200);
    this.stats.runs++;
  }

  async toolRun(assistantId: string): Promise<void> {
    const thread = await this.call<{ id: string }>(
      'POST',
      '/threads',
      { messages: [{ role: 'user', content: 'What is the weather in Lyon?' }] },
      200,
    );
    const run = await this.call<RunShape>('POST', `/threads/${thread.id}/runs`, { assistant_id: assistantId }, 200);
    const waiting = await this.poll(thread.id, run.id);
    if (waiting.status !== 'requires_action') return this.fail(`tool run reached ${waiting.status}`);
    const calls = waiting.required_action?.submit_tool_outputs.tool_calls ?? [];
    await this.call(
      'POST',
      `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`,
      { tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: 'sunny, 24 C' })) },
      200,
    );
    const done = await this.poll(thread.id, run.id);
    if (done.status !== 'completed') this.fail(`tool run ended ${done.status}`);
    // Half the threads stay: the database grows through the soak, as a real one would.
    if (Math.random() < 0.5) await this.call('DELETE', `/threads/${thread.id}`, undefined, 200);
    this.stats.runs++;
  }

  async streamedRun(assistantId: string): Promise<void> {
    const thread = await this.call<{ id: string }>('POST', '/threads', { messages: [{ role: 'user', content: 'Stream me a reply' }] }, 200);
    this.stats.requests++;
    const res = await fetch(`${this.base}/v1/threads/${thread.id}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, stream: true }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('event: thread.run.completed') || !text.trimEnd().endsWith('data: [DONE]')) {
      this.fail(`stream: ${res.status} ${text.slice(-200)}`);
    }
    // Every other stream is abandoned half-way instead: the server must let go of it.
    const again = await this.call<{ id: string }>('POST', '/threads', { messages: [{ role: 'user', content: 'Stream and hang up' }] }, 200);
    const controller = new AbortController();
    this.stats.requests++;
    try {
      const cut = await fetch(`${this.base}/v1/threads/${again.id}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ assistant_id: assistantId, stream: true }),
        signal: controller.signal,
      });
      const reader = cut.body?.getReader();
      await reader?.read();
      controller.abort();
    } catch {
      /* the abort itself */
    }
    await this.call('DELETE', `/threads/${thread.id}`, undefined, 200);
    this.stats.streams += 2;
  }

  async readsAndErrors(assistantId: string): Promise<void> {
    await this.call('GET', `/assistants/${assistantId}`, undefined, 200);
    await this.call('GET', '/assistants?limit=20', undefined, 200);
    await this.call('GET', '/threads/thread_doesnotexist0000000000', undefined, 404);
    await this.call('POST', '/threads', '{"messages": [', 400);
    await this.call('POST', '/assistants', { model: 42 }, 400);
    await this.call('GET', '/threads/not_a_thread/messages', undefined, 400);
  }
}

describe('soak: mixed traffic with memory sampled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-soak-'));
  let child: Child | undefined;

  afterAll(async () => {
    await child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`runs ${SECONDS} s without an error or a growing memory`, { timeout: (SECONDS + 90) * 1000 }, async () => {
    child = await startChild(join(dir, 'soak.db'), { nodeArgs: GC_PROBE_ARGS });
    const base = child.url;
    const stats: Stats = { requests: 0, errors: [], errorCount: 0, runs: 0, streams: 0 };
    const assistants = new Map<string, string>();
    for (const key of KEYS) {
      const res = await fetch(`${base}/v1/assistants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', tools: [WEATHER_TOOL] }),
      });
      assistants.set(key, ((await res.json()) as { id: string }).id);
    }

    const samples: GcSample[] = [];
    /** stats.requests when each sample was taken. */
    const requestsAt: number[] = [];
    const running = child;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(SAMPLE_MS);
        const sample = await sampleAfterGc(running);
        if (sample) {
          samples.push(sample);
          requestsAt.push(stats.requests);
        }
      }
    })();
    const deadline = Date.now() + SECONDS * 1000;
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      const key = KEYS[w % KEYS.length];
      const traffic = new Traffic(base, key, stats);
      const assistantId = assistants.get(key)!;
      for (let i = 0; Date.now() < deadline; i++) {
        try {
          switch ((i + w) % 4) {
            case 0:
              await traffic.textRun(assistantId);
              break;
            case 1:
              await traffic.toolRun(assistantId);
              break;
            case 2:
              await traffic.streamedRun(assistantId);
              break;
            default:
              await traffic.readsAndErrors(assistantId);
          }
        } catch {
          // Already counted; go on with the next step.
        }
      }
    });
    await Promise.all(workers);
    sampling = false;
    await sampler;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const third = Math.floor(samples.length / 3);
    const trend = (pick: (s: GcSample) => number) => {
      const middle = median(samples.slice(third, 2 * third).map(pick));
      const last = median(samples.slice(2 * third).map(pick));
      return { middle, last, ratio: last / middle };
    };
    const rss = trend((s) => s.rss);
    const heap = trend((s) => s.heapUsed);
    // The sharper test: heap kept per request after warm-up (median of three samples at each end).
    // A leak of a few KB per abandoned stream showed as ~250 B/request here; what remains is the
    // tokenizer's merge cache filling (an LRU of 100,000 entries, ~40 B/request), docs/reliability.md.
    const startHeap = median(samples.slice(third, third + 3).map((s) => s.heapUsed));
    const endHeap = median(samples.slice(-3).map((s) => s.heapUsed));
    const perRequest = (endHeap - startHeap) / (requestsAt[requestsAt.length - 2] - requestsAt[third + 1]);
    const MiB = (n: number) => (n / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `soak: ${SECONDS} s, ${stats.requests} requests, ${stats.runs} runs, ${stats.streams} streams, ${stats.errorCount} errors\n` +
        `  RSS after GC (MiB): ${samples.map((s) => MiB(s.rss)).join(' ')}\n` +
        `  heap used after GC (MiB): ${samples.map((s) => MiB(s.heapUsed)).join(' ')}\n` +
        `  RSS middle third median ${MiB(rss.middle)}, last third ${MiB(rss.last)} (${rss.ratio.toFixed(2)}x); ` +
        `heap ${MiB(heap.middle)} -> ${MiB(heap.last)} (${heap.ratio.toFixed(2)}x); peak /proc VmRSS ${MiB(Math.max(...samples.map((s) => s.procRss)))}; ` +
        `heap kept per request after warm-up ${perRequest.toFixed(0)} B\n`,
    );
    expect(stats.errors).toEqual([]);
    expect(stats.errorCount).toBe(0);
    expect(samples.length).toBeGreaterThanOrEqual(9);
    expect(stats.runs).toBeGreaterThan(SECONDS);
    expect(rss.ratio).toBeLessThanOrEqual(1.3);
    expect(heap.ratio).toBeLessThanOrEqual(1.3);
    expect(perRequest).toBeLessThan(120);
  });
});
