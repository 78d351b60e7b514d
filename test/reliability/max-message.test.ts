/**
 * A message of the largest legal size (256,000 characters, the real API's limit) costs bounded time
 * and memory to tokenize and to stream: the server (a child process) keeps answering /healthz while a
 * streamed run echoes it back, and its memory grows by tens of megabytes, not gigabytes. Two shapes:
 * letters without a space (the tokenizer's worst case: one byte-pair run, quadratic in one piece)
 * and short words (the streaming worst case: one delta per word).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, rssOf, sleep, startChild, type Child } from './child.js';

const MAX = 256_000;

function randomLetters(n: number): string {
  let out = '';
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out += String.fromCharCode(97 + (seed % 26));
  }
  return out;
}

describe('a maximum-size message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-maxmsg-'));
  let child: Child;
  let assistantId: string;

  beforeAll(async () => {
    child = await startChild(join(dir, 'max.db'));
    assistantId = (await call<{ id: string }>(child.url, 'POST', '/v1/assistants', { model: 'gpt-4o' })).body.id;
    // Warm the tokenizer and the routes so the baseline includes them.
    await streamRun('warm up');
  });
  afterAll(async () => {
    await child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Streams a run over a new thread with `content`; resolves with the SSE text. */
  async function streamRun(content: string): Promise<string> {
    const res = await fetch(`${child.url}/v1/threads/runs`, {
      method: 'POST',
      signal: AbortSignal.timeout(120_000),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, stream: true, thread: { messages: [{ role: 'user', content }] } }),
    });
    expect(res.status).toBe(200);
    return res.text();
  }

  for (const [shape, content] of [
    ['letters without a space', randomLetters(MAX)],
    ['short words', 'ab '.repeat(MAX / 3)],
  ] as const) {
    it(`${shape}: the run completes, /healthz keeps answering, memory stays bounded`, async () => {
      expect(content.length).toBeLessThanOrEqual(MAX);
      const before = rssOf(child.pid);
      let peak = before;
      let running = true;
      let slowestHealth = 0;
      const watcher = (async () => {
        while (running) {
          peak = Math.max(peak, rssOf(child.pid));
          const t0 = Date.now();
          const res = await fetch(`${child.url}/healthz`, { signal: AbortSignal.timeout(30_000) });
          expect(res.status).toBe(200);
          slowestHealth = Math.max(slowestHealth, Date.now() - t0);
          await sleep(50);
        }
      })();
      const sse = await streamRun(content);
      running = false;
      await watcher;
      expect(sse).toContain('event: thread.run.completed');
      expect(sse).not.toContain('event: thread.run.failed');
      // Generous bounds for a shared CI machine; before the fix the first shape failed the run
      // (stack overflow in the tokenizer) and 16 MB messages grew the process by ~3 GB.
      expect(slowestHealth).toBeLessThan(10_000);
      expect(peak - before).toBeLessThan(512 * 1024 * 1024);
    });
  }

  it('one character more is the real 400', async () => {
    const res = await call<{ error: { message: string } }>(child.url, 'POST', '/v1/threads', {
      messages: [{ role: 'user', content: 'x'.repeat(MAX + 1) }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      "Invalid 'messages[0].content': string too long. Expected a string with maximum length 256000, but got a string with length 256001 instead.",
    );
  });
});
