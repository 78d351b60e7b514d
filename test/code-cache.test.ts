/**
 * The code cache the command starts from (src/launcher/code-cache.ts): used when it fits, never when
 * it does not (another bundle, damaged data, an unsafe folder), written where it may be, and off on
 * request. First on small bundles in this process, then end to end: the built command in a copy of the
 * package, started three times.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, killAll, ROOT, runCommand } from './helpers/cli-process.js';

/**
 * Each load runs in a process of its own, as each start of the command does: within one process V8
 * keeps what it compiled by source text and would never even read a cache given for the same text
 * again. The child runs src/launcher/code-cache.ts, compiled here by esbuild, on the bundle.
 */
const CHILD = `
const { loadBundle } = require(process.env.CODE_CACHE_MODULE);
const bundle = loadBundle(process.env.PROBE_BUNDLE);
const written = process.env.PROBE_SAVE ? bundle.save() ?? null : null;
process.stdout.write(JSON.stringify({ status: bundle.status, answer: bundle.exports.answer(), file: bundle.exports.file, folder: bundle.exports.folder, written }));
`;

interface Load {
  status: string;
  answer: string;
  file: string;
  folder: string;
  written: string | null;
}

/** A bundle whose `answer` is compiled before the cache is made, so the cache holds its bytecode. */
const bundleText = (answer: string) =>
  `const value = '${answer}';\nmodule.exports = { answer: () => value, file: __filename, folder: __dirname };\nmodule.exports.answer();\n`;

let compiled: string;
let work: string;
let dist: string;
let bundle: string;
let userCache: string;
const cachesIn = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.cache')) : []);

function load(options: { save?: boolean; env?: Record<string, string> } = {}): Load {
  const out = execFileSync(process.execPath, ['-e', CHILD], {
    env: cleanEnv({
      CODE_CACHE_MODULE: compiled,
      PROBE_BUNDLE: bundle,
      PROBE_SAVE: options.save ? '1' : '',
      XDG_CACHE_HOME: userCache,
      ...options.env,
    }),
    encoding: 'utf8',
  });
  return JSON.parse(out) as Load;
}

