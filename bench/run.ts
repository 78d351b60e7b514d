/**
 * `npm run bench`: builds, runs every benchmark against child servers (`node dist/cli.cjs`), prints a
 * summary and writes docs/benchmarks.md (overwritten each run).
 *
 *   tsx bench/run.ts                 every section, then docs/benchmarks.md
 *   tsx bench/run.ts startup http    only these sections (printed, docs untouched unless --write)
 *
 * Sections: startup, http, turnaround, streaming, scale, backend. Each figure is set against a
 * baseline measured in the same run, because the machines these run on are shared and noisy.
 *
 *   tsx bench/run.ts backend --write  runs one section and puts its figures into docs/benchmarks.md,
 *                                    replacing that section and its target rows, keeping the rest
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { benchBackend, type BackendResult } from './backend.js';
import { benchHttp, type Comparison, type HttpResult } from './http.js';
import { CLI, fmt, machine, median, ROOT, type Machine } from './lib.js';
import { benchScale, type ScaleResult } from './scale.js';
import { benchStartup, type StartupResult } from './startup.js';
import { benchStreaming, type StreamingResult } from './streaming.js';
import { benchTurnaround, type TurnaroundResult } from './turnaround.js';

const SECTIONS = ['startup', 'http', 'turnaround', 'streaming', 'scale', 'backend'] as const;
type Section = (typeof SECTIONS)[number];

interface Results {
  startup?: StartupResult;
  http?: HttpResult;
  turnaround?: TurnaroundResult;
  streaming?: StreamingResult;
  scale?: ScaleResult;
  backend?: BackendResult;
}

interface Target {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function targets(r: Results): Target[] {
  const out: Target[] = [];
  if (r.startup) {
    out.push({
      what: 'Start-up to /healthz 200 (median)',
      target: '< 300 ms',
      measured: `${fmt(r.startup.mockMedian, 0)} ms (bare node: ${fmt(r.startup.bareMedian, 0)} ms, ${fmt(r.startup.mockMedian / r.startup.bareMedian, 1)}x; CPU ${fmt(median(r.startup.mockCpuMs), 0)} ms vs ${fmt(median(r.startup.bareCpuMs), 0)} ms)`,
      met: r.startup.mockMedian < 300,
    });
  }
  if (r.http) {
    // Each ratio is the median over the rounds of the mock's req/s over its baseline's, measured
    // alternately in the same run (bench/http.ts says what each baseline does).
    const h = r.http;
    const rows: [Comparison, string, number][] = [
      [h.retrieve, 'Retrieve thread throughput vs bare Fastify route (constant body)', 0.6],
      [h.list, 'List page (20 messages) throughput vs bare Fastify route (same bytes)', 0.35],
      [h.create, 'Create message throughput vs bare Fastify route (parse + one INSERT, same size)', 0.45],
    ];
    for (const [c, what, goal] of rows) {
      const bareMean = c.bare[c.bare.length - 1];
      const mockMean = c.mock[c.mock.length - 1];
      out.push({
        what,
        target: `>= ${goal}x`,
        measured: `${fmt(c.ratio, 2)}x (median of ${h.rounds} rounds; mean ${fmt(mockMean.rps, 0)} vs ${fmt(bareMean.rps, 0)} req/s; server CPU per request ${fmt(c.cpuRatio, 2)}x)`,
        met: c.ratio >= goal,
      });
    }
  }
  if (r.turnaround) {
    out.push({
      what: 'Text run through createAndPoll (median)',
      target: '< 25 ms',
      measured: `${fmt(r.turnaround.text.median)} ms (${fmt(r.turnaround.text.median / r.turnaround.baseline.median, 1)}x one SDK retrieve)`,
      met: r.turnaround.text.median < 25,
    });
  }
  if (r.streaming) {
    for (const w of r.streaming.waves) {
      out.push({
        what: `${w.clients} concurrent streams complete in order`,
        target: `${w.clients}/${w.clients}`,
        measured: `${w.completed}/${w.clients}`,
        met: w.completed === w.clients,
      });
    }
  }
  if (r.scale) {
    const small = r.scale.big.find((l) => l.name.startsWith('100-message') && l.name.endsWith('first page (limit 20)'))!;
    const big = r.scale.big.find((l) => !l.name.startsWith('100-message') && l.name.endsWith('first page (limit 20)'))!;
    const ratio = big.p50 / small.p50;
    out.push({
      what: `List first page: ${r.scale.bigThreadRows.toLocaleString('en-US')}-message thread vs 100-message thread (p50)`,
      target: '<= 2x',
      measured: `${fmt(ratio, 2)}x (${fmt(big.p50, 3)} vs ${fmt(small.p50, 3)} ms)`,
      met: ratio <= 2,
    });
  }
  if (r.backend) {
    const b = r.backend;
    out.push({
      what: "Model backend: latency added between the backend's first token and the client's first thread.message.delta (p50)",
      target: '< 2 ms',
      measured: `${fmt(b.firstToken.added.p50)} ms (through the mock ${fmt(b.firstToken.mock.p50)} ms, reading aimock directly ${fmt(b.firstToken.direct.p50)} ms)`,
      met: b.firstToken.added.p50 < 2,
    });
    const paced = b.throughput[0];
    out.push({
      what: `Model backend: streaming throughput vs reading aimock directly, ${paced.label}`,
      target: '>= 0.9x',
      measured: `${fmt(paced.ratio, 2)}x (median of ${paced.mock.length} rounds; ${fmt(median(paced.mock), 0)} vs ${fmt(median(paced.direct), 0)} chunks/s)`,
      met: paced.ratio >= 0.9,
    });
  }
  return out;
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function render(r: Results, m: Machine, date: string, durationS: number): string {
  const parts: string[] = [];
  parts.push(`# Benchmarks

Generated by \`npm run bench\` (\`npm run build && tsx bench/run.ts\`); this file is overwritten by each run.
Every server measured is a child process (\`node dist/cli.cjs --port <free> --db <temp file> --log-level warn --no-banner\`
unless a row says otherwise) on loopback; the load comes from the bench process. The machines these figures come
from are shared and noisy, so each figure stands next to a baseline measured in the same run, and the ratios are
what to compare between runs, not the absolute milliseconds.

| | |
| --- | --- |
| date | ${date} |
| command | \`npm run bench\` |
| machine | ${m.os}; ${m.cpu}; ${m.cores} cores; ${m.memory} |
| node | ${m.node} |
| load average at start | ${m.load} |
| duration of the run | ${fmt(durationS, 0)} s |
`);

  const t = targets(r);
  parts.push(`## Targets

${table(
  ['what', 'target', 'measured', 'met'],
  t.map((x) => [x.what, x.target, x.measured, x.met ? 'met' : '**not met**']),
)}
`);

  if (r.startup) {
    const s = r.startup;
    parts.push(`## Start-up

From \`spawn\` to the first 200, polled every 2 ms: the mock's \`GET /healthz\` (fresh database file, so the migrations
run) against a bare \`node -e\` server built on \`http.createServer\`. ${s.runs} runs of each, interleaved, after one
unrecorded round.

${table(
  ['server', 'median', 'min', 'max', 'all runs (ms)', 'CPU used by then (median)'],
  [
    [
      'bare node http',
      `${fmt(s.bareMedian, 0)} ms`,
      fmt(Math.min(...s.bareMs), 0),
      fmt(Math.max(...s.bareMs), 0),
      s.bareMs.map((v) => fmt(v, 0)).join(', '),
      `${fmt(median(s.bareCpuMs), 0)} ms`,
    ],
    [
      'assistants-mock',
      `${fmt(s.mockMedian, 0)} ms`,
      fmt(Math.min(...s.mockMs), 0),
      fmt(Math.max(...s.mockMs), 0),
      s.mockMs.map((v) => fmt(v, 0)).join(', '),
      `${fmt(median(s.mockCpuMs), 0)} ms`,
    ],
  ],
)}

"CPU used by then" is the child's user + system time (from /proc, 10 ms resolution) when its first 200 arrived: on a
busy machine the wall-clock time stretches while the CPU time stays close to what the start-up really costs.
The mock takes ${fmt(s.mockMedian / s.bareMedian, 1)}x a bare Node server's start-up; its own share (median difference) is
${fmt(s.mockMedian - s.bareMedian, 0)} ms.

Right after its first 200, each mock served a first run: an assistant, a thread with one message and a run polled
until \`completed\`, one request after the other, ${fmt(median(s.firstRunMs), 0)} ms in the median (all runs:
${s.firstRunMs.map((v) => fmt(v, 0)).join(', ')} ms). It includes what start-up leaves for later: the tokenizer,
loaded in the server's idle time after its first answer or by the first run that counts tokens, and the validators
of the routes it calls, compiled on their first request.
`);
  }

  if (r.http) {
    const h = r.http;
    const rowsOf = (c: Comparison) => {
      const bareMean = c.bare[c.bare.length - 1];
      return [...c.bare, ...c.mock].map((x) => [
        x.name,
        fmt(x.rps, 0),
        `${fmt(x.rps / bareMean.rps, 2)}x`,
        `${fmt(x.p50, 1)} ms`,
        `${fmt(x.p99, 1)} ms`,
        x.alone ? `${fmt(x.alone.p50, 3)} ms` : '',
        x.alone ? `${fmt(x.alone.p99, 3)} ms` : '',
        x.cpuUs === undefined ? '' : `${fmt(x.cpuUs, 0)} µs`,
        x.requests,
        x.errors,
        x.non2xx,
      ]);
    };
    const head = [
      'route',
      'req/s',
      'vs baseline',
      'p50 under load',
      'p99 under load',
      'p50 alone',
      'p99 alone',
      'server CPU per request',
      'requests',
      'errors',
      'non-2xx',
    ];
    const ratios = (c: Comparison) => c.ratios.map((x) => fmt(x, 2)).join(', ');
    const retrieveBare = h.retrieve.bare[h.retrieve.bare.length - 1];
    parts.push(`## Request throughput and latency

autocannon (programmatic API, ${h.connections} connections, no pipelining, ${h.durationS} s per measurement, a 1 s
warm-up before the first of each) over loopback. Each of the mock's routes stands against a baseline doing the same
work, a bare Fastify 5 route in its own child process, all up at the same time as the mock. Baseline and mock alternate
for ${h.rounds} rounds (the baseline first in odd rounds, the mock first in even ones, so that a load that rises or falls
through a round weighs on both sides alike), and the target ratio is the median of the rounds' ratios; "vs baseline" in the tables is against
the mean of the baseline's rounds. "Server CPU per request" is the server process's user + system time (from /proc)
over the requests it answered in the round; on a shared machine it moves less than req/s, and its ratio (baseline over
mock, the median of the rounds, in the targets table) says what the mock's work costs against the baseline's whatever
else runs. Latency under load is autocannon's, in whole milliseconds (a mean of rounds may show
decimals); latency alone is one request at a time on one kept-alive connection (500 after 50 unrecorded), timed by the
client.

### Retrieve a thread

Baseline: a route answering a constant thread-shaped object. Ratios of the rounds: ${ratios(h.retrieve)}.

${table(head, rowsOf(h.retrieve))}

### List a page of messages

A page of 20 messages from a thread of 50 (${h.listBytes} bytes of pretty-printed JSON). Baseline: a route answering the
identical bytes, fetched once from the mock, with the same content-type. Ratios of the rounds: ${ratios(h.list)}.

${table(head, rowsOf(h.list))}

### Create a message

The mock appends to one thread that grows through the run (its answer: ${h.createBytes} bytes). Baseline: a route that parses
the same JSON body, runs one prepared INSERT into a WAL SQLite table (better-sqlite3, the pragmas of
src/store/database.ts) and answers a JSON body of the same size. Ratios of the rounds: ${ratios(h.create)}.

${table(head, rowsOf(h.create))}

### Request log

The default LOG_LEVEL (info) writes one JSON line per request (to /dev/null here); its price on a retrieve, against
the mean of the retrieve baseline's rounds:

${table(head, rowsOf({ ...h.retrieve, bare: [retrieveBare], mock: [h.logged] }))}
`);
  }

  if (r.turnaround) {
    const x = r.turnaround;
    parts.push(`## Run turnaround through the official SDK

npm \`${x.sdk}\`, \`maxRetries: 0\`, against a child server with the default \`POLL_AFTER_MS\` (5 ms), which the SDK's
pollers obey. Each run gets a fresh thread (created outside the timing) with one user message; an assistant with one
function tool, \`get_weather\`. ${x.text.n} timed runs of each kind after 20 unrecorded ones.

${table(
  ['operation', 'n', 'median', 'p99', 'vs one SDK retrieve (median)'],
  [
    ['baseline: `threads.retrieve` (one SDK request)', x.baseline.n, `${fmt(x.baseline.median)} ms`, `${fmt(x.baseline.p99)} ms`, '1x'],
    [
      'text run: `runs.createAndPoll` -> completed',
      x.text.n,
      `${fmt(x.text.median)} ms`,
      `${fmt(x.text.p99)} ms`,
      `${fmt(x.text.median / x.baseline.median, 1)}x`,
    ],
    [
      'tool round trip: `createAndPoll` -> requires_action -> `submitToolOutputsAndPoll` -> completed',
      x.tool.n,
      `${fmt(x.tool.median)} ms`,
      `${fmt(x.tool.p99)} ms`,
      `${fmt(x.tool.median / x.baseline.median, 1)}x`,
    ],
  ],
)}
`);
  }

  if (r.streaming) {
    const s = r.streaming;
    parts.push(`## Streaming

N clients call \`client.beta.threads.runs.stream()\` at once (official SDK, one process), each on its own thread, against
a fresh child server per N, warmed up by 20 streams one at a time. A stream counts as complete when it ends normally, starts with \`thread.run.created\` and
ends with \`thread.run.completed\`. Time to first event is from the call to the first parsed event; RSS is the server's
VmRSS sampled from /proc every 25 ms. Baseline: one stream at a time, time to first event p50 ${fmt(s.single.firstEventP50)} ms,
p99 ${fmt(s.single.firstEventP99)} ms (n = ${s.single.n}).

${table(
  [
    'clients',
    'complete, in order',
    'wrong order',
    'failed',
    'first event p50',
    'first event p99',
    'all done in',
    'events per stream',
    'RSS idle',
    'RSS peak',
  ],
  s.waves.map((w) => [
    w.clients,
    w.completed,
    w.badOrder,
    w.failed,
    `${fmt(w.firstEventP50)} ms`,
    `${fmt(w.firstEventP99)} ms`,
    `${fmt(w.wallMs, 0)} ms`,
    w.eventsPerStream,
    `${fmt(w.idleRssMiB, 1)} MiB`,
    `${fmt(w.peakRssMiB, 1)} MiB`,
  ]),
)}
${s.waves.some((w) => w.firstError) ? `\nFirst error seen: ${s.waves.find((w) => w.firstError)?.firstError}\n` : ''}
All N requests are made at the same moment, so the p99 time to first event is the time the server takes to accept and
start the whole wave, the last one queued behind the others. The N clients run in the bench process, on the same two
cores as the server, and their SDK stream parsing is part of these times.
`);
  }

  if (r.scale) {
    const s = r.scale;
    const rows = (list: { name: string; p50: number; p99: number }[]) =>
      list.map((l) => [l.name, `${fmt(l.p50, 3)} ms`, `${fmt(l.p99, 3)} ms`]);
    parts.push(`## Scale

Sequential GETs on one kept-alive connection, latency measured by the client: ${s.samples} timed per request after 100
unrecorded, taken in alternating blocks (every request of both threads in turn, five times) so warm-up and the
machine's load fall on both alike.
The large store holds ${s.totalRows.toLocaleString('en-US')} message rows: one thread of ${s.bigThreadRows.toLocaleString('en-US')}, one of
${s.smallThreadRows}, and 900 threads of 1,000, interleaved as a long-lived server would write them (built in
${fmt(s.buildMs / 1000, 1)} s straight into the SQLite file through the server's migrations; ${fmt(s.dbMiB, 0)} MiB). The server
started on it in ${fmt(s.startOnBigMs, 0)} ms. The baseline is a store holding only the 100-message thread.
A thread retrieve is answered from the server's thread cache after the first read (src/store/threads.ts), and a page
of messages from the pages kept serialized (src/store/message-pages.ts), so the row that measures a lookup among a
million rows is the message retrieve, which reads SQLite every time.

Baseline store (100 rows):

${table(['request', 'p50', 'p99'], rows(s.small))}

Large store (${s.totalRows.toLocaleString('en-US')} rows):

${table(['request', 'p50', 'p99'], rows(s.big))}

Every page is one range scan of the \`(thread_id, seq)\` index and every retrieve one lookup in a unique index, so the
cost grows with the depth of the B-tree (logarithmically), not with the number of rows.
`);
  }
  if (r.backend) parts.push(renderBackend(r.backend, m, date));
  parts.push(`## Where the time goes

Profiled (\`perf\` with \`node --perf-basic-prof\`, \`node --cpu-prof\`, \`strace\`, and the server's CPU time per request
from /proc) on the same kind of machine on 2026-11-23; these notes do not change with each run.

- Start-up. The command (package.json "bin", dist/cli.cjs) is a small launcher (src/launcher/cli.ts) that runs
  dist/cli-main.cjs, the CLI and the server as one CommonJS bundle, through V8's code cache
  (src/launcher/code-cache.ts): the bytecode of what the last start compiled, written by \`npm run build\`
  (scripts/warm-code-cache.mjs) or after the first answer of a start that had none. On Node 20 only a \`vm.Script\`
  takes a cache (Node 22's \`module.enableCompileCache()\` does the same for ES modules), hence CommonJS. Before
  it, the same code as an ES module chunk: V8 compiling it was about a quarter of the start-up CPU and running
  its functions for the first time compiled them again, lazily. Measured on 2026-12-01, quiet machine, medians
  of 11 interleaved starts: 422 ms before, 291 ms with the cache, bare Node 123 ms. Each API route is also
  registered once (src/http/router-rewrite.ts shows the router /openai as /v1 and HEAD as GET: 82 routes in
  the router instead of 195, about 30 ms; find-my-way compiles a matcher per route with \`new Function\`, which
  no cache keeps). pino and better-sqlite3's JavaScript are in the bundle (src/store/sqlite.ts names the addon;
  pino's transport workers are found by path, src/http/log-destination.ts), Fastify's unused Ajv and
  fast-json-stringify compilers and light-my-request are left out of it, and the port probe runs while the
  server's modules load. Earlier cuts: packages no request needs before the first answer (yaml, re2js,
  @fastify/swagger, Ajv, randexp, chokidar) load on first use (src/util/lazy-require.ts, test/bundle.test.ts),
  the tokenizer loads in idle time after the first answer (src/http/idle-work.ts), validators compile on their
  route's first request, the bundle is ASCII and whitespace-minified (1.2 MB), node:https, node:http2 and
  node:dns load on first use, the lock file takes no fsync. Where one start's time goes now (timed phase by
  phase in a copy of the launcher, quiet machine): Node's own start ~86 ms; reading, decoding and hashing the
  bundle and reading the cache ~19 ms; V8 taking the cache ~25 ms; running the modules ~40 ms (Fastify,
  drizzle's tables, the route schemas, pino, commander); opening and migrating a new database ~18 ms (the
  addon, the lock, WAL, five migrations); registering routes ~30 ms; garbage collection ~20 ms of the above
  (five scavenges; a larger young generation, \`--min-semi-space-size\`, made it slower here, and so did
  minifying identifiers, which made the cache larger).
- A thread retrieve cost the server ~41 µs of CPU against the bare route's ~15 µs (0.36-0.45x). Cut since:
  six per-request hooks became three, one per phase, and POST routes alone have a preValidation phase
  (src/http/request-hooks.ts); the thread row comes from a read-through cache (src/store/threads.ts: frozen
  rows, filled only outside transactions, forgotten on every write and on reset) and on a miss from a raw
  statement instead of drizzle's row mapper; pino's per-request child logger is built only when the request
  logs a line (src/http/lazy-logger.ts); request ids are a per-process random prefix and a counter; the journal
  keeps the raw request and builds its entry when asked. A retrieve now costs ~24 µs. What is left: the one
  \`writev\` (loopback TCP; it costs more when the client sits idle between answers), Fastify's routing and
  reply, the compatibility layer, the journal and the pretty-printed JSON the real service sends.
- \`PRAGMA locking_mode=EXCLUSIVE\` (no shared-memory index) measured +7-14% before the cache; it is not used,
  since no other process could then read the file while the server runs, and a cached retrieve does not
  touch SQLite at all.
- Lists and creates, profiled again on 2026-12-01 (\`node --cpu-prof\` on the server under autocannon, and the
  server's CPU per request from /proc next to each baseline's). Against a baseline doing the same work (see
  "Request throughput and latency") a page of 20 messages costs the server ~230 µs of CPU against ~20 µs, a
  message create ~185 µs against ~70-90 µs.
  - List: SQLite and better-sqlite3 materializing 21 rows of 15 columns took ~29% (about 50 µs on its own;
    ~15 µs of it is stepping the index and the rows, the rest is turning 315 values into JS values);
    drizzle's generic row mapper (an \`instanceof\` chain per field per row) took 17%, now a mapper built once
    per table (src/store/pagination.ts), ~6% with the JSON columns' parsing; the pretty-printed JSON, which
    the contract keeps, is ~40 µs per page of 12 KB: a bare Fastify route that pretty-prints the same page
    object on every request costs ~60 µs of CPU per request against ~20 µs for sending the fixed bytes, about
    0.34x of the list baseline before any database work.
    So the list target (0.35x) could not be reached while each request read its page from SQLite and rendered
    it. Now pages are kept serialized until their thread's messages change (src/store/message-pages.ts, whose
    comment lists every write that drops them). Two designs were measured, alternating in one run against the
    same bare route (load 7-9): renderings kept per message, a page then being the ids from the
    \`(thread_id, seq)\` index and a concatenation, reached 0.24-0.33x (~130-210 µs of CPU per request): the
    ids query still costs ~20 µs, and each answer is a new 12 KB string that the request journal keeps, which
    the garbage collector then copies (~70 µs a request at the default journal size; 0.33x with a small
    journal). Whole pages kept reached 0.57-0.66x (~60 µs): one string shared by every answer and journal
    entry, no SQLite read. The price is that any write to a thread drops all its pages, so a page read while
    its thread changes (a streamed run's message grows on every delta) costs what it did before.
  - Create: drizzle building the INSERT's SQL on every call was ~30% of it; the insert is now one fixed
    prepared statement (src/store/messages.ts). The thread was read inside the write transaction, where the
    thread cache is never filled, so every create read it from SQLite; it is now read just before the
    transaction (src/http/routes/threads/messages/messages.ts). Profiled again on 2026-12-01 (\`node --cpu-prof\`
    under autocannon, \`strace\`, load 6-9), the create's SQLite side was still ~40% of its CPU: drizzle's
    \`db.transaction\` builds a transaction object (a database facade with a query builder per table) and
    better-sqlite3's wrappers on every call, and the commit wrote five WAL frames (ten \`pwrite\`s: the table
    page, the three indexes, the AUTOINCREMENT counter) against one for the baseline. Now the route runs in a
    transaction function made once per database (\`inTransaction\`, src/store/database.ts), asks the active run's
    id from one plucked statement (\`activeRunId\`, src/store/runs.ts), and \`messages_run\` indexes only rows
    with a run_id (migration 0004), so a created message writes four frames (three since migration 0005, below). \`npx tsx bench/create-sql.ts\`
    (CPU per call, the variants alternating in one process): the create's SQLite work went from ~94 µs to
    ~67 µs, against ~20 µs for the baseline's INSERT. What remains is mostly that commit: four pages against one, so the WAL also fills
    four times as fast and is checkpointed (three \`fsync\`s, on the request path) four times as often; at a load
    of 8, \`strace -T\` counted ~50 µs of \`fsync\` per create against ~10 µs per baseline insert. Then the
    response's \`writev\` (~20%, as for the baseline). The rest of the server's CPU per create (~170-225 µs in the
    runs of 2026-12-01, against ~65-95 µs for the baseline) is spread over Fastify's request handling,
    the hooks, validation, the journal, the garbage collector and the pretty-printed JSON, none over ~5%.
  - Checkpoints, measured on 2026-12-01 (load 3-7). \`wal_autocheckpoint\` is now 4000 pages, for the mock and
    for the create baseline alike (src/store/database.ts): in wall time per call, in one process
    (\`npx tsx bench/wal-autocheckpoint.ts\`), a create's SQLite work took ~85-105 µs at 4000 against ~100-145 µs at
    1000 (two runs, load 3-6), since its four pages are mostly the same few pages each time and a longer WAL costs a checkpoint hardly
    more copying for four times fewer \`fsync\`s; the baseline's INSERT gained ~2-3 µs. Over HTTP, in separate
    runs, the create went from 0.37x with 1000 on both sides to 0.49x with 10,000 on both, and 0.49x with 4000
    (the table above). A checkpointer
    in a worker thread (its own connection, passive checkpoints every 20 ms, the inline ones kept as a bound)
    was tried and reverted: against a baseline with the same pragmas it reached 0.47x, no better than the
    pragma alone, and in one process it saved nothing (under a continuous writer the WAL only starts over
    after an inline checkpoint anyway); against the default pragmas it looked like 0.55-0.60x.
- The request journal and the message numbers, measured on 2026-12-01 in a later session (load 1-2, the
  machine's neighbours busy: the bare routes' own rates halved between runs, so the figures below are
  ratios and CPU per request measured side by side in one run).
  - The journal kept each request as objects: Node's headers object and its strings, the parsed body, the
    answer, the entry. It keeps the last 1000 requests per tenant, so each of those objects outlived a
    young-generation collection, was copied twice and was freed only by a full collection: with the
    journal switched off (a patched build), a retrieve went from 0.59x to 0.69x of the bare route and from
    ~72 to ~62 µs of server CPU, a create from ~178 to ~135 µs. Scavenges took ~2.2 ms per thousand
    retrieves against ~0.4 without the journal. Entries are now bytes in per-tenant chunks
    (src/admin/journal-log.ts): one number per entry, the answer's string kept as it is (a list page is
    the store's own string, nothing copied), chunks reused once their entries are dropped (a new Buffer
    for each made V8 run a full collection every two seconds). Scavenges now take ~0.5 ms per thousand
    retrieves, and a retrieve costs as much as with no journal at all. A first version copied the answer
    into the chunks too: the list, whose 12 KB answer had been free to keep, fell to 0.39x.
  - The messages table lost AUTOINCREMENT (migration 0005): it rewrote sqlite_sequence, a fourth page of
    every create's commit. The store numbers messages itself (src/store/message-seq.ts). In one process
    (CPU per call, alternating): the create's SQLite work went from ~56 to ~47 µs, against ~18 µs for
    the baseline's INSERT; \`strace\` counts ~7.4 \`pwrite\`s per create now (two per WAL page, and the
    checkpoints), against ~2.5 for the baseline. Measured there too: a table of 15 columns costs ~2 µs
    more than the baseline's 5, and each index ~8 µs; a WITHOUT ROWID table keyed by (thread_id, seq),
    which would save the thread index, saved only ~3 µs and was not pursued.
  - What was left of a create's SQLite cost was its commit: three WAL pages written with two
    \`pwrite\`s each and the locks taken and released with six \`fcntl\`s (as many as the baseline's
    INSERT takes), system calls that are slow on this virtual machine (\`perf\`: a sixth of the
    server's CPU in the kernel's interrupt re-enabling on the way back from them). Creates that arrive
    in the same turn of the event loop now share one transaction, committed at the end of that turn,
    and each is answered only after that commit (src/store/write-batch.ts): a group commit. The answer
    still means stored, and each create runs in a savepoint, so one that fails (a locked thread) fails
    alone. Side by side in one run (5 rounds, load ~1): the create went from 0.39x of the baseline
    (5,678 against 14,519 req/s; ~150 µs of server CPU, of it 53 µs in the kernel) to 0.60x (8,713 req/s;
    ~103 µs, 31 µs in the kernel, the baseline's being ~65 µs and 28 µs).
`);
  return parts.join('\n');
}

function renderBackend(b: BackendResult, m: Machine, date: string): string {
  const row = (name: string, d: { n: number; p50: number; p90: number; p99: number }) => [
    name,
    d.n,
    `${fmt(d.p50)} ms`,
    `${fmt(d.p90)} ms`,
    `${fmt(d.p99)} ms`,
  ];
  return `## Model backend

A child server with \`MODEL_BACKEND_URL\` pointing at aimock (\`@copilotkit/aimock\` ${b.aimockVersion}, in the bench process,
playing the model); the clients are the official SDK (npm \`openai\` 4.x) in the bench process too, so one clock times
both ends. Measured with \`tsx bench/run.ts backend --write\` (part of \`npm run bench\`) on ${date}: ${m.os}; ${m.cpu};
${m.cores} cores; ${m.memory}; node ${m.node}; load average at start ${m.load}.

First token: from aimock's write of the first chunk that carries text (stamped on aimock's own HTTP response) to the
client's first parsed \`thread.message.delta\` (through the mock: \`runs.create({ stream: true })\`), against the same
SDK reading aimock directly (\`chat.completions.create({ stream: true })\`, first chunk with content). Alternating, after
10 unrecorded pairs; "added" is each run through the mock minus the direct read right after it.

${table(
  ['path', 'n', 'p50', 'p90', 'p99'],
  [
    row('through assistants-mock', b.firstToken.mock),
    row('reading aimock directly', b.firstToken.direct),
    row('added by the mock', b.firstToken.added),
  ],
)}

Throughput: text chunks per second at the client, from its first text to its last, for an answer of ${b.throughput[0]?.chunks ?? 0}
chunks, through the mock against reading aimock directly, alternating for ${b.throughput[0]?.direct.length ?? 0} rounds after one
unrecorded run.

${table(
  ['answer', 'direct (chunks/s, median)', 'through the mock (chunks/s, median)', 'ratio (median of rounds)', 'rounds: mock / direct'],
  b.throughput.map((t) => [
    t.label,
    fmt(median(t.direct), 0),
    fmt(median(t.mock), 0),
    `${fmt(t.ratio, 2)}x`,
    t.mock.map((m, i) => `${fmt(m, 0)} / ${fmt(t.direct[i], 0)}`).join(', '),
  ]),
)}

Where the first-token time goes (profiled in-process, one clock, on 2026-12-01 at a load average of 8 on 2 cores):
about 0.5 ms from aimock's write to the backend brain's first text event (loopback, undici, the SSE parser), and
about 1.5 ms from there to the client's \`thread.message.delta\`: the engine opens the message_creation step and
the message (SQLite writes), publishes \`thread.run.step.created\`, \`thread.run.step.in_progress\`,
\`thread.message.created\` and \`thread.message.in_progress\`, stores the delta and sends it; the client parses
all five. On this shared machine the p50 moves between runs with the load (1.9 ms, 3.6 ms and 1.7 ms in three runs on 2026-12-01, at load averages of 9, 8 and 5).
`;
}

/**
 * docs/benchmarks.md with the sections of a partial run put in: each \`## \` section of \`fresh\` replaces
 * the one of the same title (or goes before "Where the time goes"), and its target rows replace the
 * rows of the same name in the targets table (or are added to it).
 */
