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

/** @type {import('esbuild').BuildOptions} */
export const BUNDLE_OPTIONS = {
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
  charset: 'ascii',
  legalComments: 'linked',
  // Less for V8 to scan at start-up (1.9 MB to 1.2 MB); names stay, and the source maps map back.
  minifyWhitespace: true,
  plugins: [lazyFastifyServerBuiltins],
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream', 'swagger-ui-dist', 'gpt-tokenizer', 'vitest', ...LAZY_PACKAGES],
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __amCreateRequire } from 'node:module'; const require = __amCreateRequire(import.meta.url);",
  },
};
