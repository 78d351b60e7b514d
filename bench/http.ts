/**
 * Request throughput and latency with autocannon over loopback: retrieve a thread, list messages
 * (20 per page), create a message, against a bare Fastify route that returns a constant thread-shaped
 * object. Every server is a child process, both up at once. The bare route and the mock's retrieve
 * alternate in several rounds and the target ratio is the median of the rounds' ratios, so that a
 * machine that gets busier mid-run (they are shared) moves both sides of a ratio alike. Each route's
 * latency is also measured alone (one request at a time), where autocannon's whole milliseconds say
 * little.
 */
import autocannon, { type Options, type Result } from 'autocannon';
import { join } from 'node:path';
import { httpJson, median, percentile, removeDir, sequentialLatencies, spawnAndWait, spawnMock, tempDir, type ChildServer } from './lib.js';

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
}

export interface HttpResult {
  connections: number;
  durationS: number;
  rounds: number;
  /** The bare route in each round (paired with retrieveRounds), then their mean. */
  bare: LoadFigures[];
  retrieveRounds: LoadFigures[];
  /** Mean of the bare rounds. */
  bareRps: number;
  /** Median over the rounds of retrieve rps / bare rps. */
  retrieveRatio: number;
  /** Retrieve (mean of the rounds), list, create, retrieve with info logs. */
  routes: LoadFigures[];
}

const BARE_FASTIFY = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
const thread = { id: 'thread_abc123', object: 'thread', created_at: 1700000000, metadata: {}, tool_resources: {} };
app.get('/v1/threads/:thread_id', async () => thread);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

async function load(name: string, url: string, connections: number, durationS: number, extra: Partial<Options> = {}, warmUp = true) {
  // One unrecorded second first: JIT, caches and connections warm up.
  if (warmUp) await autocannon({ url, connections, duration: 1, ...extra });
  const r: Result = await autocannon({ url, connections, duration: durationS, ...extra });
  const figures: LoadFigures = {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
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
  };
}

export async function benchHttp(connections = 8, durationS = 3, rounds = 5): Promise<HttpResult> {
  const dir = tempDir();
  const bareRounds: LoadFigures[] = [];
  const retrieveRounds: LoadFigures[] = [];
  const routes: LoadFigures[] = [];
  const servers: ChildServer[] = [];
  try {
    const bareServer = await spawnAndWait(['--input-type=module', '-e', BARE_FASTIFY], { healthPath: '/v1/threads/thread_abc123' });
    servers.push(bareServer);
    const server = await spawnMock({ dbPath: join(dir, 'http.db') });
    servers.push(server);
    const bareUrl = `${bareServer.url}/v1/threads/thread_abc123`;
    const retrieveUrl = `${server.url}/v1/threads/${await seedThread(server.url, 0)}`;
    const listUrl = `${server.url}/v1/threads/${await seedThread(server.url, 50)}/messages?limit=20`;
    const createUrl = `${server.url}/v1/threads/${await seedThread(server.url, 0)}/messages`;
    const message = { role: 'user', content: 'Hello, how are you today?' };

    for (let r = 0; r < rounds; r++) {
      const warm = r === 0;
      bareRounds.push(await load(`bare Fastify route (constant), round ${r + 1}`, bareUrl, connections, durationS, {}, warm));
      retrieveRounds.push(await load(`GET /v1/threads/{id}, round ${r + 1}`, retrieveUrl, connections, durationS, {}, warm));
    }
    const bareMean = { ...mean(bareRounds, 'bare Fastify route (constant), mean of the rounds'), alone: await alone(bareUrl) };
    routes.push({ ...mean(retrieveRounds, 'GET /v1/threads/{id} (retrieve thread)'), alone: await alone(retrieveUrl) });
    routes.push({
      ...(await load('GET /v1/threads/{id}/messages (list, 20 per page)', listUrl, connections, durationS)),
      alone: await alone(listUrl),
    });
    const post: Partial<Options> = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) };
    routes.push({
      ...(await load('POST /v1/threads/{id}/messages (create message)', createUrl, connections, durationS, post)),
      alone: await alone(createUrl, 'POST', message),
    });

    // The default LOG_LEVEL (info) writes one JSON line per request; its cost, for the record.
    const logging = await spawnMock({ dbPath: join(dir, 'http-info.db'), args: ['--log-level', 'info', '--log-format', 'json'] });
    servers.push(logging);
    const loggedUrl = `${logging.url}/v1/threads/${await seedThread(logging.url, 0)}`;
    routes.push({
      ...(await load('GET /v1/threads/{id} with LOG_LEVEL=info', loggedUrl, connections, durationS)),
      alone: await alone(loggedUrl),
    });

    const ratios = retrieveRounds.map((x, i) => x.rps / bareRounds[i].rps);
    return {
      connections,
      durationS,
      rounds,
      bare: [...bareRounds, bareMean],
      retrieveRounds,
      bareRps: bareMean.rps,
      retrieveRatio: median(ratios),
      routes,
    };
  } finally {
    for (const s of servers) await s.kill();
    removeDir(dir);
  }
}
