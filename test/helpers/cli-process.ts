/**
 * Runs the built CLI (or any command that prints its banner) as a child process, the way users and
 * Docker run it: tests read the real port from the banner, send real signals and check exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once the banner names the URL; rejects if the process exits first. */
  ready: Promise<{ url: string; port: number }>;
  exited: Promise<Exit>;
  signal(name: NodeJS.Signals): void;
  /** Sends SIGKILL if still running (test clean-up). */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** How long to wait for the banner. */
  timeoutMs?: number;
  /** Keep stdin open as a pipe (to type into a pseudo-terminal). */
  stdin?: boolean;
  /**
   * Start in a process group of its own and signal the whole group, as a terminal's Ctrl-C does:
   * needed for wrappers such as npx or npm start, whose `sh -c` does not pass signals on.
   */
  group?: boolean;
}

const running = new Set<CliProcess>();
const groups = new Set<number>();

// Should a test time out before its clean-up runs, nothing it started may outlive the test worker.
process.on('exit', () => {
  for (const proc of running) {
    const pid = proc.child.pid;
    if (pid === undefined) continue;
    try {
      process.kill(groups.has(pid) ? -pid : pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** The environment without variables that would change the server's settings behind a test's back. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const settings =
    /^(PORT|HOST|DB_PATH|API_KEY|ADMIN_KEY|SCENARIOS|LOG_LEVEL|RUN_MODE|STREAM_.*|POLL_AFTER_MS|.*_LIMIT_BYTES|.*_TIMEOUT_MS|DEFAULT_REPLY|MODEL_BACKEND_.*|MODEL_MAP|RECORD_TO)$/;
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !settings.test(k)) out[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out;
}

export function runCli(args: string[], options: SpawnOptions = {}): CliProcess {
  return runCommand(process.execPath, [CLI, ...args], options);
}

export function runCommand(command: string, args: string[], options: SpawnOptions = {}): CliProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: options.group ?? false,
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner after ${options.timeoutMs ?? 20_000} ms\nstderr: ${err}\nstdout: ${out}`)),
      options.timeoutMs ?? 20_000,
    );
    const check = () => {
      // Under a pseudo-terminal the banner arrives on stdout.
      const match = /listening on (http:\/\/[^\s]+:(\d+))/.exec(err + out);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1], port: Number(match[2]) });
    };
    child.stderr?.on('data', check);
    child.stdout?.on('data', check);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`exited (${exit.code ?? exit.signal}) before its banner\nstderr: ${err}\nstdout: ${out}`));
    });
  });
  ready.catch(() => undefined); // a test that expects a failed start awaits `exited` instead
  const proc: CliProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    ready,
    exited,
    signal: (name) => {
      if (child.pid === undefined) return;
      if (options.group) {
        try {
          process.kill(-child.pid, name); // the group outlives its leader while a child of it runs
        } catch {
          /* the whole group is gone */
        }
      } else if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, name);
    },
    kill: async () => {
      proc.signal('SIGKILL');
      await exited;
    },
  };
  running.add(proc);
  if (options.group && child.pid !== undefined) groups.add(child.pid);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** For afterEach: nothing a test started outlives it. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

/** The JSON log lines of a process's stdout (other lines are skipped). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a partial line at the end of the buffer */
    }
  }
  return lines;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
