/**
 * The start-up path of the bundles the package ships. The packages of LAZY_PACKAGES are loaded on
 * first use (src/util/lazy-require.ts); compiling and evaluating them at start-up was what kept
 * start-up over its target (docs/benchmarks.md). Checked two ways, neither a timing (that stays in
 * bench/):
 * - in the bundles (scripts/bundle-options.mjs, built here in memory): none of them is bundled into
 *   the CLI's dist/cli-main.cjs or any chunk of the package's modules, and the start-up path of
 *   `import 'assistants-mock'` (dist/index.js, the server chunk, what those import statically) does not
 *   import one;
 * - in the running command (`npm run build` first), through a require hook: none of them is loaded
 *   by its first /healthz answer, and each part that needs one still works on its first use.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS, CLI_BUNDLE_OPTIONS, LAZY_PACKAGES } from '../scripts/bundle-options.mjs';
import { CLI, cleanEnv, killAll, runCommand } from './helpers/cli-process.js';

let metafile: Metafile;
let cliMetafile: Metafile;
let outputs: { path: string; text: string }[];

beforeAll(async () => {
  const [modules, cli] = await Promise.all(
    [BUNDLE_OPTIONS, CLI_BUNDLE_OPTIONS].map((options) => build({ ...options, write: false, metafile: true, logLevel: 'silent' })),
  );
  if (!modules.metafile || !cli.metafile || !modules.outputFiles || !cli.outputFiles)
    throw new Error('esbuild gave no metafile or no output');
  metafile = modules.metafile;
  cliMetafile = cli.metafile;
  outputs = [...modules.outputFiles, ...cli.outputFiles].map((f) => ({ path: f.path, text: f.text }));
}, 60_000);

/** The outputs reached from `entries` through static imports: what loading them loads. */
function staticClosure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const output = queue.pop()!;
    if (seen.has(output)) continue;
    seen.add(output);
    for (const imported of metafile.outputs[output].imports) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  return seen;
}

function outputOf(entryPoint: string): string {
  const found = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entryPoint);
  if (!found) throw new Error(`no output for ${entryPoint}`);
  return found[0];
}

const isLazy = (specifier: string) => LAZY_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));

describe('the bundle', () => {
  it("keeps the lazily loaded packages off the start-up path of the package's modules (dist/index.js and the server chunk)", () => {
    // startServer imports the server chunk (src/testing/core.ts, src/index.ts), so both are on the path.
    const startUp = staticClosure([outputOf('src/index.ts'), outputOf('src/server.ts')]);
    const bundled: string[] = [];
    const imported: string[] = [];
    for (const output of startUp) {
      for (const input of Object.keys(metafile.outputs[output].inputs)) {
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        if (name && isLazy(name)) bundled.push(`${input} (in ${output})`);
      }
      // Only import statements run when a chunk loads; a require() in bundled CommonJS runs when
      // its module does (Fastify's unused default compilers require Ajv): the running server below
      // covers those.
      for (const i of metafile.outputs[output].imports) {
        if (i.external && i.kind === 'import-statement' && isLazy(i.path)) imported.push(`${i.path} (in ${output})`);
      }
    }
    expect(bundled).toEqual([]);
    expect(imported).toEqual([]);
  });

  it("leaves the lazy packages out of the CLI's bundle and every chunk, so nothing compiles them before their first use", () => {
    const bundled = [...Object.values(metafile.outputs), ...Object.values(cliMetafile.outputs)]
      .flatMap((o) => Object.keys(o.inputs))
      .filter((input) => {
        const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        return name !== undefined && isLazy(name);
      });
    expect(bundled).toEqual([]);
  });

  it('is ASCII: one other character makes Node read a whole chunk as a slower two-byte string', () => {
    // eslint-disable-next-line no-control-regex
    const notAscii = outputs.filter((o) => /\.c?js$/.test(o.path) && /[^\x00-\x7f]/.test(o.text)).map((o) => o.path);
    expect(notAscii).toEqual([]);
  });
});

/**
 * Preloaded into the CLI: appends to the file AM_LOADED_LOG the lazy package of every CommonJS file
 * Node loads from one, whether required or imported (both go through Module.prototype.load).
 */
const HOOK = `
const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const lazy = JSON.parse(process.env.AM_LAZY_PACKAGES);
const load = Module.prototype.load;
Module.prototype.load = function (filename) {
  const name = lazy.find((p) => filename.includes('/node_modules/' + p + '/'));
  if (name) appendFileSync(process.env.AM_LOADED_LOG, name + '\\n');
  return load.call(this, filename);
};
`;

describe('the running command (dist/cli.js, which runs dist/cli.cjs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'am-bundle-'));
    writeFileSync(join(dir, 'hook.cjs'), HOOK);
  });
  afterEach(killAll);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers its first request without loading a lazy package, and loads each on first use', async () => {
    const log = join(dir, 'loaded.log');
    appendFileSync(log, '');
    const loaded = () => new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
    const cli = runCommand(process.execPath, ['--require', join(dir, 'hook.cjs'), CLI, '--port', '0', '--db', ':memory:'], {
      env: cleanEnv({ AM_LAZY_PACKAGES: JSON.stringify(LAZY_PACKAGES), AM_LOADED_LOG: log }),
    });
    const { url } = await cli.ready;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect([...loaded()]).toEqual([]);

    // First uses: the OpenAPI document (@fastify/swagger, which loads yaml), a scenario with a regex
    // (scenario validation with Ajv, the pattern compiled by RE2JS), then a run it answers.
    const openapi = await fetch(`${url}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { paths: object }).paths).toHaveProperty(['/v1/threads']);
    expect(loaded()).toContain('@fastify/swagger');

    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const added = await post('/__admin/scenarios', {
      name: 'lazy',
      match: { message: { regex: '^weather in (paris|rome)$', ignore_case: true } },
      turns: [{ text: 'Sunny.' }],
    });
    expect(added.status).toBe(200);
    expect(loaded()).toContain('re2js');
    expect(loaded()).toContain('ajv');
  });
});
