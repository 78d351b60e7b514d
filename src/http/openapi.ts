/**
 * `app.swagger()` (GET /openapi.json, scripts/export-openapi.ts): the OpenAPI document that
 * @fastify/swagger builds from the routes' schemas, with the plugin loaded on the first call instead
 * of at start-up.
 *
 * Why: registering the plugin loads it with the YAML library and its reference resolver, about a
 * tenth of the bundle, to collect routes for a document that most runs never ask for
 * (docs/benchmarks.md, start-up). What the plugin does when registered is take three hooks (every
 * route added, every plugin scope, ready) and decorate `swagger`. Here the same hooks only record
 * what they are given, and on the first call the plugin is set up on a stand-in that replays the
 * records into its hooks, so it builds from exactly the route options it would have collected.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { lazyRequire } from '../util/lazy-require.js';

const swaggerPlugin = lazyRequire<typeof import('@fastify/swagger')>('@fastify/swagger');

type Swagger = FastifyInstance['swagger'];

/** Decorates `app.swagger` as @fastify/swagger (dynamic mode) would; call where the plugin was registered. */
export function registerOpenApi(app: FastifyInstance, options: FastifyDynamicSwaggerOptions): void {
  const routes: RouteOptions[] = [];
  const scopes: FastifyInstance[] = [];
  let ready = false;
  let swagger: Swagger | undefined;
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onRegister', (scope) => {
    scopes.push(scope);
  });
  app.addHook('onReady', async () => {
    ready = true;
  });

  const setUp = (): Swagger => {
    let decorated: Swagger | undefined;
    const standIn = {
      addHook(name: string, hook: (...args: unknown[]) => void) {
        if (name === 'onRoute') for (const route of routes) hook(route);
        else if (name === 'onRegister') for (const scope of scopes) hook(scope);
        else if (name === 'onReady') hook(() => undefined);
      },
      decorate(_name: string, value: Swagger) {
        decorated = value;
      },
      getSchemas: () => app.getSchemas(),
    };
    swaggerPlugin().fastifySwagger(standIn as unknown as FastifyInstance, { ...options }, (error?: Error) => {
      if (error) throw error;
    });
    if (!decorated) throw new Error('@fastify/swagger did not decorate the app');
    // The plugin keeps what it needs; the scopes were only for their schemas.
    scopes.length = 0;
    return decorated;
  };

  const call = (opts?: { yaml?: boolean }) => {
    // As the plugin itself: before ready the routes are not all known.
    if (!ready) throw new Error('.swagger() must be called after .ready()');
    return (swagger ??= setUp())(opts as { yaml: boolean });
  };
  app.decorate('swagger', call as Swagger);
}
