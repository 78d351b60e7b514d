/**
 * Packaging, as users receive it:
 * - the Dockerfile's own commands, run outside Docker in a fresh copy of the build context
 *   (test/helpers/dockerfile.ts), give an app that starts with the image's CMD and ENV and passes the
 *   image's HEALTHCHECK;
 * - `npm pack` gives a tarball that installs in an empty folder and serves through `npx assistants-mock`
 *   and through `import { startServer } from 'assistants-mock'`.
 *
 * Both install dependencies. By default they use npm's cache (`prefer-offline`) and hand
 * better-sqlite3 the addon already compiled in this checkout as a local prebuilt binary (the way
 * prebuild-install's download does on a connected build machine), which keeps them to well under a
 * minute each. AM_PACKAGING_FULL=1 drops both shortcuts: a fresh compile of better-sqlite3 from source
 * with the toolchain the Dockerfile installs, as in a `docker build` that finds no prebuilt binary.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { buildImage, parseDockerfile, dockerignore, contextFiles, type BuiltImage } from './helpers/dockerfile.js';
import { CLI, ROOT, killAll, runCommand, waitFor } from './helpers/cli-process.js';

const exec = promisify(execFile);
const FULL = process.env.AM_PACKAGING_FULL === '1';
const INSTALL_TIMEOUT_MS = FULL ? 900_000 : 300_000;
let work: string;
let prebuilds: string;

/** A minimal environment, as a build container has: no npm_* variables inherited from `npm test`. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  if (!FULL) {
    env.npm_config_prefer_offline = 'true';
    env.npm_config_better_sqlite3_local_prebuilds = prebuilds;
  }
  return env;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The file name prebuild-install looks for (its default URL template), made from this checkout's addon. */
async function makeLocalPrebuild(dir: string): Promise<void> {
  const addonRoot = join(ROOT, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(addonRoot, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(dir, { recursive: true });
  await exec('tar', ['-czf', join(dir, name), '-C', addonRoot, 'build/Release/better_sqlite3.node']);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'am-packaging-'));
  prebuilds = join(work, 'prebuilds');
  if (!FULL) await makeLocalPrebuild(prebuilds);
  expect(existsSync(CLI), 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
});
afterEach(killAll);
// Deleting the emulated image's node_modules (dev dependencies of the build stage included) takes
// over a minute on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), INSTALL_TIMEOUT_MS);

