/**
 * Request throughput and latency with autocannon over loopback. Each of the mock's measured routes
 * stands against a bare Fastify baseline doing the same work, each baseline in its own child process:
 * - retrieve a thread vs a route answering a constant thread-shaped object;
 * - list a page of 20 messages vs a route answering the identical list body bytes (fetched once from
 *   the mock, served with the same content-type);
 * - create a message vs a route that parses the same JSON body, runs one prepared INSERT into a WAL
 *   SQLite table (better-sqlite3, the pragmas of src/store/database.ts) and answers a body of the
 *   same size as the mock's answer.
 * Baseline and mock alternate in several rounds (which goes first alternates too) and each target ratio
 * is the median of the rounds' ratios, so that a machine that gets busier mid-run (they are shared)
 * moves both sides alike. Each
 * route's latency is also measured alone (one request at a time), where autocannon's whole
 * milliseconds say little.
 */
import autocannon, { type Options, type Result } from 'autocannon';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WAL_AUTOCHECKPOINT_PAGES } from '../src/store/database.js';
import {
  cpuMsOf,
  httpJson,
  httpRaw,
  median,
  percentile,
  removeDir,
  sequentialLatencies,
  spawnAndWait,
  spawnMock,
  tempDir,
  type ChildServer,
} from './lib.js';

export interface LoadFigures {
  name: string;
  rps: number;
  /** Under load (autocannon, whole milliseconds). */
  p50: number;
  p99: number;
  /** One request at a time on one kept-alive connection, timed by the client (ms). */
  alone?: { p50: number; p99: number };
  requests: number;
  errors: number;
  non2xx: number;
  /**
   * The server's CPU time (user + system, from /proc) per request answered, in µs. On a shared machine
   * it moves less than req/s: another process taking the cores slows the server but barely changes
   * what each request costs it.
   */
  cpuUs?: number;
}

/** One of the mock's routes against its baseline, alternating round by round. */
export interface Comparison {
  key: 'retrieve' | 'list' | 'create';
  /** The baseline in each round, then their mean (with its latency alone). */
  bare: LoadFigures[];
  /** The mock's route in each round, then their mean (with its latency alone). */
  mock: LoadFigures[];
  /** Median over the rounds of mock rps / baseline rps. */
  ratio: number;
  /** Each round's ratio, in order. */
  ratios: number[];
  /** Median over the rounds of baseline CPU per request / mock CPU per request (1 = as cheap as the baseline). */
  cpuRatio: number;
}

export interface HttpResult {
  connections: number;
  durationS: number;
  rounds: number;
  retrieve: Comparison;
  list: Comparison;
  create: Comparison;
  /** Bytes of the list body both sides answer, and of the mock's create answer. */
  listBytes: number;
  createBytes: number;
  /** Retrieve with the default request log (LOG_LEVEL=info), against the retrieve baseline's mean. */
  logged: LoadFigures;
}

const BARE_FASTIFY = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
const thread = { id: 'thread_abc123', object: 'thread', created_at: 1700000000, metadata: {}, tool_resources: {} };
app.get('/v1/threads/:thread_id', async () => thread);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

/** Answers the bytes of BODY_FILE (the mock's own list page) with CONTENT_TYPE: the same bytes, no work. */
const BARE_LIST = `
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
const app = Fastify({ logger: false });
const body = readFileSync(process.env.BODY_FILE);
const type = process.env.CONTENT_TYPE;
app.get('/v1/threads/:thread_id/messages', (request, reply) => { reply.type(type).send(body); });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

/**
 * Parses the JSON body (Fastify's parser), runs one prepared INSERT into a WAL table with the mock's
 * pragmas, and answers a JSON object of BODY_BYTES bytes built from the row (a fixed-width id, so the
 * padding computed once keeps every answer the same size).
 */
const BARE_CREATE = `
import Fastify from 'fastify';
import Database from 'better-sqlite3';
const db = new Database(process.env.DB_FILE);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = ' + process.env.WAL_AUTOCHECKPOINT);
db.exec('CREATE TABLE messages (seq INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL, created_at INTEGER NOT NULL)');
const insert = db.prepare('INSERT INTO messages (thread_id, role, content, created_at) VALUES (?, ?, ?, ?)');
const size = Number(process.env.BODY_BYTES);
const shape = (seq, threadId, message, createdAt, pad) => ({
  id: 'msg_' + String(seq).padStart(24, '0'), object: 'thread.message', created_at: createdAt, thread_id: threadId,
  role: message.role, content: message.content, pad,
});
const padding = ' '.repeat(Math.max(0, size - Buffer.byteLength(JSON.stringify(shape(0, 'thread_abc123', { role: 'user', content: process.env.CONTENT }, 1700000000, '')))));
const app = Fastify({ logger: false });
app.post('/v1/threads/:thread_id/messages', (request, reply) => {
  const message = request.body;
  const createdAt = Math.floor(Date.now() / 1000);
  const seq = insert.run(request.params.thread_id, message.role, message.content, createdAt).lastInsertRowid;
  reply.type('application/json').send(JSON.stringify(shape(seq, request.params.thread_id, message, createdAt, padding)));
});
app.get('/healthz', () => 'ok');
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

