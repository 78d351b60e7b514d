/**
 * How the mock serves the web UI (src/http/ui-route.ts, docs/ui.md): the shell and its assets at
 * /__admin/ui are public even with API_KEY and ADMIN_KEY set (a navigation carries no header), while
 * every data route keeps its keys; only files the build wrote are served; the bundle stays small.
 * Needs dist/ui (`npm run build`, which `npm test` runs first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiRoutes } from '../src/http/ui-route.js';
import { packagePath } from '../src/paths.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const UI_DIR = packagePath('dist', 'ui');
/** The limit for the whole UI, gzipped (docs/ui.md states the measured size). */
const MAX_GZIPPED_BYTES = 250 * 1024;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ apiKeys: ['sk-ui-only'], adminKey: 'admin-secret' });
});
afterAll(async () => server.stop());

function assetFiles(): string[] {
  return readdirSync(join(UI_DIR, 'assets'));
}

describe('GET /__admin/ui', () => {
  it('serves the shell without any key, naming its hashed assets under /__admin/ui/assets', async () => {
    const res = await fetch(`${server.url}/__admin/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    const scripts = [...html.matchAll(/(?:src|href)="(\/__admin\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    // The trailing-slash form is the same page.
    expect((await fetch(`${server.url}/__admin/ui/`)).status).toBe(200);
    for (const path of scripts) {
      const asset = await fetch(`${server.url}${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(path.endsWith('.js') ? /^application\/javascript/ : /^text\/css/);
      expect(asset.headers.get('cache-control')).toContain('immutable');
    }
  });

  it('keeps the keys on every data route: the control API and the API still answer 401 without them', async () => {
    expect((await fetch(`${server.url}/__admin/threads`)).status).toBe(401);
    // A tenant's key controls its own tenant; server-wide control still needs the operator's key.
    const tenantOnly = { headers: { authorization: 'Bearer sk-ui-only' } };
    expect((await fetch(`${server.url}/__admin/clock`, tenantOnly)).status).toBe(200);
    expect((await fetch(`${server.url}/__admin/clock?scope=server`, tenantOnly)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/assistants`)).status).toBe(401);
    const allowed = await fetch(`${server.url}/__admin/threads`, {
      headers: { authorization: 'Bearer sk-ui-only', 'x-admin-key': 'admin-secret' },
    });
    expect(allowed.status).toBe(200);
  });

  it('serves only the files the build wrote', async () => {
    for (const path of [
      '/__admin/ui/assets/nope.js',
      '/__admin/ui/assets/..%2Findex.html',
      '/__admin/ui/assets/..%2F..%2Fcli.js',
      '/__admin/ui/assets/x.map',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      // As every unknown URL: the API's error shape.
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    }
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/__admin/ui'))).toEqual([]);
    expect(doc.paths['/__admin/threads']).toBeDefined();
  });

  it('answers 503 with what to do when the UI was not built', async () => {
    const app = Fastify();
    uiRoutes(app, join(UI_DIR, 'not-built-here'));
    const res = await app.inject({ method: 'GET', url: '/__admin/ui' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect((await app.inject({ method: 'GET', url: '/__admin/ui/assets/index.js' })).statusCode).toBe(404);
    await app.close();
  });
});

describe('the built UI', () => {
  it(`is under ${MAX_GZIPPED_BYTES / 1024} KB gzipped, all files together`, () => {
    const files = ['index.html', ...assetFiles().map((name) => join('assets', name))];
    const gzipped = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(UI_DIR, file)), { level: 9 }).length, 0);
    expect(gzipped).toBeGreaterThan(10 * 1024); // the real bundle, not an empty folder
    expect(gzipped).toBeLessThan(MAX_GZIPPED_BYTES);
  });

  it('names no other host: no URL to a CDN or a font service in any built file', () => {
    for (const name of ['index.html', ...assetFiles().map((n) => join('assets', n))]) {
      const text = readFileSync(join(UI_DIR, name), 'utf8');
      // Loads start with src=, href=, url( or import; a URL in a comment or a string constant is no load.
      expect(text, name).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\/|url\(["']?(?:https?:)?\/\/|@import\s+["']?(?:https?:)?\/\//);
    }
  });
});
