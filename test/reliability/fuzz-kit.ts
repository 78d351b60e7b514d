/**
 * Bad-input fuzzing with fast-check, shared by test/fuzz.test.ts (quick, in `npm test`) and
 * test/reliability/fuzz.test.ts (more runs, plus real HTTP).
 *
 * Every route the app serves is read from `app.registeredRoutes` (the Azure /openai routes too, which
 * Fastify's router does not hold: src/http/router-rewrite.ts), so a new route is fuzzed without
 * touching this file. Each case is a route, path ids (seeded objects, unknown ids, wrong kinds,
 * unicode, overlong, broken percent-encoding), a query string and a body (malformed JSON, any JSON
 * value, known fields with wrong types, near-valid bodies with one field broken, unknown fields, huge
 * strings). The property: never a 5xx, and every error in the OpenAI shape
 * `{"error":{"message","type","param","code"}}`.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Route {
  method: Method;
  /** With `:name` parameters, as registered. */
  path: string;
}

/**
 * Routes left out, and why: the docs pages are @fastify/swagger-ui's static files; the event feed is
 * an endless stream; a fault makes later requests fail on purpose; reset would wipe the seeds (it is
 * fuzzed separately, last).
 */
export function skipped(route: Route): boolean {
  if (route.path.startsWith('/docs')) return true;
  if (route.path === '/__admin/events') return true;
  if (route.path.startsWith('/__admin/faults') && route.method === 'POST') return true;
  if (route.path === '/__admin/reset') return true;
  return false;
}

/** Every route the app answers (src/http/route-access.ts), the methods fuzzed here only. */
export function listRoutes(app: FastifyInstance): Route[] {
  const fuzzed = (method: string): method is Method => method === 'GET' || method === 'POST' || method === 'DELETE';
  return app.registeredRoutes.flatMap((r) => (fuzzed(r.method) ? [{ method: r.method, path: r.url }] : []));
}

// ---- seeds ----------------------------------------------------------------------------------------

/** Ids of real objects, so that fuzzed requests also reach the handlers behind the 404s. */
export type Seeds = Record<string, string>;

