/**
 * Bad input, the long pass: many more fast-check cases through app.inject than test/fuzz.test.ts,
 * the same kind of cases over real HTTP, the routes the quick pass leaves out (reset, faults), and
 * malformed HTTP on a raw socket. FUZZ_RUNS and FUZZ_SEED override the count and the seed.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { caseArbitrary, check, fuzzInject, injector, listRoutes, requestOptions, resolve, seed, skipped, type Seeds } from './fuzz-kit.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const HTTP_RUNS = Math.max(100, Math.floor(RUNS / 12));
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
}

interface SendOptions {
  method: string;
  url: string;
  payload?: string | Buffer;
  headers: Record<string, string>;
}

/** One request over a real socket; the path goes out as it is (no URL normalisation). */
function send(port: number, options: SendOptions): Promise<HttpAnswer> {
  return new Promise((done, fail) => {
    // An explicit Content-Length: without it Node's client sends a GET's body unframed (malformed HTTP).
    const length = options.payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.payload)) };
    const req = request(
      { host: '127.0.0.1', port, method: options.method, path: options.url, headers: { ...options.headers, ...length }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: String(res.headers['content-type'] ?? ''),
          }),
        );
        // A connection that goes away mid-response is a failure, not a wait without end.
        res.on('close', () => {
          if (!res.complete) fail(new Error(`response cut off: ${options.method} ${options.url.slice(0, 200)}`));
        });
      },
    );
    req.on('error', fail);
    // A request the server never answers is a failure of its own, reported with its case.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer in 10 s: ${options.method} ${options.url.slice(0, 200)}`)));
    if (options.payload !== undefined) req.write(options.payload);
    req.end();
  });
}

/** Writes raw bytes and reads until the server closes or answers; resolves with what came back. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      done(text);
    }, 3_000);
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(text);
    });
    socket.write(bytes);
  });
}

describe(`bad input (fuzz, long; seed ${SEED})`, () => {
  let app: FastifyInstance;
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = tempDir('am-fuzz-long-');
    app = await buildApp({ dbPath: join(dir, 'fuzz.db'), logger: false });
    await app.ready();
    server = await startTestServer();
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${RUNS} cases through app.inject`, { timeout: 240_000 }, async () => {
    const { statuses } = await fuzzInject(app, RUNS, SEED);
    process.stdout.write(`fuzz (inject): ${RUNS} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))} (seed ${SEED})\n`);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it(`${HTTP_RUNS} cases over real HTTP`, { timeout: 120_000 }, async () => {
    const { port } = server;
    const viaHttp = async (options: Parameters<ReturnType<typeof injector>>[0]) => {
      const res = await send(port, { method: options.method, url: options.url, payload: options.payload, headers: options.headers ?? {} });
      return { statusCode: res.status, body: res.body, headers: { 'content-type': res.contentType } };
    };
    let seeds: Seeds = await seed(viaHttp);
    const routes = listRoutes(server.app).filter((r) => !skipped(r));
    let count = 0;
    await fc.assert(
      fc.asyncProperty(caseArbitrary(routes), async (drawn) => {
        if (++count % 100 === 0) seeds = await seed(viaHttp);
        // No body on a GET over a real socket: Fastify does not read one, and Node then resets the
        // connection under a large answer (docs/reliability.md). app.inject covers GET bodies.
        const c = resolve(drawn.route.method === 'GET' ? { ...drawn, body: undefined, contentType: undefined } : drawn, seeds);
        const res = await send(port, requestOptions(c));
        check(c, res);
      }),
      { numRuns: HTTP_RUNS, seed: SEED, endOnFailure: true },
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('the control routes the quick pass leaves out: faults (cleared after each) and reset', { timeout: 60_000 }, async () => {
    const inject = injector(app);
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            method: fc.oneof(fc.constantFrom('GET', 'POST', '*', 'get'), fc.string()),
            path: fc.oneof(fc.constantFrom('/v1/threads', '/v1/*', '/^\\/v1/', '/[/', '*'), fc.string()),
            status: fc.oneof(fc.integer({ min: -5, max: 700 }), fc.constantFrom(429, 500, 503)),
            count: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double()),
            probability: fc.double(),
            latency_ms: fc.integer({ min: -10, max: 10 }),
            retry_after: fc.jsonValue(),
            seed: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const c = {
          route: { method: 'POST' as const, path: '/__admin/faults' },
          url: '/__admin/faults',
          body,
          contentType: 'application/json',
          headers: {},
        };
        const res = await inject({ method: 'POST', url: c.url, payload: body, headers: { 'content-type': 'application/json' } });
        check(c, { status: res.statusCode, body: res.body, contentType: String(res.headers['content-type'] ?? '') });
        const cleared = await inject({ method: 'DELETE', url: '/__admin/faults' });
        expect(cleared.statusCode).toBeLessThan(300);
      }),
      { numRuns: 300, seed: SEED },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async (body) => {
          const c = {
            route: { method: 'POST' as const, path: '/__admin/reset' },
            url: '/__admin/reset',
            body,
            contentType: 'application/json',
            headers: {},
          };
          const res = await inject({ method: 'POST', url: c.url, payload: body, headers: { 'content-type': 'application/json' } });
          check(c, { status: res.statusCode, body: res.body, contentType: String(res.headers['content-type'] ?? '') });
        },
      ),
      { numRuns: 100, seed: SEED },
    );
    // A normal request still works: no fault left behind.
    const thread = await inject({ method: 'POST', url: '/v1/threads', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(thread.statusCode).toBe(200);
  });

  it(
    'malformed HTTP on a raw socket gets a 4xx or a closed connection, never a 5xx, and the server stays healthy',
    { timeout: 60_000 },
    async () => {
      const { port } = server;
      const cases = [
        'GARBAGE\r\n\r\n',
        'GET /v1/threads/thread_x HTTP/9.9\r\nHost: x\r\n\r\n',
        'POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
        'POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
        'POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        'POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
        `GET /v1/threads/thread_x HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        'GET /v1/threads/thread_x HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n',
        'GET /v1/threads/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET \u00ff\u00fe HTTP/1.1\r\nHost: x\r\n\r\n',
        `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ];
      const seen: string[] = [];
      for (const bytes of cases) {
        const answer = await raw(port, bytes);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        seen.push(status ?? 'closed');
        if (status) expect(Number(status), JSON.stringify(bytes.slice(0, 80))).toBeLessThan(500);
      }
      process.stdout.write(`fuzz (raw HTTP): ${seen.join(', ')}\n`);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    },
  );
});
