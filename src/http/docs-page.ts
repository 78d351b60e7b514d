/**
 * The docs page at /docs: Swagger UI (the swagger-ui-dist package's own files) reading /openapi.json.
 * Served by two small routes rather than the @fastify/swagger-ui plugin, whose static-file machinery
 * cost about a fifth of start-up; the asset files are read on first request and kept.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { typed } from './typed-app.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>assistants-mock API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script src="/docs/static/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
      deepLinking: true
    });
  </script>
</body>
</html>
`;

const AssetParams = Type.Object({ file: Type.String() });

export function docsPageRoutes(app: FastifyInstance): void {
  // Found on the first asset request rather than at start-up, where the module lookup cost a millisecond or two.
  let folder: string | undefined;
  const cache = new Map<string, Buffer>();

  app.get('/docs', { schema: { hide: true }, config: { public: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );

  const asset = { schema: { hide: true, params: AssetParams }, config: { public: true } };
  typed(app).get('/docs/static/:file', asset, async (request, reply) => {
    const { file } = request.params;
    const type = ASSETS[file];
    // Only the files listed above: the name never reaches the file system otherwise.
    if (!type) return reply.code(404).type('text/plain').send('Not found');
    let body = cache.get(file);
    folder ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    if (!body) cache.set(file, (body = await readFile(join(folder, file))));
    return reply.type(type).header('cache-control', 'public, max-age=3600').send(body);
  });
}
