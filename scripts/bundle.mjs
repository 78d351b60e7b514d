/**
 * Bundles the entry points (dist/cli.js for the CLI, dist/index.js for `import 'assistants-mock'`, and
 * the test helpers dist/testing.js, vitest.js, node-test.js, jest.js)
 * with esbuild, over the files tsc wrote. Why: start-up is dominated by loading hundreds of small
 * modules; one bundle loads in about half the time (docs/benchmarks.md). tsc still writes the type
 * declarations, and the tests run the TypeScript sources directly.
 *
 * Left out of the bundle: the native SQLite binding, pino and its transports (they start worker
 * threads from their own files), swagger-ui-dist (its files are served from its own folder), and the
 * tokenizer (loaded on first use with require).
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a content hash: without this, every build would leave the previous chunks behind
// (and `npm pack` would ship them).
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: {
    cli: 'src/cli.ts',
    index: 'src/index.ts',
    // The test helpers (package.json "exports"): each its own entry, the runner left to the user's install.
    testing: 'src/testing/index.ts',
    vitest: 'src/testing/vitest.ts',
    'node-test': 'src/testing/node-test.ts',
    jest: 'src/testing/jest.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream', 'swagger-ui-dist', 'gpt-tokenizer', 'vitest'],
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __amCreateRequire } from 'node:module'; const require = __amCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