function splice(existing: string, fresh: string): string {
  const sections = (text: string) => text.split(/^(?=## )/m);
  const title = (section: string) => section.split('\n', 1)[0];
  const freshSections = sections(fresh).filter((s) => s.startsWith('## '));
  const out = sections(existing);
  for (const section of freshSections) {
    if (title(section) === '## Targets') continue;
    const at = out.findIndex((s) => title(s) === title(section));
    if (at >= 0) out[at] = section.endsWith('\n\n') ? section : `${section.trimEnd()}\n\n`;
    else {
      const before = out.findIndex((s) => title(s) === '## Where the time goes');
      out.splice(before >= 0 ? before : out.length, 0, `${section.trimEnd()}\n\n`);
    }
  }
  const rowsOf = (text: string) =>
    (sections(text).find((s) => title(s) === '## Targets') ?? '').split('\n').filter((l) => /^\| (?!what |---)/.test(l));
  const targetsAt = out.findIndex((s) => title(s) === '## Targets');
  if (targetsAt >= 0) {
    const name = (row: string) => row.split('|')[1].trim();
    let lines = out[targetsAt].trimEnd().split('\n');
    for (const row of rowsOf(fresh)) {
      const at = lines.findIndex((l) => l.startsWith('| ') && name(l) === name(row));
      if (at >= 0) lines[at] = row;
      else lines = [...lines, row];
    }
    out[targetsAt] = `${lines.join('\n')}\n\n`;
  }
  return out.join('');
}

function summary(r: Results): string {
  const lines = ['', 'Summary', '-------'];
  for (const t of targets(r)) lines.push(`${t.met ? 'MET    ' : 'NOT MET'}  ${t.what}: ${t.measured} (target ${t.target})`);
  if (r.http) {
    for (const x of [r.http.retrieve, r.http.list, r.http.create].flatMap((c) => [c.bare[c.bare.length - 1], c.mock[c.mock.length - 1]])) {
      const single = x.alone ? `; alone p50 ${fmt(x.alone.p50, 3)} ms, p99 ${fmt(x.alone.p99, 3)} ms` : '';
      lines.push(`         ${x.name}: ${fmt(x.rps, 0)} req/s, under load p50 ${fmt(x.p50, 1)} ms, p99 ${fmt(x.p99, 1)} ms${single}`);
    }
  }
  if (r.turnaround) {
    const x = r.turnaround;
    lines.push(`         text run: median ${fmt(x.text.median)} ms, p99 ${fmt(x.text.p99)} ms`);
    lines.push(`         tool round trip: median ${fmt(x.tool.median)} ms, p99 ${fmt(x.tool.p99)} ms`);
  }
  if (r.streaming) {
    for (const w of r.streaming.waves) {
      lines.push(
        `         ${w.clients} streams: first event p50 ${fmt(w.firstEventP50)} ms, p99 ${fmt(w.firstEventP99)} ms, peak RSS ${fmt(w.peakRssMiB, 1)} MiB`,
      );
    }
  }
  if (r.backend) {
    const b = r.backend;
    lines.push(
      `         backend first token: through the mock p50 ${fmt(b.firstToken.mock.p50)} ms, directly p50 ${fmt(b.firstToken.direct.p50)} ms`,
    );
    for (const t of b.throughput)
      lines.push(`         backend throughput ${t.label}: ${fmt(median(t.mock), 0)} vs ${fmt(median(t.direct), 0)} chunks/s`);
  }
  if (r.scale) for (const l of r.scale.big) lines.push(`         ${l.name}: p50 ${fmt(l.p50, 3)} ms, p99 ${fmt(l.p99, 3)} ms`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const chosen = args.filter((a) => !a.startsWith('--'));
  for (const name of chosen)
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section '${name}'; one of ${SECTIONS.join(', ')}`);
  const sections: Section[] = chosen.length > 0 ? (chosen as Section[]) : [...SECTIONS];
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm run bench does).`);

  const m = machine();
  const date = new Date().toISOString();
  const started = performance.now();
  log(`assistants-mock benchmarks: ${m.os}, ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.load}`);
  const results: Results = {};
  for (const section of sections) {
    const t0 = performance.now();
    log(`- ${section} ...`);
    switch (section) {
      case 'startup':
        results.startup = await benchStartup();
        break;
      case 'http':
        results.http = await benchHttp();
        break;
      case 'turnaround':
        results.turnaround = await benchTurnaround();
        break;
      case 'streaming':
        results.streaming = await benchStreaming();
        break;
      case 'scale':
        results.scale = await benchScale();
        break;
      case 'backend':
        results.backend = await benchBackend();
        break;
    }
    log(`  done in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  }
  const durationS = (performance.now() - started) / 1000;
  const markdown = render(results, m, date, durationS);
  if (chosen.length === 0 || write) {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    // Formatted as `npm run lint` (prettier --check .) expects it.
    const target = join(ROOT, 'docs', 'benchmarks.md');
    const options = (await resolveConfig(target)) ?? {};
    // A run of some sections updates theirs and keeps the figures of the others.
    const whole = chosen.length > 0 && existsSync(target) ? splice(readFileSync(target, 'utf8'), markdown) : markdown;
    writeFileSync(target, await format(whole, { ...options, filepath: target }));
    log(`wrote docs/benchmarks.md`);
  }
  log(summary(results));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
