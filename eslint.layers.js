/**
 * The layers of src/ and the one direction imports may take between them (docs/architecture.md):
 *
 *   server.ts, cli.ts, index.ts, testing/, client/   the app factory and the packages' entry points
 *   launcher/                                        the installed command (dist/cli.cjs), Node's modules only
 *   http/ (routes, compat, errors, hooks), admin/    what a client talks to
 *   engine/, streaming/                               runs, their scheduler and their events
 *   brains/                                          what decides a turn
 *   domain/, retrieval/                               per resource: schemas, serializers, rules; FTS5 search
 *   store/                                            drizzle schema and queries, the only SQL
 *   util/, config.ts, paths.ts, version.ts            anywhere
 *
 * A layer imports only layers below it. Enforced by `npm run lint` (part of `npm test`); the test
 * test/layers.lint.test.ts shows the rule rejecting an upward import.
 */

/** A specifier reaching into `dir` from anywhere: '../engine/x.js', '../../http/routes/y.js', './admin/z.js'. */
const into = (...dirs) => `(^|/)(${dirs.join('|')})(/|\\.js$)`;

const APP = ['server', 'cli', 'index', 'shutdown', 'testing', 'client', 'launcher'];
const rule = (message, dirs, extra = {}) => ({ regex: into(...dirs), message, ...extra });

export const LAYER_RULES = [
  {
    files: ['src/http/**/*.ts'],
    patterns: [
      rule('http/ is below the app factory and beside admin/: the factory hands admin parts in (RequestHookParts).', [...APP, 'admin']),
    ],
  },
  {
    files: ['src/admin/**/*.ts'],
    patterns: [rule('admin/ is below the app factory.', APP)],
  },
  {
    files: ['src/engine/**/*.ts', 'src/streaming/**/*.ts'],
    patterns: [rule('The engine and the event stream are below HTTP and the control API.', [...APP, 'http', 'admin'])],
  },
  {
    files: ['src/brains/**/*.ts'],
    patterns: [
      rule('A brain decides a turn from its input: it does not reach the engine, HTTP or the app.', [
        ...APP,
        'http',
        'admin',
        'engine',
        'streaming',
        'context',
      ]),
    ],
  },
  {
    files: ['src/domain/**/*.ts', 'src/retrieval/**/*.ts'],
    patterns: [
      rule('The domain depends only on the store: take what it needs as DomainServices (src/domain/services.ts).', [
        ...APP,
        'http',
        'admin',
        'engine',
        'streaming',
        'context',
      ]),
      // The tokenizer is a pure function of a text (gpt-tokenizer), shared by brains, retrieval's chunking and the
      // engine's usage counts; it is the one module of brains/ the layers below may use.
      { regex: '(^|/)brains/(?!tokens\\.js$)', message: 'The domain is below the brains (only their tokenizer is shared).' },
    ],
  },
  {
    files: ['src/store/**/*.ts'],
    patterns: [
      rule('The store imports nothing above it.', [...APP, 'http', 'admin', 'engine', 'streaming', 'context', 'retrieval']),
      // The store's cursor checks reject a bad `after`/`before` with the API's own error; src/domain/errors.ts
      // imports nothing, so this adds no dependency on the rest of the domain.
      { regex: '(^|/)domain/(?!errors\\.js$)', message: 'The store imports nothing above it (only the error constructors).' },
      // The run audit stores which brain answered a turn in that brain's own type; types only, no code.
      {
        regex: '(^|/)brains/',
        message: 'The store imports nothing above it (only the type of who answered a turn).',
        allowTypeImports: true,
      },
    ],
  },
];

/** Flat-config entries for eslint.config.js. */
export function layerConfigs() {
  return LAYER_RULES.map(({ files, patterns }) => ({
    files,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  }));
}