describe('Dockerfile', () => {
  const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = dockerfile.stages.at(-1)!;
  const keywords = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('is multi-stage on a slim Node 20 image, runs as node, and declares port, volume, health check and init', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of dockerfile.stages) expect(stage.image).toBe('node:20-bookworm-slim');
    expect(keywords('USER')).toEqual(['node']);
    expect(keywords('EXPOSE')).toEqual(['4141']);
    expect(keywords('VOLUME')).toEqual(['["/data"]']);
    expect(keywords('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(keywords('CMD')).toEqual(['["node", "dist/cli.cjs"]']);
    expect(keywords('HEALTHCHECK')[0]).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \["node", "-e", /);
    // The toolchain for better-sqlite3 stays in the build stage.
    expect(runtime.instructions.some((i) => /python3|g\+\+/.test(i.args))).toBe(false);
  });

  it('sends every folder the package ships to the build context', () => {
    const ignoreText = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    const negations = ignoreText
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).trim());
    const context = contextFiles(ROOT, dockerignore(ignoreText), negations);
    const { files } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    for (const entry of files.filter((f) => f !== 'dist' && existsSync(join(ROOT, f)))) {
      expect(
        context.some((f) => f === entry || f.startsWith(`${entry}/`)),
        `${entry} (in package.json "files") is excluded by .dockerignore`,
      ).toBe(true);
    }
    for (const secret of ['node_modules/', 'dist/', 'data/', '.git/', 'test/', '.env']) {
      expect(context.filter((f) => f.startsWith(secret))).toEqual([]);
    }
    expect(context.filter((f) => /\.db(-wal|-shm)?$/.test(f))).toEqual([]);
  });

  it(
    "runs the Dockerfile's own commands outside Docker: the app starts with the image's CMD and ENV and passes its HEALTHCHECK",
    async () => {
      const began = Date.now();
      const image: BuiltImage = await buildImage(dockerfile, {
        context: ROOT,
        workspace: join(work, 'docker'),
        env: baseEnv(),
      });
      const built = seconds(began);

      // What the image holds: the release, production dependencies only, no sources or tests.
      expect(image.env).toMatchObject({ HOST: '0.0.0.0', PORT: '4141', DB_PATH: '/data/assistants-mock.db', NODE_ENV: 'production' });
      expect(image.user).toBe('node');
      expect(image.skipped).toContain('chown node:node /data');
      for (const file of ['dist/cli.js', 'dist/cli.cjs', 'dist/cli-main.cjs'])
        expect(existsSync(join(image.workdir, file)), file).toBe(true);
      // The code cache the build wrote (scripts/warm-code-cache.mjs), which the command starts from.
      const codeCaches = () => readdirSync(join(image.workdir, 'dist/code-cache'));
      expect(codeCaches()).toHaveLength(1);
      expect(existsSync(join(image.workdir, 'migrations'))).toBe(true);
      for (const absent of ['src', 'test', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/better-sqlite3/deps']) {
        expect(existsSync(join(image.workdir, absent)), absent).toBe(false);
      }
      expect(existsSync(join(image.root, 'data'))).toBe(true);

      // docker run: the image's ENV, but loopback and a free port here, and /data inside the stage's root.
      const port = await freePort();
      const env = {
        ...baseEnv(),
        ...image.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DB_PATH: join(image.root, image.env.DB_PATH),
      };
      const node = (cmd: string[]) => (cmd[0] === 'node' ? [process.execPath, ...cmd.slice(1)] : cmd);
      const health = async () => {
        const [command, ...args] = node(image.healthcheck!.cmd);
        return exec(command, args, { env, cwd: image.workdir, timeout: 10_000 }).then(
          () => 0,
          (e: { code?: number }) => e.code ?? 1,
        );
      };
      expect(image.entrypoint).toEqual(['/usr/bin/tini', '--']); // tini only forwards signals: run CMD directly
      expect(await health(), 'the health check fails while nothing listens').toBe(1);

      const startedAt = Date.now();
      const [command, ...args] = node(image.cmd);
      const app = runCommand(command, args, { cwd: image.workdir, env });
      const { url } = await app.ready;
      expect(url).toBe(`http://127.0.0.1:${port}`);
      await waitFor(async () => (await health()) === 0, 10_000, 'the HEALTHCHECK command to pass');
      const ready = seconds(startedAt);

      // A whole run, so the slimmed node_modules is exercised beyond /healthz (tokenizer included).
      const headers = { authorization: 'Bearer sk-docker', 'content-type': 'application/json' };
      const assistant = (await (await fetch(`${url}/v1/assistants`, { method: 'POST', headers, body: '{"model":"gpt-4o"}' })).json()) as {
        id: string;
      };
      const run = (await (
        await fetch(`${url}/v1/threads/runs`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'hello' }] } }),
        })
      ).json()) as { id: string; thread_id: string };
      await waitFor(
        async () => {
          const r = await fetch(`${url}/v1/threads/${run.thread_id}/runs/${run.id}`, { headers });
          return ((await r.json()) as { status: string }).status === 'completed';
        },
        10_000,
        'the run to complete',
      );
      expect(existsSync(env.DB_PATH)).toBe(true);

      app.signal('SIGTERM');
      expect(await app.exited).toEqual({ code: 0, signal: null });
      // The image's cache fitted this Node: the server wrote none (it writes only to /data).
      expect(codeCaches()).toHaveLength(1);
      console.log(
        `[packaging] Dockerfile emulation (${FULL ? 'full: compile from source' : 'fast: npm cache + local prebuilt addon'}): build ${built}s, ` +
          `start to healthy ${ready}s; RUN timings ${JSON.stringify(image.timings)}`,
      );
    },
    INSTALL_TIMEOUT_MS,
  );
});

