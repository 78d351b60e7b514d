/**
 * Bundles the entry points (dist/cli.js for the CLI, dist/index.js for `import 'assistants-mock'`, and
 * the test helpers dist/testing.js, vitest.js, node-test.js, jest.js)
 * with esbuild, over the files tsc wrote. Why: start-up is dominated by loading hundreds of small
 * modules; one bundle loads in about half the time (docs/benchmarks.md). tsc still writes the type
 * declarations, and the tests run the TypeScript sources directly.
 *
 * Left out of the bundle: the native SQLite binding, pino and its transports (they start worker
 * threads from their own files), swagger-ui-dist (its files are served from its own folder), the
 * tokenizer, and LAZY_PACKAGES: those are loaded on first use with require (src/brains/tokens.ts,
 * src/util/lazy-require.ts), so start-up does not compile them (docs/benchmarks.md, start-up;
 * test/bundle.test.ts checks that the start-up path imports none of them).
 *
 * Output is ASCII (charset, and licence comments moved to .LEGAL.txt files): a single non-ASCII
 * character makes Node read a whole chunk as a two-byte string, which is slower to decode and compile.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from './bundle-options.mjs';

// Chunk names carry a content hash: without this, every build would leave the previous chunks behind
// (and `npm pack` would ship them).
rmSync('dist/chunks', { recursive: true, force: true });

await build({ ...BUNDLE_OPTIONS, logLevel: 'warning' });
