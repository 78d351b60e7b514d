/**
 * The web inspector and playground at /__admin/ui (docs/ui.md): a static single-page app built by
 * `npm run build` into dist/ui (sources in ui/). Served like /docs (src/http/docs-page.ts): the routes
 * cost nothing at start-up, the files are read on first request and kept in memory.
 *
 * The shell and its assets hold no data, so they are public (`config.public`): a browser cannot add an
 * API key or x-admin-key header to a navigation. Every data call the page makes goes through /v1 and
 * /__admin with the keys the user gives it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packagePath } from '../paths.js';
import { invalidUrl } from './errors.js';
import { typed } from './typed-app.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route any caller may reach, without API key or admin key (the auth hook skips it). */
    public?: boolean;
  }
}

export const UI_PATH = '/__admin/ui';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const NOT_BUILT = `The web UI is not built: run \`npm run build\` (it writes dist/ui).\n`;

/** Where the built app is; a parameter so a test can point at another folder. */
const AssetParams = Type.Object({ file: Type.String() });

export function uiRoutes(app: FastifyInstance, folder = packagePath('dist', 'ui')): void {
  const cache = new Map<string, Buffer>();
  let assetNames: Promise<Set<string>> | undefined;

  const read = async (path: string): Promise<Buffer> => {
    let body = cache.get(path);
    if (!body) cache.set(path, (body = await readFile(join(folder, path))));
    return body;
  };

  const route = { schema: { hide: true }, config: { public: true } } as const;

  app.get(UI_PATH, route, async (_request, reply: FastifyReply) => {
    try {
      const page = await read('index.html');
      // The shell names the hashed assets of the current build: never cache it.
      return reply.type(TYPES['.html']).header('cache-control', 'no-cache').send(page);
    } catch {
      return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    }
  });

  const asset = { ...route, schema: { ...route.schema, params: AssetParams } };
  typed(app).get(`${UI_PATH}/assets/:file`, asset, async (request, reply) => {
    const { file } = request.params;
    // Only names the build wrote: a request's path never reaches the file system otherwise.
    assetNames ??= readdir(join(folder, 'assets')).then(
      (names) => new Set(names),
      () => new Set<string>(),
    );
    const type = TYPES[extname(file)];
    // Anything else is an unknown URL, answered as the server answers every unknown URL.
    if (!type || !(await assetNames).has(file)) throw invalidUrl(request.method, request.url);
    const body = await read(join('assets', file));
    // Asset names carry a content hash: a new build has new names.
    return reply.type(type).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
}
