/**
 * Bundles the sources with esbuild, over the files tsc wrote (tsc still writes the type declarations,
 * and the tests run the TypeScript sources directly). Why: start-up is dominated by loading and
 * compiling code; one bundle loads in about half the time of hundreds of small modules, and a bundle
 * run through V8's code cache in a fraction of that (docs/benchmarks.md, "Start-up").
 * - dist/cli.cjs: the command (package.json "bin"), a small launcher (src/launcher/cli.ts) that runs
 * - dist/cli-main.cjs: the CLI and the server, one CommonJS file, through V8's code cache;
 * - dist/cli.js: `node dist/cli.js` still starts the command (it loads dist/cli.cjs);
 * - dist/index.js, testing.js, vitest.js, node-test.js, jest.js: the package's modules, ESM chunks.
 *
 * Left out of the bundles: the native SQLite binding, pino and its transports (they start worker
 * threads from their own files), swagger-ui-dist (its files are served from its own folder), the
 * tokenizer, and LAZY_PACKAGES: those are loaded on first use with require (src/brains/tokens.ts,
 * src/util/lazy-require.ts), so start-up does not compile them (docs/benchmarks.md, start-up;
 * test/bundle.test.ts checks that the start-up path loads none of them).
 *
 * Output is ASCII (charset, and licence comments moved to .LEGAL.txt files): a single non-ASCII
 * character makes Node read a whole file as a two-byte string, which is slower to decode and compile.
 * scripts/warm-code-cache.mjs then writes the code cache the command starts from.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, CLI_BUNDLE_OPTIONS, LAUNCHER_OPTIONS } from './bundle-options.mjs';

// Chunk names carry a content hash: without this, every build would leave the previous chunks behind
// (and `npm pack` would ship them). A code cache of the previous bundle would only be refused.
rmSync('dist/chunks', { recursive: true, force: true });
rmSync('dist/code-cache', { recursive: true, force: true });

await Promise.all([
  build({ ...BUNDLE_OPTIONS, logLevel: 'warning' }),
  build({ ...CLI_BUNDLE_OPTIONS, logLevel: 'warning' }),
  build({ ...LAUNCHER_OPTIONS, logLevel: 'warning' }),
]);

// The launcher reads the CLI's bundle as latin1 (src/launcher/code-cache.ts): right only for ASCII.
for (const file of ['dist/cli-main.cjs', 'dist/cli.cjs']) {
  if (!isAscii(readFileSync(file))) throw new Error(`${file} is not ASCII: check charset in scripts/bundle-options.mjs`);
}

// Over what tsc wrote for src/cli.ts (a module that only exports `main`).
writeFileSync(
  'dist/cli.js',
  "#!/usr/bin/env node\n// `node dist/cli.js` starts the command, which is dist/cli.cjs (scripts/bundle.mjs).\nimport './cli.cjs';\n",
);