beforeAll(async () => {
  compiled = join(mkdtempSync(join(tmpdir(), 'am-code-cache-module-')), 'code-cache.cjs');
  await build({
    entryPoints: [join(ROOT, 'src/launcher/code-cache.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: compiled,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(dirname(compiled), { recursive: true, force: true }));

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'am-code-cache-'));
  dist = join(work, 'dist');
  mkdirSync(dist);
  bundle = join(dist, 'probe.cjs');
  userCache = join(work, 'user-cache');
  writeFileSync(bundle, bundleText('A'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('loadBundle', () => {
  const userFolder = () => join(userCache, 'assistants-mock');
  const packageFolder = () => join(dist, 'code-cache');

  it("runs the bundle as CommonJS, writes a cache into the user's folder alone, and uses it at the next start", () => {
    const first = load({ save: true });
    expect(first).toMatchObject({ status: 'missing', answer: 'A', file: bundle, folder: dist });
    expect(first.written).toBe(join(userFolder(), cachesIn(userFolder())[0]));
    expect(first.written).toMatch(/probe\.cjs-[0-9a-f]{16}\.cache$/);
    expect(statSync(userFolder()).mode & 0o777).toBe(0o700);
    expect(statSync(first.written!).mode & 0o777).toBe(0o600);
    expect(existsSync(packageFolder()), 'a start never writes into the package').toBe(false);

    const second = load({ save: true });
    expect(second).toMatchObject({ status: 'used', answer: 'A' });
    expect(second.written, 'a start that used a cache writes none').toBeNull();
  });

  it('uses the cache the build put next to the bundle, and never writes there', () => {
    const { written } = load({ save: true });
    mkdirSync(packageFolder());
    renameSync(written!, join(packageFolder(), basename(written!)));
    expect(load({ save: true })).toMatchObject({ status: 'used', answer: 'A', written: null });

    writeFileSync(bundle, bundleText('B')); // a new build, its old cache still there
    const rebuilt = load({ save: true });
    expect(rebuilt).toMatchObject({ status: 'missing', answer: 'B' });
    expect(dirname(rebuilt.written!)).toBe(userFolder());
    expect(cachesIn(packageFolder())).toHaveLength(1);
  });

  it('never uses the cache of another bundle, even one of the same length (V8 only compares lengths)', () => {
    load({ save: true });
    writeFileSync(bundle, bundleText('B'));
    expect(load()).toMatchObject({ status: 'missing', answer: 'B' });
  });

  it('runs the bundle when V8 refuses damaged data, and replaces the cache', () => {
    const written = load({ save: true }).written!;
    const file = readFileSync(written);
    const headerEnd = file.indexOf(0x0a) + 1;
    writeFileSync(written, Buffer.concat([file.subarray(0, headerEnd), Buffer.alloc(file.length - headerEnd, 7)]));

    expect(load({ save: true })).toMatchObject({ status: 'rejected', answer: 'A', written });
    expect(load().status).toBe('used');
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE: nothing read, nothing written', () => {
    load({ save: true });
    expect(load({ env: { NODE_DISABLE_COMPILE_CACHE: '1' } })).toMatchObject({ status: 'off', answer: 'A' });
    rmSync(userFolder(), { recursive: true });
    expect(load({ save: true, env: { NODE_DISABLE_COMPILE_CACHE: '1' } }).written).toBeNull();
    expect(existsSync(userFolder())).toBe(false);
  });

  it('keeps one cache per set of Node flags, so two ways of starting do not overwrite each other', () => {
    load({ save: true });
    expect(load({ save: true, env: { NODE_OPTIONS: '--max-old-space-size=300' } })).toMatchObject({ status: 'missing' });
    expect(cachesIn(userFolder())).toHaveLength(2);
    expect(load().status).toBe('used');
    expect(load({ env: { NODE_OPTIONS: '--max-old-space-size=300' } }).status).toBe('used');
  });

  it('takes ~/.cache when XDG_CACHE_HOME is relative (the XDG rule: absolute paths only)', () => {
    const home = join(work, 'home');
    const { written } = load({ save: true, env: { XDG_CACHE_HOME: 'relative/cache', HOME: home } });
    expect(dirname(written!)).toBe(join(home, '.cache', 'assistants-mock'));
  });

  it('neither uses nor writes a cache in a user folder that others can write', () => {
    load({ save: true });
    chmodSync(userFolder(), 0o777);
    expect(load().status, 'a file others could have put there').toBe('missing');
    rmSync(userFolder(), { recursive: true });
    mkdirSync(userFolder());
    chmodSync(userFolder(), 0o777);
    expect(load({ save: true }).written).toBeNull();
    expect(cachesIn(userFolder())).toEqual([]);
  });
});

/** The launcher's debug line about the cache, from the JSON log lines of a start. */
function cacheLines(stdout: string): { msg: string; code_cache?: string; code_cache_file?: string | null }[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('code cache'))
    .map((line) => JSON.parse(line) as { msg: string; code_cache?: string });
}

describe('the built command (dist/cli.cjs, `npm run build` first)', () => {
  const copy = mkdtempSync(join(tmpdir(), 'am-code-cache-pkg-'));
  afterEach(killAll);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  async function start(): Promise<{ stdout: string }> {
    const cli = runCommand(process.execPath, [join(copy, 'dist', 'cli.cjs'), '--port', '0', '--db', ':memory:', '--log-level', 'debug'], {
      cwd: copy,
      env: cleanEnv({ XDG_CACHE_HOME: join(copy, 'user-cache') }),
    });
    const { url } = await cli.ready;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const created = await fetch(`${url}/v1/assistants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"gpt-4o"}',
    });
    expect(created.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the cache is written after the first answer
    cli.signal('SIGTERM');
    await cli.exited;
    return { stdout: cli.stdout() };
  }

  it("writes its cache into the user's folder after its first answer, starts from it next time, and replaces a damaged one", async () => {
    // A copy of the package with the built command and no cache, so that this test owns the cache.
    mkdirSync(join(copy, 'dist'));
    for (const file of ['cli.cjs', 'cli-main.cjs']) cpSync(join(ROOT, 'dist', file), join(copy, 'dist', file));
    for (const entry of ['package.json', 'migrations', 'schemas', 'openapi'])
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const folder = join(copy, 'user-cache', 'assistants-mock');

    const first = await start();
    expect(cacheLines(first.stdout).map((l) => l.code_cache ?? l.msg)).toEqual(['missing', 'code cache written']);
    const [name] = cachesIn(folder);
    expect(name).toMatch(/^cli-main\.cjs-[0-9a-f]{16}\.cache$/);
    const written = statSync(join(folder, name)).mtimeMs;

    const second = await start();
    expect(cacheLines(second.stdout).map((l) => l.code_cache ?? l.msg)).toEqual(['used']);
    expect(statSync(join(folder, name)).mtimeMs).toBe(written);

    const file = readFileSync(join(folder, name));
    writeFileSync(join(folder, name), file.subarray(0, file.indexOf(0x0a) + 100));
    const third = await start();
    expect(cacheLines(third.stdout).map((l) => l.code_cache ?? l.msg)).toEqual(['rejected', 'code cache written']);
    expect(readFileSync(join(folder, name)).length).toBeGreaterThan(100_000);
    expect(existsSync(join(copy, 'dist', 'code-cache')), 'the package folder stays as installed').toBe(false);
  }, 60_000);
});
