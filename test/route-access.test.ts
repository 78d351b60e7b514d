/**
 * Authentication is decided on the route Fastify matched, not on the raw URL (docs/security.md).
 *
 * The router collapses `//` and decodes `%xx`, so `//__admin/reset` and `/%761/threads` reach the
 * same handlers as `/__admin/reset` and `/v1/threads`. Every route the server answers (taken from
 * the running app, so a new route is covered without a change here; with the Azure /openai twins
 * and the HEAD of every GET, which are served without being registered in Fastify's router:
 * src/http/router-rewrite.ts) is called under several spellings of its path: without a key it must
 * get 401, unless it is on the small public allow-list below; and a tenant's key must get no
 * server-wide control when ADMIN_KEY is set.
 *
 * Requests go out over node:http with the path exactly as written (fetch would normalize some).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from './helpers/server.js';
import { sendRaw, type RawAnswer } from './helpers/raw-http.js';

const API_KEY = 'sk-route-access-tenant';
const OTHER_KEY = 'sk-route-access-other';
const ADMIN_KEY = 'admin-route-access';

/** The routes that answer without a key: health, the docs page and its assets, the OpenAPI document. */
const PUBLIC_ROUTES = new Set(['/healthz', '/openapi.json', '/docs', '/docs/static/:file', '/__admin/ui', '/__admin/ui/assets/:file']);

/** One request with the path sent byte for byte as given. */
function send(server: TestServer, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<RawAnswer> {
  return sendRaw(server.port, method, path, headers, body);
}

/** `%xx` of one character, upper- or lower-case hex. */
function encodeChar(char: string, lower = false): string {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  return '%' + (lower ? hex : hex.toUpperCase());
}

/**
 * Spellings of one path that the router sends to the same route (or, for some, to none: a path no
 * route matches must not be treated more leniently than one that does).
 */
export function oddSpellings(path: string): string[] {
  const [pathname, query] = path.split('?');
  const segments = pathname.split('/').slice(1);
  const first = segments[0];
  const rest = segments.slice(1);
  const last = segments.at(-1)!;
  const q = query === undefined ? '' : `?${query}`;
  const spellings = [
    pathname, // as registered
    '/' + pathname, // //v1/threads
    pathname.replaceAll('/', '//'), // //v1//threads
    '/' + encodeChar(first[0]) + first.slice(1) + (rest.length ? '/' + rest.join('/') : ''), // /%761/threads
    '/' + [...first].map((c) => encodeChar(c, true)).join('') + (rest.length ? '/' + rest.join('/') : ''), // /%5f%5f...
    pathname + '/', // trailing slash
    '///' + pathname.slice(1).replace(/^[^/]+/, (s) => encodeChar(s[0]) + s.slice(1)), // ///%5F_admin/...
  ];
  if (segments.length > 1 && !last.startsWith('x')) {
    spellings.push('/' + [...segments.slice(0, -1), encodeChar(last[0]) + last.slice(1)].join('/')); // /v1/%74hreads
  }
  return [...new Set(spellings)].map((p) => p + q);
}

/** A concrete path for a registered route: each `:param` gets a plausible value. */
function concrete(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => `x_${name}`);
}