describe('docker/ snippets', () => {
  const load = (file: string) => YAML.parse(readFileSync(join(ROOT, 'docker', file), 'utf8')) as Record<string, unknown>;

  it('compose: builds this repository, publishes 4141, keeps /data on a volume, checks /healthz', () => {
    const compose = load('compose.yaml') as { services: Record<string, Record<string, unknown>> };
    const service = compose.services['assistants-mock'];
    expect(service.build).toMatchObject({ context: '..', dockerfile: 'Dockerfile' });
    expect(service.ports).toEqual(['4141:4141']);
    expect(service.volumes).toEqual(['assistants-mock-data:/data']);
    expect(JSON.stringify(service.healthcheck)).toContain('/healthz');
  });

  it('GitHub Actions: a service on 4141 with health options, clients pointed at it', () => {
    const workflow = load('github-actions.yml') as {
      jobs: Record<string, { services: Record<string, Record<string, unknown>>; env: Record<string, string> }>;
    };
    const job = Object.values(workflow.jobs)[0];
    const service = job.services['assistants-mock'];
    expect(service.ports).toEqual(['4141:4141']);
    expect(String(service.options)).toMatch(/--health-interval/);
    expect(job.env.OPENAI_BASE_URL).toBe('http://127.0.0.1:4141/v1');
  });

  it('GitLab CI: a service with an alias, a TCP wait on 4141 and a /healthz wait', () => {
    const pipeline = load('gitlab-ci.yml') as Record<
      string,
      { services: { alias: string; variables: Record<string, string> }[]; before_script: string[]; variables: Record<string, string> }
    >;
    const job = Object.values(pipeline)[0];
    expect(job.services[0].alias).toBe('assistants-mock');
    expect(job.services[0].variables.HEALTHCHECK_TCP_PORT).toBe('4141');
    expect(job.before_script.join('\n')).toContain('http://assistants-mock:4141/healthz');
    expect(job.variables.OPENAI_BASE_URL).toBe('http://assistants-mock:4141/v1');
  });
});

describe('npm pack', () => {
  it(
    'gives a tarball that installs in an empty folder and serves through npx and in-process',
    async () => {
      const began = Date.now();
      const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, env: baseEnv() });
      const tarball = join(work, stdout.trim().split('\n').at(-1)!);
      const { stdout: listing } = await exec('tar', ['-tzf', tarball]);
      const entries = listing.split('\n');
      for (const needed of [
        'package/package.json',
        'package/dist/cli.js',
        'package/dist/cli.cjs',
        'package/dist/cli-main.cjs',
        'package/dist/index.js',
        'package/dist/ui/index.html',
        'package/dist/testing.js',
        'package/dist/vitest.js',
        'package/dist/node-test.js',
        'package/dist/jest.js',
        'package/migrations/meta/_journal.json',
        'package/openapi/openapi.json',
      ]) {
        expect(entries, needed).toContain(needed);
      }
      expect(entries.filter((e) => /^package\/(src|test|node_modules)\//.test(e))).toEqual([]);

      const consumer = join(work, 'consumer');
      mkdirSync(consumer);
      writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      await exec('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: consumer, env: baseEnv(), timeout: INSTALL_TIMEOUT_MS });
      const installed = seconds(began);

      const version = await exec('npx', ['assistants-mock', '--version'], { cwd: consumer, env: baseEnv() });
      expect(version.stdout.trim()).toBe(VERSION);

      const served = Date.now();
      // npx runs the bin through `sh -c`, which does not pass a signal on: signal the process group,
      // as Ctrl-C in a terminal does (docs/operations.md).
      const cli = runCommand('npx', ['assistants-mock', '--port', '0', '--db', './mock.db'], {
        cwd: consumer,
        env: baseEnv(),
        group: true,
      });
      const { url } = await cli.ready;
      expect(cli.stderr()).toContain(`OpenAI base URL  ${url}/v1`);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', version: VERSION });
      // The web UI ships built: the installed package serves it (docs/ui.md).
      const ui = await fetch(`${url}/__admin/ui`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('/__admin/ui/assets/');
      cli.signal('SIGTERM');
      // npm itself may exit first; the server is done when the whole group is gone.
      await waitFor(() => !groupAlive(cli.child.pid!), 15_000, 'the npx process group to exit');
      expect(cli.stdout()).toContain('shutdown complete');
      expect(existsSync(join(consumer, 'mock.db'))).toBe(true);
      expect(existsSync(join(consumer, 'mock.db-wal'))).toBe(false);

      const script = [
        "import { startServer } from 'assistants-mock';",
        "const mock = await startServer({ port: 0, dbPath: ':memory:', logger: false });",
        "const r = await fetch(mock.url + '/v1/assistants', { headers: { authorization: 'Bearer sk' } });",
        'console.log(r.status);',
        // The control client, on startServer's result and from the test-helper entry.
        "const { AdminClient } = await import('assistants-mock/testing');",
        'console.log((await mock.admin.clock.get()).object, typeof AdminClient);',
        'await mock.close();',
      ].join('\n');
      const inProcess = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, env: baseEnv() });
      expect(inProcess.stdout.trim()).toBe('200\nmock.clock function');
      console.log(`[packaging] npm pack + install in an empty folder: ${installed}s; npx start and stop ${seconds(served)}s`);
    },
    INSTALL_TIMEOUT_MS,
  );
});
