/**
 * The `assistants-mock` command as users run it: the built dist/cli.js in a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../src/config.js';
import { VERSION } from '../src/version.js';
import { CLI, ROOT, cleanEnv, jsonLines, killAll, runCli, runCommand, waitFor } from './helpers/cli-process.js';

const exec = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-cli-'));
});
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI to completion (for --help, --version and start-up errors). */
async function runToEnd(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd: dir, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('--help and --version', () => {
  it('--help lists a flag for every setting and every environment variable', async () => {
    const { code, stdout } = await runToEnd(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: assistants-mock \[options\]/);
    const flat = stdout.replace(/\s+/g, ' ');
    for (const name of Object.keys(ENVIRONMENT)) {
      expect(flat, `flag for ${name}`).toContain(`[env ${name}]`);
      expect(stdout, `environment section lists ${name}`).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    for (const flag of ['--port', '--host', '--db', '--api-key', '--admin-key', '--scenarios', '--log-level', '--run-mode', '--version']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('http://HOST:PORT/v1');
  });

  it('docs/operations.md documents every flag', async () => {
    const { stdout } = await runToEnd(['--help']);
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const flags = [...stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(flags.length).toBeGreaterThan(15);
    for (const flag of flags) expect(docs, `${flag} in docs/operations.md`).toMatch(new RegExp(`[\`, ]${flag}[ \`]`));
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runToEnd(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(VERSION);
  });
});

describe('start-up errors exit non-zero with one clear line', () => {
  it.each([
    [['--port', 'abc'], /--port <number>.*'abc' is invalid/],
    [['--port', '70000'], /between 0 and 65535/],
    [['--run-mode', 'sometimes'], /Allowed choices are auto, manual/],
    [['--bogus'], /unknown option '--bogus'/],
    [['extra-argument'], /too many arguments/],
    [
      ['--model-backend-url', 'http://127.0.0.1:11434/v1', '--model-map', 'gpt-4o'],
      /MODEL_MAP must be a list of model=backend-model pairs .*not 'gpt-4o'/,
    ],
    [['--model-map', 'gpt-4o=llama3.2:3b'], /MODEL_MAP needs MODEL_BACKEND_URL/],
  ])('%j', async (args, message) => {
    const { code, stderr } = await runToEnd(args);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('a bad environment variable', async () => {
    const { code, stderr } = await runToEnd([], { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("assistants-mock: PORT must be a whole number, not 'eighty'.");
  });

  it('a port in use, before the database is touched', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const db = join(dir, 'in-use.db');
    try {
      const { code, stderr } = await runToEnd(['--port', String(port), '--db', db]);
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `assistants-mock: port ${port} on 127.0.0.1 is already in use; stop the other process or pick another port with --port (or PORT).`,
      );
      expect(existsSync(db)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe('a running server', () => {
  it('prints a banner with the OpenAI and Azure URLs, docs, admin and database', async () => {
    const db = join(dir, 'banner.db');
    const cli = runCli(['--port', '0', '--db', db], { cwd: dir });
    const { url, port } = await cli.ready;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const banner = cli.stderr();
    expect(banner).toContain(`OpenAI base URL  ${url}/v1`);
    expect(banner).toContain(`Azure endpoint   ${url}\n`);
    expect(banner).toContain(`${url}/docs`);
    expect(banner).toContain(`${url}/__admin`);
    expect(banner).toContain(`Web UI           ${url}/__admin/ui`);
    expect(banner).toContain(`Database         ${db}`);
    expect(banner).not.toContain('Model backend');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('shows the model backend and the recording file when they are set', async () => {
    const cli = runCli(['--port', '0', '--db', ':memory:', '--model-map', 'gpt-4o=llama3.2:3b,*=qwen2.5:7b', '--record-to', 'rec.yaml'], {
      cwd: dir,
      env: cleanEnv({ MODEL_BACKEND_URL: 'http://127.0.0.1:11434/v1', MODEL_BACKEND_KEY: 'sk-secret' }),
    });
    await cli.ready;
    const banner = cli.stderr();
    expect(banner).toContain('Model backend    http://127.0.0.1:11434/v1  (model map gpt-4o=llama3.2:3b,*=qwen2.5:7b, with a key)');
    expect(banner).toContain(`Recording to     ${join(dir, 'rec.yaml')}`);
    expect(banner).not.toContain('sk-secret');
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('flags win over their environment variables', async () => {
    const flagDb = join(dir, 'flag.db');
    const envDb = join(dir, 'env.db');
    const cli = runCli(
      ['--port', '0', '--db', flagDb, '--api-key', 'sk-flag-1,sk-flag-2', '--api-key', 'sk-flag-3', '--log-level', 'info'],
      {
        cwd: dir,
        env: cleanEnv({ PORT: '1', DB_PATH: envDb, API_KEY: 'sk-env', LOG_LEVEL: 'silent', RUN_MODE: 'manual' }),
      },
    );
    const { url } = await cli.ready;
    expect(existsSync(flagDb)).toBe(true);
    expect(existsSync(envDb)).toBe(false);
    const list = (key: string) => fetch(`${url}/v1/assistants`, { headers: { authorization: `Bearer ${key}` } });
    expect((await list('sk-flag-1')).status).toBe(200);
    expect((await list('sk-flag-3')).status).toBe(200);
    expect((await list('sk-env')).status).toBe(401);
    // Not overridden by a flag: the environment still applies.
    expect(cli.stderr()).toContain('run mode manual');
    // --log-level info beat LOG_LEVEL=silent.
    await waitFor(() => jsonLines(cli.stdout()).some((l) => l.msg === 'request'), 5_000, 'a request log line');
    cli.signal('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('logs one JSON line per request with its request id, tenant and timing', async () => {
    const cli = runCli(['--port', '0', '--db', ':memory:'], { cwd: dir, env: cleanEnv({ LOG_LEVEL: 'info' }) });
    const { url } = await cli.ready;
    const response = await fetch(`${url}/v1/assistants`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-logs', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o' }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    await waitFor(() => jsonLines(cli.stdout()).some((l) => l.request_id === requestId), 5_000, 'the request line');
    const lines = jsonLines(cli.stdout()).filter((l) => l.request_id === requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', method: 'POST', url: '/v1/assistants', status: 200 });
    expect(lines[0].tenant).toEqual(expect.any(String));
    expect(lines[0].ms).toEqual(expect.any(Number));
    // stdout carries log lines only; the banner went to stderr.
    for (const line of cli.stdout().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    cli.signal('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('logs with pino-pretty when stdout is a terminal, and Ctrl-C shuts down cleanly', async () => {
    // `script` gives the child a pseudo-terminal; Ctrl-C typed into it becomes SIGINT. script runs the
    // command through $SHELL -c; `exec` makes the server the terminal's process itself whatever that
    // shell is (dash would otherwise stay in between and die of the same SIGINT, exit 130), and SHELL is
    // pinned so that the test does not depend on the login shell of whoever runs it.
    const cli = runCommand('script', ['-qfec', `exec "${process.execPath}" "${CLI}" --port 0 --db :memory:`, '/dev/null'], {
      cwd: dir,
      env: cleanEnv({ SHELL: '/bin/sh' }),
      stdin: true,
    });
    const { url } = await cli.ready;
    const response = await fetch(`${url}/v1/assistants`, { headers: { authorization: 'Bearer sk-tty' } });
    const requestId = response.headers.get('x-request-id') ?? 'none';
    await waitFor(() => cli.stdout().includes(requestId), 5_000, 'the pretty request line');
    const screen = cli.stdout();
    expect(screen).not.toContain('{"level"');
    expect(screen).toMatch(/INFO.*request/);
    expect(screen).toContain('tenant');
    cli.child.stdin?.write('\x03');
    expect((await cli.exited).code).toBe(0);
    expect(cli.stdout()).toContain('SIGINT');
    expect(cli.stdout()).toContain('shutdown complete');
  });
});
