/**
 * Shared pieces of the benchmarks: child servers, timing, statistics, memory sampling, the machine.
 * Every server under test is a child process (`node dist/cli.cjs`, the installed command), so its memory is its own and the
 * load generator (this process) does not share its event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { createServer } from 'node:net';
import { cpus, release, tmpdir, type as osType, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The command as installed (package.json "bin"). */
export const CLI = join(ROOT, 'dist', 'cli.cjs');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tempDir(prefix = 'am-bench-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A port that was free a moment ago (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status (0 when the connection failed). */
export function getStatus(url: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Polls `url` every `intervalMs` until it answers 200; resolves with the time it took from `since`. */
export async function waitFor200(url: string, since: number, deadlineMs = 20_000, intervalMs = 2): Promise<number> {
  for (;;) {
    if ((await getStatus(url, 500)) === 200) return performance.now() - since;
    if (performance.now() - since > deadlineMs) throw new Error(`${url} did not answer 200 within ${deadlineMs} ms`);
    await sleep(intervalMs);
  }
}

export interface ChildServer {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** Milliseconds from spawn to the first 200 of the health URL. */
  startMs: number;
  /** CPU time (user + system, ms) the process had used when that 200 arrived. */
  startCpuMs: number;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  dbPath: string;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
  healthPath?: string;
}

/** Waits for a child to exit (resolves at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node dist/cli.cjs --port P --db PATH` and waits for /healthz. Logs at warn, no banner. */
export async function spawnMock(options: SpawnOptions): Promise<ChildServer> {
  const args = [CLI, '--port', '', '--db', options.dbPath, '--log-level', 'warn', '--no-banner', ...(options.args ?? [])];
  return spawnAndWait(args, options);
}

/** Spawns `node ...args` (a `--port ''` pair is filled in) and waits for a 200 on the health path. */
export async function spawnAndWait(args: string[], options: Omit<SpawnOptions, 'dbPath'>): Promise<ChildServer> {
  const port = options.port ?? (await freePort());
  const filled = args.map((a, i) => (a === '' && args[i - 1] === '--port' ? String(port) : a));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, filled, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`server exited early (${code ?? signal}): ${stderr}`)));
  });
  const startMs = await Promise.race([waitFor200(url + (options.healthPath ?? '/healthz'), started), failed]);
  const startCpuMs = cpuMsOf(child.pid ?? 0);
  failed.catch(() => undefined);
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited(child);
  };
  return {
    child,
    pid: child.pid ?? 0,
    port,
    url,
    startMs,
    startCpuMs,
    kill,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

// ---- statistics -----------------------------------------------------------------------------------

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values: number[]) => percentile(values, 50);

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A number for a table: fixed decimals, thousands kept plain. */
export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

// ---- memory ---------------------------------------------------------------------------------------

/** Resident set size of a process in bytes, from /proc (Linux). 0 when it cannot be read. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc/PID/stat (10 ms resolution). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/** Samples a process's RSS every `intervalMs` and keeps the peak. */
export class RssSampler {
  peak = 0;
  readonly samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 25,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    const rss = rssOf(this.pid);
    if (rss > 0) {
      this.samples.push(rss);
      this.peak = Math.max(this.peak, rss);
    }
  }
}

export const MiB = 1024 * 1024;

// ---- HTTP helpers ---------------------------------------------------------------------------------

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/** One JSON request over a kept-alive connection. */
export function httpJson<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: keepAlive,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** One request over a kept-alive connection; the answer's exact bytes and its content-type. */
export function httpRaw(method: string, url: string, body?: unknown): Promise<{ status: number; contentType: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { 'content-type': 'application/json' };
    const req = request(url, { method, agent: keepAlive, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), bytes: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Latencies (ms) of `n` sequential requests on one kept-alive connection, after `warmup` more. */
export async function sequentialLatencies(url: string, n: number, warmup = 50, method = 'GET', body?: unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    const res = await httpJson(method, url, body);
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    if (i >= warmup) out.push(ms);
  }
  return out;
}

/** Runs `worker` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await worker(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

// ---- the machine ----------------------------------------------------------------------------------

export interface Machine {
  os: string;
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  load: string;
}

export function machine(): Machine {
  const list = cpus();
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    load = 'n/a';
  }
  return {
    os: `${osType()} ${release()}`,
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    node: process.version,
    load,
  };
}
