/**
 * Limits, against the child server started with small limits (--body-limit-bytes 4096,
 * --upload-limit-bytes 8192): bodies and uploads over the limit get a 413 in the OpenAI shape;
 * clients that never read their stream, stall half-way through a request or connect and say nothing
 * do not slow the others down; the server lets go of a stream nobody reads once it has not drained
 * for the stall timeout (STREAM_STALL_TIMEOUT_MS, 10 s by default).
 *
 * Timeouts: the defaults (headers 30 s, whole request 120 s) are longer than these tests, so stalled
 * clients stay connected here; test/hardening.test.ts checks the timeouts with short settings, and that
 * they never cut a stream. docs/reliability.md ("Limits and timeouts") lists them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, GC_PROBE_ARGS, rssOf, sampleAfterGc, sleep, startChild, type Child } from './child.js';

const BODY_LIMIT = 4096;
const UPLOAD_LIMIT = 8192;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function expectOpenAiError(body: unknown): ErrorBody['error'] {
  const error = (body as ErrorBody).error;
  expect(Object.keys(body as object)).toEqual(['error']);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  expect(typeof error.type).toBe('string');
  return error;
}

/** A POST whose body goes out in chunks without a Content-Length (Transfer-Encoding: chunked). */
function chunkedPost(base: string, path: string, chunks: string[]): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

function multipart(size: number): { body: Buffer; contentType: string } {
  const boundary = 'limitsboundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.alloc(size, 'a'),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(base: string, size: number): Promise<{ status: number; body: unknown }> {
  const { body, contentType } = multipart(size);
  const res = await fetch(`${base}/v1/files`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** A raw socket that sends `head` (and `body`) and never reads what comes back. */
function rawClient(port: number, text: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.pause();
      socket.write(text, () => resolve(socket));
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** Reads a paused socket until it closes or `timeoutMs` passes. */
function drain(socket: Socket, timeoutMs: number): Promise<{ closed: boolean; text: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ closed, text: Buffer.concat(chunks).toString('utf8') });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('close', () => done(true));
    socket.resume();
  });
}