interface Injected {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

type Inject = (options: { method: Method; url: string; payload?: string | Buffer; headers?: Record<string, string> }) => Promise<Injected>;

export function injector(app: FastifyInstance): Inject {
  return async (options) => {
    const res = await app.inject(options);
    return { statusCode: res.statusCode, body: res.body, headers: res.headers };
  };
}

async function json(inject: Inject, method: Method, url: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await inject({
    method,
    url,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  if (res.statusCode !== 200) throw new Error(`seeding ${method} ${url}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

function multipartFile(name: string, content: string): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----fuzzboundary' + Math.random().toString(16).slice(2);
  const payload = Buffer.from(
    [
      `--${boundary}`,
      'Content-Disposition: form-data; name="purpose"',
      '',
      'assistants',
      `--${boundary}`,
      `Content-Disposition: form-data; name="file"; filename="${name}"`,
      'Content-Type: text/plain',
      '',
      content,
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** An assistant with a function tool, a thread with a message, a run waiting for tool outputs, a file, a vector store. */
export async function seed(inject: Inject): Promise<Seeds> {
  const assistant = await json(inject, 'POST', '/v1/assistants', {
    model: 'gpt-4o',
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Get the weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
  });
  const thread = await json(inject, 'POST', '/v1/threads', { messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
  const messages = await json(inject, 'GET', `/v1/threads/${String(thread.id)}/messages`);
  const message = (messages.data as { id: string }[])[0];
  const run = await json(inject, 'POST', `/v1/threads/${String(thread.id)}/runs`, { assistant_id: assistant.id });
  let steps: { id: string }[] = [];
  for (let i = 0; i < 200 && steps.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    steps = (await json(inject, 'GET', `/v1/threads/${String(thread.id)}/runs/${String(run.id)}/steps`)).data as { id: string }[];
  }
  const upload = multipartFile('notes.txt', 'The capital of France is Paris.');
  const fileRes = await inject({ method: 'POST', url: '/v1/files', payload: upload.payload, headers: upload.headers });
  const file = fileRes.statusCode === 200 ? (JSON.parse(fileRes.body) as { id: string }).id : 'file-abc123';
  let vectorStore = 'vs_abc123';
  const vs = await inject({
    method: 'POST',
    url: '/v1/vector_stores',
    payload: JSON.stringify({ name: 'fuzz', file_ids: [file] }),
    headers: { 'content-type': 'application/json' },
  });
  if (vs.statusCode === 200) vectorStore = (JSON.parse(vs.body) as { id: string }).id;
  return {
    assistant_id: String(assistant.id),
    thread_id: String(thread.id),
    message_id: message.id,
    run_id: String(run.id),
    step_id: steps[0]?.id ?? 'step_abc123',
    file_id: file,
    vector_store_id: vectorStore,
    batch_id: 'vsfb_0123456789abcdef0123456789abcdef',
    fault_id: 'fault_abc123',
    name: 'no-such-scenario',
  };
}

// ---- arbitraries ----------------------------------------------------------------------------------

const PREFIXES = ['asst_', 'thread_', 'msg_', 'run_', 'step_', 'file-', 'vs_', 'vsfb_', 'call_', 'fault_'];

const KNOWN_FIELDS = [
  'model',
  'name',
  'description',
  'instructions',
  'tools',
  'tool_resources',
  'metadata',
  'temperature',
  'top_p',
  'response_format',
  'messages',
  'role',
  'content',
  'attachments',
  'assistant_id',
  'thread',
  'additional_instructions',
  'additional_messages',
  'stream',
  'max_prompt_tokens',
  'max_completion_tokens',
  'truncation_strategy',
  'tool_choice',
  'parallel_tool_calls',
  'tool_outputs',
  'file_ids',
  'files',
  'file_id',
  'chunking_strategy',
  'expires_after',
  'query',
  'filters',
  'max_num_results',
  'ranking_options',
  'rewrite_query',
  'attributes',
  'seconds',
  'ms',
  'match',
  'turns',
  'reasoning_effort',
  'include',
];

const QUERY_KEYS = ['limit', 'order', 'after', 'before', 'include[]', 'include', 'run_id', 'filter', 'purpose', 'api-version', 'since'];

/** Strings that tend to break things. */
const nasty = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '🙂'.repeat(50),
  'ß\u0301\u200b\u202e',
  "'; DROP TABLE threads; --",
  '<script>alert(1)</script>',
  '${{7*7}}',
  '{{message}}',
);

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => 'x'.repeat(k === 1 ? 300 : k === 2 ? 5_000 : 200_000)) },
);

const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  anyString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, [null], [{}], { type: 'function' }, { type: 'nope' }),
);

/**
 * Seeded ids appear in cases as markers, replaced by the current seeds when the case runs: fuzzed
 * deletes remove seeded objects, and re-seeding must reach cases drawn afterwards.
 */
const mark = (kind: string) => `@@${kind}@@`;

/** encodeURIComponent, with lone surrogates (which it refuses) made U+FFFD first. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

export function resolve(c: FuzzCase, seeds: Seeds): FuzzCase {
  const fill = (text: string) => text.replace(/@@([a-z_]+)@@/g, (_, kind: string) => seeds[kind] ?? 'abc');
  return { ...c, url: fill(c.url), body: c.body === undefined ? undefined : fill(c.body) };
}

/** A path parameter value. `kind` is the parameter's name (`thread_id`, ...). */
function idArbitrary(kind: string): fc.Arbitrary<string> {
  const seeded = mark(kind);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(seeded) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...PREFIXES).chain((p) => fc.string({ minLength: 1, maxLength: 30 }).map((s) => encode(p + s))),
    },
    { weight: 2, arbitrary: anyString.map((s) => encode(s.slice(0, 700))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%ZZ', '%', '%E0%A4%A', '..', '.', '%2F', '%2e%2e', 'a'.repeat(501), `${seeded}%20`, `${seeded}.json`),
    },
  );
}

function queryArbitrary(route: Route): fc.Arbitrary<string> {
  const pairs = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })),
      fc.oneof(
        fc.constantFrom('1', '0', '-5', '20', '100', '101', '10000', 'asc', 'desc', 'sideways', 'abc', '1.5', '2024-05-01-preview', 'v2'),
        anyString.map((s) => s.slice(0, 300)),
      ),
    ),
    { maxLength: 5 },
  );
  const azure = route.path.startsWith('/openai');
  return fc
    .tuple(pairs, fc.boolean(), fc.constantFrom('', '&&==', '%ZZ=1', 'limit=1&limit=2', 'a[b][c]=1'))
    .map(([list, withVersion, raw]) => {
      const params = new URLSearchParams();
      if (azure && withVersion) params.append('api-version', '2024-05-01-preview');
      for (const [k, v] of list) params.append(k, v);
      const text = [params.toString(), raw].filter(Boolean).join('&');
      return text ? `?${text}` : '';
    });
}

/** Near-valid bodies for the routes that take one: fields a real call would send, then one broken. */
function templates(): Record<string, unknown>[] {
  return [
    { model: 'gpt-4o', name: 'x', instructions: 'Be brief.', tools: [{ type: 'code_interpreter' }], metadata: { a: 'b' } },
    { messages: [{ role: 'user', content: 'hello' }], metadata: {} },
    { role: 'user', content: 'hello', attachments: [] },
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { assistant_id: mark('assistant_id'), instructions: 'x', tool_choice: 'auto', max_completion_tokens: 256 },
    { assistant_id: mark('assistant_id'), thread: { messages: [{ role: 'user', content: 'hi' }] } },
    { tool_outputs: [{ tool_call_id: 'call_abc', output: 'sunny' }] },
    { metadata: { key: 'value' } },
    {
      name: 'store',
      file_ids: [mark('file_id')],
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } },
    },
    { file_id: mark('file_id'), attributes: { a: 1 } },
    { query: 'paris', max_num_results: 5, filters: { type: 'eq', key: 'a', value: 1 } },
    { seconds: 1 },
    { name: 'rule', match: { message: { contains: 'x' } }, turns: [{ text: 'hi' }] },
  ];
}

export interface FuzzCase {
  route: Route;
  url: string;
  body?: string;
  contentType?: string;
  headers: Record<string, string>;
}

function bodyArbitrary(): fc.Arbitrary<{ body?: string; contentType?: string }> {
  const asJson = (value: unknown) => ({ body: JSON.stringify(value), contentType: 'application/json' });
  const mutated = fc
    .tuple(fc.constantFrom(...templates()), fc.constantFrom(...KNOWN_FIELDS, 'unknown_field', 'x'), wrongValue, fc.boolean())
    .map(([template, field, value, replace]) => {
      const copy: Record<string, unknown> = { ...template };
      const keys = Object.keys(copy);
      // Replace one existing field, or add one (known or unknown).
      const key = replace && keys.length > 0 ? keys[field.length % keys.length] : field;
      copy[key] = value;
      return asJson(copy);
    });
  const malformed = fc.oneof(
    fc.string({ maxLength: 60 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
    fc.constantFrom('{', '{"a":', '{"model": "gpt-4o",}', "{'a': 1}", '[1, 2', '{"a": NaN}', '\u0000', '\ufeff{}', '{"a":1}{"b":2}'),
    fc.constantFrom(...templates()).chain((t) => {
      const text = JSON.stringify(t);
      return fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((n) => text.slice(0, n));
    }),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 3, arbitrary: anyJson.map(asJson) },
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...KNOWN_FIELDS), wrongValue, { maxKeys: 4 }).map(asJson) },
    { weight: 5, arbitrary: mutated },
    { weight: 3, arbitrary: malformed.map((body) => ({ body, contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          anyString,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'multipart/form-data; boundary=zz',
            'multipart/form-data',
            'application/octet-stream',
            '',
          ),
        )
        .map(([body, contentType]) => ({ body, contentType })),
    },
  );
}

const headersArbitrary: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.option(fc.constantFrom('assistants=v1', 'assistants=v2', 'assistants=v9', 'assistants=', 'nonsense', 'assistants=v2, other=1'), {
      nil: undefined,
    }),
    fc.option(fc.constantFrom('Bearer sk-fuzz', 'Bearer ', 'Basic abc', 'bearer  sk-other'), { nil: undefined }),
  )
  .map(([beta, auth]) => ({
    ...(beta !== undefined ? { 'openai-beta': beta } : {}),
    ...(auth !== undefined ? { authorization: auth } : {}),
  }));

export function caseArbitrary(routes: Route[]): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...routes).chain((route) => {
    const names = [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
    return fc
      .tuple(
        fc.tuple(...names.map((n) => idArbitrary(n))),
        queryArbitrary(route),
        route.method === 'POST' ? bodyArbitrary() : fc.option(bodyArbitrary(), { freq: 5, nil: undefined }).map((b) => b ?? {}),
        headersArbitrary,
      )
      .map(([ids, query, body, headers]) => {
        let i = 0;
        const path = route.path.replace(/:([a-z_]+)/g, () => ids[i++]);
        return { route, url: path + query, body: body.body, contentType: body.contentType, headers };
      });
  });
}

// ---- the property ---------------------------------------------------------------------------------

export interface Outcome {
  status: number;
  body: string;
  contentType: string;
}

/** Throws (with the case, so fast-check can shrink and report it) unless the answer is acceptable. */
export function check(c: FuzzCase, outcome: Outcome): void {
  const where = () =>
    `${c.route.method} ${c.url.slice(0, 300)} body=${(c.body ?? '').slice(0, 300)} ct=${c.contentType ?? ''} -> ${outcome.status} ${outcome.body.slice(0, 400)}`;
  if (outcome.status >= 500) throw new Error(`5xx: ${where()}`);
  if (outcome.status < 400) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.body);
  } catch {
    throw new Error(`error body is not JSON: ${where()}`);
  }
  const error = (parsed as { error?: unknown }).error as Record<string, unknown> | undefined;
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.keys(parsed).length === 1 &&
    typeof error === 'object' &&
    error !== null &&
    typeof error.message === 'string' &&
    error.message.length > 0 &&
    typeof error.type === 'string' &&
    (error.param === null || typeof error.param === 'string') &&
    (error.code === null || typeof error.code === 'string') &&
    Object.keys(error).sort().join() === 'code,message,param,type';
  if (!ok) throw new Error(`error body not in the OpenAI shape: ${where()}`);
  if (!outcome.contentType.startsWith('application/json')) throw new Error(`error content-type ${outcome.contentType}: ${where()}`);
}

export function requestOptions(c: FuzzCase): { method: Method; url: string; payload?: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { ...c.headers };
  if (c.contentType) headers['content-type'] = c.contentType;
  return { method: c.route.method, url: c.url, payload: c.body, headers };
}

/** Runs `numRuns` cases through `app.inject`, re-seeding every 100 cases (fuzzed deletes remove seeds). */
export async function fuzzInject(
  app: FastifyInstance,
  numRuns: number,
  seedValue?: number,
): Promise<{ statuses: Map<number, number>; routes: number }> {
  const inject = injector(app);
  const routes = listRoutes(app).filter((r) => !skipped(r));
  let seeds = await seed(inject);
  const statuses = new Map<number, number>();
  let count = 0;
  await fc.assert(
    fc.asyncProperty(caseArbitrary(routes), async (drawn) => {
      if (++count % 100 === 0) seeds = await seed(inject);
      const c = resolve(drawn, seeds);
      const res = await inject(requestOptions(c));
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      check(c, { status: res.statusCode, body: res.body, contentType: String(res.headers['content-type'] ?? '') });
    }),
    { numRuns, seed: seedValue, endOnFailure: true },
  );
  return { statuses, routes: routes.length };
}