describe('the route table: every registered route needs a key under every spelling of its path', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [API_KEY, OTHER_KEY], adminKey: ADMIN_KEY });
  });
  afterAll(async () => server.stop());

  it('covers every operation of the OpenAPI document, the Azure routes, /__admin, /docs and /openapi.json', async () => {
    const routes = server.app.registeredRoutes;
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    const doc = (await send(server, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    expect(operations.length).toBeGreaterThan(40);
    for (const op of operations) expect(registered, op).toContain(op);
    // Azure clients reach every /v1 resource under /openai, hidden from the document.
    for (const op of operations.filter((o) => o.includes(' /v1/'))) expect(registered, op).toContain(op.replace(' /v1/', ' /openai/'));
    for (const path of [...PUBLIC_ROUTES, '/__admin/reset', '/__admin/clock']) {
      expect(routes.some((r) => r.url === path)).toBe(true);
    }
  });

  it('answers 401 without a key (and with a wrong one) for every route except the public allow-list', async () => {
    const routes = server.app.registeredRoutes.filter((r) => !PUBLIC_ROUTES.has(r.url));
    expect(routes.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const route of routes) {
      for (const path of oddSpellings(concrete(route.url))) {
        const anonymous = await send(server, route.method, path);
        if (anonymous.status !== 401) failures.push(`${route.method} ${path} without a key: ${anonymous.status}`);
        const wrong = await send(server, route.method, path, { authorization: 'Bearer sk-not-accepted' });
        // A HEAD answer has no body to read the code from.
        const code = route.method === 'HEAD' ? 'invalid_api_key' : wrong.body.error?.code;
        if (wrong.status !== 401 || code !== 'invalid_api_key') failures.push(`${route.method} ${path} with a wrong key: ${wrong.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 401 without a key for a path no route matches, however it is spelled', async () => {
    for (const path of [...oddSpellings('/v1/nothing/here'), ...oddSpellings('/__admin/nothing'), ...oddSpellings('/nothing')]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        expect((await send(server, method, path)).status, `${method} ${path}`).toBe(401);
      }
    }
    // With a key, the same path is the 404 it always was.
    expect((await send(server, 'GET', '/v1/nothing/here', { authorization: `Bearer ${API_KEY}` })).status).toBe(404);
  });

  it('serves the public allow-list without a key', async () => {
    for (const path of ['/healthz', '/openapi.json', '/docs', '/docs/static/swagger-ui.css']) {
      for (const spelled of oddSpellings(path)) expect((await send(server, 'GET', spelled)).status, spelled).toBe(200);
    }
  });

  it("gives a tenant's key no server-wide control under any spelling when ADMIN_KEY is set", async () => {
    // Server-wide actions: the routes marked operator-only, and every value of an admin route's
    // `scope` parameter other than the tenant's own (read from the OpenAPI document).
    const doc = (await send(server, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: unknown }[] }>>;
    };
    const actions: { method: string; path: string }[] = server.app.registeredRoutes
      .filter((r) => r.access === 'operator')
      .map((r) => ({ method: r.method, path: concrete(r.url) }));
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/__admin')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const scope = op.parameters?.find((p) => p.in === 'query' && p.name === 'scope');
        if (!scope) continue;
        const values = JSON.stringify(scope.schema).match(/"enum":\["([a-z]+)"\]/g) ?? [];
        for (const value of values.map((v) => v.slice(9, -2)).filter((v) => v !== 'tenant')) {
          actions.push({ method: method.toUpperCase(), path: `${path}?scope=${value}` });
        }
      }
    }
    const described = actions.map((a) => `${a.method} ${a.path}`);
    expect(described).toEqual(
      expect.arrayContaining([
        'POST /__admin/reset?scope=all',
        'GET /__admin/clock?scope=server',
        'POST /__admin/clock/advance?scope=server',
        'POST /__admin/scenarios/reload',
      ]),
    );

    // Another tenant's object, which a reset of every tenant would erase.
    const other = new OpenAI({ apiKey: OTHER_KEY, baseURL: server.baseURL, maxRetries: 0 });
    const kept = await other.beta.assistants.create({ model: 'gpt-4o', name: 'must survive' });
    const serverClockBefore = (
      await send(server, 'GET', '/__admin/clock?scope=server', { authorization: `Bearer ${API_KEY}`, 'x-admin-key': ADMIN_KEY })
    ).body;

    const failures: string[] = [];
    for (const action of actions) {
      for (const path of oddSpellings(action.path)) {
        const body = action.path.startsWith('/__admin/clock/advance') ? { seconds: 3600 } : undefined;
        const res = await send(server, action.method, path, { authorization: `Bearer ${API_KEY}` }, body);
        if (res.status !== 401 || res.body.error?.code !== 'invalid_admin_key') failures.push(`${action.method} ${path}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);

    expect((await other.beta.assistants.retrieve(kept.id)).name).toBe('must survive');
    const serverClockAfter = (
      await send(server, 'GET', '/__admin/clock?scope=server', { authorization: `Bearer ${API_KEY}`, 'x-admin-key': ADMIN_KEY })
    ).body;
    expect(serverClockAfter.offset_ms).toBe(serverClockBefore.offset_ms);
    // The operator's key does open them (so the refusals above are about the key, not the route).
    const operator = await send(server, 'POST', '/__admin/reset?scope=all', {
      authorization: `Bearer ${API_KEY}`,
      'x-admin-key': ADMIN_KEY,
    });
    expect(operator.status).toBe(200);
    await expect(other.beta.assistants.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('the issue: odd spellings reached the control API and the API without a key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [API_KEY], adminKey: ADMIN_KEY });
  });
  afterAll(async () => server.stop());

  it('`POST //__admin/reset?scope=all` without any key is a 401 and erases nothing', async () => {
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 0 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'tenant data' });
    for (const path of ['//__admin/reset?scope=all', '/%5F%5Fadmin/reset?scope=all', '/__admin//reset?scope=all']) {
      const res = await send(server, 'POST', path);
      expect(res.status, path).toBe(401);
    }
    expect((await client.beta.assistants.retrieve(assistant.id)).name).toBe('tenant data');
  });

  it('`//v1/...`, `/%761/...` and `//openai/...` without a key are 401s, not the anonymous tenant', async () => {
    for (const path of ['//v1/assistants', '/%761/assistants', '/v%31/assistants', '//openai/assistants?api-version=2024-05-01-preview']) {
      const res = await send(server, 'POST', path, {}, { model: 'gpt-4o' });
      expect(res.status, path).toBe(401);
      expect(res.body.error?.message).toMatch(/^You didn't provide an API key/);
    }
  });

  it('a request spelled oddly with a key is journaled and meets its faults, like the plain spelling', async () => {
    const auth = { authorization: `Bearer ${API_KEY}` };
    const fault = await send(server, 'POST', '/__admin/faults', auth, { path: '/v1/assistants', status: 503 });
    expect(fault.status).toBe(200);
    expect((await send(server, 'GET', '//v1/assistants', auth)).status).toBe(503);
    expect((await send(server, 'GET', '/%761/assistants', auth)).status).toBe(503);
    await send(server, 'DELETE', '/__admin/faults', auth);
    expect((await send(server, 'GET', '//v1//assistants', auth)).status).toBe(200);
    const journal = (await send(server, 'GET', '/__admin/requests', auth)).body.data as { path: string; status: number }[];
    expect(journal.slice(0, 3).map((e) => `${e.path} ${e.status}`)).toEqual([
      '//v1//assistants 200',
      '/%761/assistants 503',
      '//v1/assistants 503',
    ]);
  });
});