/** Latencies (ms) of `n` sequential retrieves. */
async function latencies(base: string, threadId: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/threads/${threadId}`);
    await res.text();
    expect(res.status).toBe(200);
    out.push(performance.now() - t0);
  }
  return out;
}

const p = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((q / 100) * values.length))];

describe('limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-limits-'));
  let child: Child;
  let base: string;
  let probeThread: string;

  beforeAll(async () => {
    child = await startChild(join(dir, 'limits.db'), {
      args: ['--body-limit-bytes', String(BODY_LIMIT), '--upload-limit-bytes', String(UPLOAD_LIMIT)],
    });
    base = child.url;
    probeThread = (await call<{ id: string }>(base, 'POST', '/v1/threads', {})).body.id;
  });

  afterAll(async () => {
    await child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a JSON body over the limit with a 413 in the OpenAI shape, with or without Content-Length', async () => {
    const big = { messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] };
    const res = await call(base, 'POST', '/v1/threads', big);
    expect(res.status).toBe(413);
    const error = expectOpenAiError(res.body);
    expect(error.message).toBe(`Request body too large. The maximum size is ${BODY_LIMIT} bytes.`);
    expect(error.code).toBe('request_too_large');

    const text = JSON.stringify(big);
    const chunked = await chunkedPost(base, '/v1/threads', [text.slice(0, 1000), text.slice(1000, 3000), text.slice(3000)]);
    expect(chunked.status).toBe(413);
    expect(expectOpenAiError(chunked.body).code).toBe('request_too_large');

    // Just under the limit is fine, and the server is none the worse.
    const fits = { messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT - 200) }] };
    expect((await call(base, 'POST', '/v1/threads', fits)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers an upload over the upload limit with a 413 in the OpenAI shape; uploads are not held to the JSON limit', async () => {
    const over = await upload(base, UPLOAD_LIMIT + 1_000);
    expect(over.status).toBe(413);
    expect(expectOpenAiError(over.body).message).toMatch(/^Maximum content size limit \(8192\) exceeded/);
    const under = await upload(base, UPLOAD_LIMIT - 1_000);
    expect(under.status).toBe(200);
    expect((under.body as { bytes: number }).bytes).toBe(UPLOAD_LIMIT - 1_000);
  });

  it('keeps serving others while clients never read their streams, and lets go of those streams', { timeout: 120_000 }, async () => {
    const before = await latencies(base, probeThread, 100);
    const rssBefore = rssOf(child.pid);
    // Each reply quotes its message (just under the real 256,000-character limit) 60 times, through a
    // scenario: ~15 MB of events per stream, far more than the kernel's socket buffers and the server's
    // 256 KiB backpressure window together. (A default reply is at most one message long.)
    const words = 'The quick brown fox jumps over the lazy dog again. '.repeat(4_900);
    const sockets: Socket[] = [];
    // Big user messages need a big body: these go through a server with the default limits.
    const big = await startChild(join(dir, 'limits-big.db'), { nodeArgs: GC_PROBE_ARGS });
    try {
      const scenario = await call(big.url, 'POST', '/__admin/scenarios', {
        name: 'echo-60',
        match: { message: { contains: 'quick brown fox' } },
        turns: [{ text: '{{message}} '.repeat(60) }],
      });
      expect(scenario.status).toBe(200);
      const bigAssistant = (await call<{ id: string }>(big.url, 'POST', '/v1/assistants', { model: 'gpt-4o' })).body.id;
      const bigThreads: string[] = [];
      for (let i = 0; i < 3; i++) {
        const thread = await call<{ id: string }>(big.url, 'POST', '/v1/threads', {
          messages: [{ role: 'user', content: `${i} ${words}` }],
        });
        bigThreads.push(thread.body.id);
      }
      const bigProbe = (await call<{ id: string }>(big.url, 'POST', '/v1/threads', {})).body.id;
      const baseline = await latencies(big.url, bigProbe, 100);
      const memoryBefore = await sampleAfterGc(big);
      for (const thread of bigThreads) {
        const body = JSON.stringify({ assistant_id: bigAssistant, stream: true });
        sockets.push(
          await rawClient(
            big.port,
            `POST /v1/threads/${thread}/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          ),
        );
      }
      // The runs finish although nobody reads their events: their deltas wait while the streams are
      // congested, until the stall timeout cuts the streams; then the runs go on at full speed.
      for (const thread of bigThreads) {
        let status = '';
        for (let i = 0; i < 600 && status !== 'completed'; i++) {
          await sleep(50);
          const runs = await call<{ data: { status: string }[] }>(big.url, 'GET', `/v1/threads/${thread}/runs`);
          status = runs.body.data[0]?.status ?? '';
        }
        expect(status).toBe('completed');
      }
      const during = await latencies(big.url, bigProbe, 100);
      // Others are served as fast as before (generous bounds: the machine is shared).
      expect(p(during, 50)).toBeLessThan(Math.max(5 * p(baseline, 50), p(baseline, 50) + 20));
      expect(p(during, 99)).toBeLessThan(1_000);
      // Stalled past the timeout, the server dropped the stream, so they do not pin their 20 MB each:
      // reading one now gets what the kernel buffered, then the end, without the final `[DONE]`.
      const cut = await drain(sockets[0], 5_000);
      expect(cut.closed).toBe(true);
      expect(cut.text.startsWith('HTTP/1.1 200')).toBe(true);
      expect(cut.text).not.toContain('data: [DONE]');
      // Memory after a full GC (gc-probe.js), with the sockets still open on the client side.
      const memoryAfter = await sampleAfterGc(big);
      const MiB = 1024 * 1024;
      const heldHeap = (memoryAfter!.heapUsed - memoryBefore!.heapUsed) / MiB;
      const heldRss = (memoryAfter!.rss - memoryBefore!.rss) / MiB;
      const heldExternal = (memoryAfter!.external - memoryBefore!.external) / MiB;
      // A stream the server still held would pin its unsent events: strings on the V8 heap, Buffers
      // outside it (external), both measured after a full GC.
      expect(heldHeap).toBeLessThan(32);
      expect(heldExternal).toBeLessThan(32);
      // RSS also shows the allocator's churn: before the stream was closed at once on the cut, the failed
      // writes of the rest of each run left ~420 MiB of RSS behind, which this bound catches. The code
      // since then leaves +200 to +250 MiB on a quiet machine (the runs' 45 MB of text went through the
      // engine and the tokenizer; the OS gets freed pages back lazily). How much, and when, swings with
      // load (+270 to +730 MiB for the same code at load 7 on 2 cores), so the bound holds only on a
      // machine that is not overloaded.
      const overloaded = loadavg()[0] > 1.5 * availableParallelism();
      if (!overloaded) expect(heldRss).toBeLessThan(320);
      process.stdout.write(
        `limits: retrieve p50 ${p(baseline, 50).toFixed(2)} ms before, ${p(during, 50).toFixed(2)} ms with 3 unread streams; ` +
          `after the cut and a GC: heap +${heldHeap.toFixed(1)} MiB, external +${heldExternal.toFixed(1)} MiB, RSS +${heldRss.toFixed(1)} MiB${overloaded ? ' (not bounded: load average ' + loadavg()[0].toFixed(1) + ')' : ''}\n`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await big.kill();
    }
    // The small-limit server was not involved; it is as it was.
    const after = await latencies(base, probeThread, 50);
    expect(p(after, 50)).toBeLessThan(Math.max(5 * p(before, 50), p(before, 50) + 20));
    expect(rssOf(child.pid)).toBeLessThan(rssBefore + 100 * 1024 * 1024);
  });

  it('keeps serving others while clients stall half-way through a request or connect and send nothing', async () => {
    const before = await latencies(base, probeThread, 100);
    const stalled: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      // Headers promise 1,000 bytes; 10 arrive.
      stalled.push(
        await rawClient(
          child.port,
          `POST /v1/threads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"metadata`,
        ),
      );
      // Half a request line.
      stalled.push(await rawClient(child.port, 'GET /v1/thr'));
      // Nothing at all.
      stalled.push(await rawClient(child.port, ''));
    }
    const during = await latencies(base, probeThread, 100);
    expect(p(during, 50)).toBeLessThan(Math.max(5 * p(before, 50), p(before, 50) + 20));
    expect(p(during, 99)).toBeLessThan(1_000);
    // No request timeout (documented): the stalled request is still open a few seconds later.
    await sleep(3_000);
    expect(stalled[0].destroyed).toBe(false);
    expect(stalled[0].readableEnded).toBe(false);
    for (const s of stalled) s.destroy();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
