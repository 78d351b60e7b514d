/**
 * The served OpenAPI document matches the exported copy in openapi/, documents every route users call
 * (the OpenAI routes under /v1 and the control API under /__admin), and the docs page answers.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server.js';
import { OPENAPI_FILE, formatOpenApi } from '../scripts/export-openapi.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], { responses?: Record<string, unknown> }>>>;
}

/**
 * Routes that are deliberately left out of the document: the health check, the document itself, the
 * docs page and the web UI's static files (/__admin/ui, docs/ui.md) are not API. (The Azure surface,
 * every /v1 route again under /openai, is not in the router at all: src/http/router-rewrite.ts.)
 */
const UNDOCUMENTED = [/^\/healthz$/, /^\/openapi\.json$/, /^\/docs(\/|$|\*)/, /^\/__admin\/ui(\/|$)/];

/**
 * Every registered route as `METHOD /path/{param}`, read from Fastify's own route tree: printRoutes
 * draws one segment per line, indented four characters per level, with the methods in parentheses.
 */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      // HEAD is answered by the GET route (exposeHeadRoutes is off: src/http/router-rewrite.ts), never documented.
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push(`${method} ${stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    }
  }
  return routes;
}

let app: FastifyInstance;
let served: OpenApiDocument;

beforeAll(async () => {
  app = await buildApp({ dbPath: ':memory:', logger: false });
  await app.ready();
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  served = response.json<OpenApiDocument>();
});
afterAll(() => app.close());

describe('OpenAPI', () => {
  it('openapi/openapi.json is the document the server serves', () => {
    const fix = 'openapi/openapi.json is out of date: run `npm run openapi:export` and commit the result.';
    expect(existsSync(OPENAPI_FILE), fix).toBe(true);
    const file = readFileSync(OPENAPI_FILE, 'utf8');
    expect(JSON.parse(file), fix).toEqual(served);
    expect(file, `${fix} (formatting)`).toBe(formatOpenApi(served));
  });

  it('documents every registered route, /__admin included, except the hidden ones', () => {
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes).toContain('POST /v1/threads/{thread_id}/runs');
    expect(routes.some((r) => r.includes(' /__admin/'))).toBe(true);
    const documented = new Set(
      Object.entries(served.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const missing = routes.filter((route) => !UNDOCUMENTED.some((re) => re.test(route.split(' ')[1])) && !documented.has(route));
    expect(missing, 'routes missing from the OpenAPI document (add a schema, or hide: true on purpose)').toEqual([]);
    // And the other way: nothing documented that the server does not answer.
    const phantom = [...documented].filter((route) => !routes.includes(route));
    expect(phantom).toEqual([]);
  });

  it('is OpenAPI 3.1 with a response for every operation', () => {
    expect(served.openapi).toBe('3.1.0');
    for (const [path, item] of Object.entries(served.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation) expect(Object.keys(operation.responses ?? {}), `${method.toUpperCase()} ${path}`).not.toHaveLength(0);
      }
    }
  });

  it('serves the docs page', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger/i);
    // The page reads the served document; its Swagger UI assets come from swagger-ui-dist.
    expect(page.body).toContain("url: '/openapi.json'");
    const bundle = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    const outside = await app.inject({ method: 'GET', url: '/docs/static/..%2Fpackage.json' });
    expect(outside.statusCode).toBe(404);
  });
});