async function load(
  name: string,
  url: string,
  connections: number,
  durationS: number,
  extra: Partial<Options> = {},
  warmUp = true,
  pid?: number,
) {
  // One unrecorded second first: JIT, caches and connections warm up.
  if (warmUp) await autocannon({ url, connections, duration: 1, ...extra });
  const cpuBefore = pid === undefined ? NaN : cpuMsOf(pid);
  const r: Result = await autocannon({ url, connections, duration: durationS, ...extra });
  const cpuMs = pid === undefined ? NaN : cpuMsOf(pid) - cpuBefore;
  const figures: LoadFigures = {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    cpuUs: Number.isFinite(cpuMs) && r.requests.total > 0 ? (cpuMs * 1000) / r.requests.total : undefined,
  };
  return figures;
}

/** Latency of one request at a time (no queueing behind the other connections), sub-millisecond. */
async function alone(url: string, method = 'GET', body?: unknown): Promise<{ p50: number; p99: number }> {
  const values = await sequentialLatencies(url, 500, 50, method, body);
  return { p50: median(values), p99: percentile(values, 99) };
}

async function seedThread(base: string, messages: number): Promise<string> {
  const thread = await httpJson<{ id: string }>('POST', `${base}/v1/threads`, {});
  for (let i = 0; i < messages; i++) {
    const res = await httpJson('POST', `${base}/v1/threads/${thread.body.id}/messages`, { role: 'user', content: `message ${i}` });
    if (res.status !== 200) throw new Error(`seeding: ${res.status}`);
  }
  return thread.body.id;
}

function mean(list: LoadFigures[], name: string): LoadFigures {
  const avg = (pick: (x: LoadFigures) => number) => list.reduce((n, x) => n + pick(x), 0) / list.length;
  return {
    name,
    rps: avg((x) => x.rps),
    p50: avg((x) => x.p50),
    p99: avg((x) => x.p99),
    requests: list.reduce((n, x) => n + x.requests, 0),
    errors: list.reduce((n, x) => n + x.errors, 0),
    non2xx: list.reduce((n, x) => n + x.non2xx, 0),
    cpuUs: list.every((x) => x.cpuUs !== undefined) ? avg((x) => x.cpuUs!) : undefined,
  };
}

/** Baseline and mock alternate for `rounds` rounds (warm-up before the first of each). */
async function compare(
  key: Comparison['key'],
  names: { bare: string; mock: string },
  bareServer: ChildServer,
  bareUrl: string,
  mockServer: ChildServer,
  mockUrl: string,
  connections: number,
  durationS: number,
  rounds: number,
  request: { options?: Partial<Options>; method?: string; body?: unknown } = {},
): Promise<Comparison> {
  const bare: LoadFigures[] = [];
  const mock: LoadFigures[] = [];
  for (let r = 0; r < rounds; r++) {
    const warm = r === 0;
    const loadBare = async () =>
      bare.push(await load(`${names.bare}, round ${r + 1}`, bareUrl, connections, durationS, request.options, warm, bareServer.pid));
    const loadMock = async () =>
      mock.push(await load(`${names.mock}, round ${r + 1}`, mockUrl, connections, durationS, request.options, warm, mockServer.pid));
    // The baseline first in odd rounds, the mock first in even ones: on a shared machine whose load
    // rises or falls through a round, the side measured second would otherwise always get the change.
    if (r % 2 === 0) {
      await loadBare();
      await loadMock();
    } else {
      await loadMock();
      await loadBare();
    }
  }
  const ratios = mock.map((x, i) => x.rps / bare[i].rps);
  const cpuRatios = mock.map((x, i) => (bare[i].cpuUs ?? NaN) / (x.cpuUs ?? NaN));
  const bareMean = { ...mean(bare, `${names.bare}, mean of the rounds`), alone: await alone(bareUrl, request.method, request.body) };
  const mockMean = { ...mean(mock, `${names.mock}, mean of the rounds`), alone: await alone(mockUrl, request.method, request.body) };
  return { key, bare: [...bare, bareMean], mock: [...mock, mockMean], ratio: median(ratios), ratios, cpuRatio: median(cpuRatios) };
}

