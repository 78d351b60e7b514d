/**
 * The esbuild options of scripts/bundle.mjs, in their own file so that test/bundle.test.ts builds
 * exactly what the package ships (in memory) and checks its start-up path.
 */
import { readFile } from 'node:fs/promises';

/**
 * Packages loaded with require on first use (src/util/lazy-require.ts), never on the way to the
 * server's first answer: left out of the bundle so that start-up does not compile them.
 */
export const LAZY_PACKAGES = ['yaml', 're2js', '@fastify/swagger', 'ajv', 'ajv-formats', 'randexp', 'chokidar'];

/**
 * fastify/lib/server.js requires node:https and node:http2 (for an HTTPS or HTTP/2 server) and
 * node:dns (to listen on a host name) when it loads; this server uses none of them to start on an
 * address, and loading those modules of Node's took about a twentieth of its start-up CPU. In the
 * bundle each becomes a stand-in that requires the module on first use. The build fails if
 * Fastify's file no longer has these lines, rather than silently keeping the cost.
 * @type {import('esbuild').Plugin}
 */
const lazyFastifyServerBuiltins = {
  name: 'lazy-fastify-server-builtins',
  setup(build) {
    build.onLoad({ filter: /[\\/]fastify[\\/]lib[\\/]server\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      for (const id of ['https', 'http2', 'dns']) {
        const line = `const ${id} = require('node:${id}')`;
        if (!text.includes(line)) throw new Error(`${args.path} no longer has "${line}": review scripts/bundle-options.mjs`);
        text = text.replace(line, `const ${id} = lazyBuiltin('node:${id}')`);
      }
      text += '\nfunction lazyBuiltin (id) { let m; return new Proxy({}, { get: (_, key) => (m ??= require(id))[key] }) }\n';
      return { contents: text, loader: 'js' };
    });
  },
};

/** Left to Node's require: native code, worker-thread files, files served from their own folder. */
const EXTERNAL = ['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream', 'swagger-ui-dist', 'gpt-tokenizer', 'vitest', ...LAZY_PACKAGES];

/** What every bundle shares. */
const COMMON = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  charset: 'ascii',
  legalComments: 'linked',
  // Less for V8 to scan at start-up (1.9 MB to 1.2 MB); names stay, and the source maps map back.
  minifyWhitespace: true,
  plugins: [lazyFastifyServerBuiltins],
  external: EXTERNAL,
};

/**
 * The package's modules (`import 'assistants-mock'` and the test helpers), as ESM chunks. The CLI is
 * not among them: it is CLI_BUNDLE_OPTIONS below.
 * @type {import('esbuild').BuildOptions}
 */
export const BUNDLE_OPTIONS = {
  ...COMMON,
  entryPoints: {
    index: 'src/index.ts',
    // The test helpers (package.json "exports"): each its own entry, the runner left to the user's install.
    testing: 'src/testing/index.ts',
    vitest: 'src/testing/vitest.ts',
    'node-test': 'src/testing/node-test.ts',
    jest: 'src/testing/jest.ts',
  },
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __amCreateRequire } from 'node:module'; const require = __amCreateRequire(import.meta.url);",
  },
};

/**
 * The CLI (src/cli.ts and all it loads) as one CommonJS file, dist/cli-main.cjs, which the command
 * runs through V8's code cache (src/launcher/code-cache.ts): Node 20 can give a cache only to a script,
 * not to an ES module. `import.meta.url` becomes the bundle's own file URL (scripts/import-meta-url.mjs).
 * @type {import('esbuild').BuildOptions}
 */
export const CLI_BUNDLE_OPTIONS = {
  ...COMMON,
  entryPoints: { 'cli-main': 'src/cli.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // Fastify requires these only when it needs them, and the CLI never does: its own compilers replace
  // Fastify's (src/server.ts), and `inject` is for tests. Left out, the bundle is a sixth smaller, and so
  // is what every start reads, hashes and takes from the code cache. Still installed (Fastify's
  // dependencies), so a require would find them.
  external: [
    // pino and better-sqlite3's JavaScript are bundled here (their start-up share was ~25 ms of compiling
    // and module lookups): pino's workers and the SQLite addon are found by path (src/http/log-destination.ts,
    // src/store/sqlite.ts).
    ...EXTERNAL.filter((name) => !['pino', 'thread-stream', 'better-sqlite3'].includes(name)),
    '@fastify/ajv-compiler',
    '@fastify/fast-json-stringify-compiler',
    'light-my-request',
  ],
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: ['scripts/import-meta-url.mjs'],
};

/**
 * The command itself, dist/cli.cjs (package.json "bin"): the launcher, with nothing but Node's modules.
 * @type {import('esbuild').BuildOptions}
 */
export const LAUNCHER_OPTIONS = {
  entryPoints: { cli: 'src/launcher/cli.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  charset: 'ascii',
};
