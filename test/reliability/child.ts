/**
 * The server as a child process (`node dist/cli.js`), for tests that kill it, restart it on the same
 * file or watch its memory. Needs `npm run build` first (`npm test` builds in pretest; CI runs
 * `npm test` before `npm run test:reliability`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The benchmarks' free-port probe: one copy for both.
import { freePort } from '../../bench/lib.js';

export { freePort };

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Fails clearly when dist/ is missing, and says so when it is older than src/. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the reliability tests.`);
  if (newestMtime(join(ROOT, 'src')) > statSync(CLI).mtimeMs + 1_000) {
    process.stderr.write('warning: src/ is newer than dist/cli.js; the reliability tests run the built server (npm run build).\n');
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export interface Child {
  process: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** Last lines of stderr (the banner, fatal errors). */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts the built server on `dbPath` and a free (or the given) port; resolves once /healthz is 200. */
export async function startChild(
  dbPath: string,
  options: { port?: number; args?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<Child> {
  assertBuilt();
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      CLI,
      '--port',
      String(port),
      '--db',
      dbPath,
      '--log-level',
      'warn',
      '--no-banner',
      ...(options.args ?? []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited at start-up: ${stderr}`);
    if ((await status(`${url}/healthz`)) === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy: ${stderr}`);
    }
    await sleep(10);
  }
  return {
    process: child,
    pid: child.pid ?? 0,
    port,
    url,
    stderr: () => stderr,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** Resident set size in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** One JSON request (fetch); `body` undefined sends none. Network errors reject. */
export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Answer<T>> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed as T };
}

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;

export interface RunShape {
  id: string;
  status: string;
  thread_id: string;
  completed_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  required_action: { submit_tool_outputs: { tool_calls: { id: string }[] } } | null;
}

export const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);

const PROBE = fileURLToPath(new URL('./gc-probe.js', import.meta.url));

/** Node flags that load gc-probe.js into a child: pass as `nodeArgs` to startChild. */
export const GC_PROBE_ARGS = ['--expose-gc', '--import', pathToFileURL(PROBE).href];

export interface GcSample {
  rss: number;
  heapUsed: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  external: number;
  procRss: number;
}

/** Asks a child started with GC_PROBE_ARGS for a full GC and its memory figures, read from its stderr. */
export function sampleAfterGc(child: Child): Promise<GcSample | undefined> {
  return new Promise((resolve) => {
    const stderr = child.process.stderr!;
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /gc-probe (\{.*\})\n/.exec(buffer);
      if (!match) return;
      finish();
      const figures = JSON.parse(match[1]) as { rss: number; heapUsed: number; external: number };
      resolve({ rss: figures.rss, heapUsed: figures.heapUsed, external: figures.external, procRss: rssOf(child.pid) });
    };
    const timer = setTimeout(() => {
      finish();
      resolve(undefined);
    }, 2_000);
    const finish = () => {
      clearTimeout(timer);
      stderr.off('data', onData);
    };
    stderr.on('data', onData);
    child.process.kill('SIGUSR2');
  });
}