/**
 * 11 rounds of 2 s per side rather than 5 of 3 s: on the shared 2-core machines these run on, the
 * ratio of one round moved between 0.22 and 0.76 within a run (docs/benchmarks.md, 2026-12-01, load
 * 7-9); more, shorter rounds put each pair closer in time and give the median more rounds to stand on.
 */
export async function benchHttp(connections = 8, durationS = 2, rounds = 11): Promise<HttpResult> {
  const dir = tempDir();
  const servers: ChildServer[] = [];
  try {
    const server = await spawnMock({ dbPath: join(dir, 'http.db') });
    servers.push(server);
    const retrieveUrl = `${server.url}/v1/threads/${await seedThread(server.url, 0)}`;
    const listUrl = `${server.url}/v1/threads/${await seedThread(server.url, 50)}/messages?limit=20`;
    const createThread = await seedThread(server.url, 0);
    const createUrl = `${server.url}/v1/threads/${createThread}/messages`;
    const message = { role: 'user', content: 'Hello, how are you today?' };

    // The list baseline serves the mock's own page, byte for byte.
    const page = await httpRaw('GET', listUrl);
    if (page.status !== 200) throw new Error(`list page: ${page.status}`);
    const bodyFile = join(dir, 'list-body');
    writeFileSync(bodyFile, page.bytes);
    // The create baseline answers as many bytes as the mock's create answer (taken on a spare thread).
    const sample = await httpRaw('POST', `${server.url}/v1/threads/${await seedThread(server.url, 0)}/messages`, message);
    if (sample.status !== 200) throw new Error(`create sample: ${sample.status}`);

    const bareRetrieve = await spawnAndWait(['--input-type=module', '-e', BARE_FASTIFY], { healthPath: '/v1/threads/thread_abc123' });
    servers.push(bareRetrieve);
    const bareList = await spawnAndWait(['--input-type=module', '-e', BARE_LIST], {
      healthPath: '/v1/threads/thread_abc123/messages',
      env: { BODY_FILE: bodyFile, CONTENT_TYPE: page.contentType },
    });
    servers.push(bareList);
    const bareCreate = await spawnAndWait(['--input-type=module', '-e', BARE_CREATE], {
      env: {
        DB_FILE: join(dir, 'bare-create.db'),
        WAL_AUTOCHECKPOINT: String(WAL_AUTOCHECKPOINT_PAGES),
        BODY_BYTES: String(sample.bytes.length),
        CONTENT: message.content,
      },
    });
    servers.push(bareCreate);

    const retrieve = await compare(
      'retrieve',
      { bare: 'bare Fastify route (constant thread)', mock: 'GET /v1/threads/{id} (retrieve thread)' },
      bareRetrieve,
      `${bareRetrieve.url}/v1/threads/thread_abc123`,
      server,
      retrieveUrl,
      connections,
      durationS,
      rounds,
    );
    const list = await compare(
      'list',
      { bare: 'bare Fastify route (same list bytes)', mock: 'GET /v1/threads/{id}/messages (list, 20 per page)' },
      bareList,
      `${bareList.url}/v1/threads/thread_abc123/messages?limit=20`,
      server,
      listUrl,
      connections,
      durationS,
      rounds,
    );
    const post: Partial<Options> = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) };
    const create = await compare(
      'create',
      { bare: 'bare Fastify route (parse + one INSERT)', mock: 'POST /v1/threads/{id}/messages (create message)' },
      bareCreate,
      `${bareCreate.url}/v1/threads/thread_abc123/messages`,
      server,
      createUrl,
      connections,
      durationS,
      rounds,
      { options: post, method: 'POST', body: message },
    );

    // The default LOG_LEVEL (info) writes one JSON line per request; its cost, for the record.
    const logging = await spawnMock({ dbPath: join(dir, 'http-info.db'), args: ['--log-level', 'info', '--log-format', 'json'] });
    servers.push(logging);
    const loggedUrl = `${logging.url}/v1/threads/${await seedThread(logging.url, 0)}`;
    const logged = {
      ...(await load('GET /v1/threads/{id} with LOG_LEVEL=info', loggedUrl, connections, durationS, {}, true, logging.pid)),
      alone: await alone(loggedUrl),
    };

    return {
      connections,
      durationS,
      rounds,
      retrieve,
      list,
      create,
      listBytes: page.bytes.length,
      createBytes: sample.bytes.length,
      logged,
    };
  } finally {
    for (const s of servers) await s.kill();
    removeDir(dir);
  }
}
