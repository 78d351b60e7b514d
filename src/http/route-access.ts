/**
 * Who may call a route, decided once when the route is registered, from the route's own path.
 *
 * The raw URL of a request is not what Fastify routes on: the router collapses `//` and decodes
 * `%xx`, so `//__admin/reset` and `/%761/threads` reach `/__admin/reset` and `/v1/threads`. Deciding
 * the surface (and so the API key, the tenant, the control rights, faults and the journal) from the
 * raw URL let such spellings through without a key. Every decision is therefore taken from the route
 * Fastify matched: its config, filled in here for every route (see docs/security.md).
 *
 * Route config flags, set where a route is registered:
 * - `public: true`: answers without an API key. The one allow-list of the server: health, the docs
 *   page and its assets, the OpenAPI document (and static pages a browser opens by navigation, which
 *   cannot carry a header). Everything else, including a path no route matches, needs a key when
 *   API_KEY is set.
 * - `operator: true`: a server-wide action (every tenant, or the server itself). With ADMIN_KEY set it
 *   also needs the operator's `x-admin-key`; a tenant's API key never gives it. Routes whose scope
 *   is chosen by a query parameter (`?scope=all`) call `requireOperator` for that scope instead.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Surface } from './compat.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers without an API key (the explicit allow-list; see the top of src/http/route-access.ts). */
    public?: boolean;
    /** Server-wide control: with ADMIN_KEY set, needs the operator's x-admin-key. */
    operator?: boolean;
    /** Which surface the route belongs to, from its registered path (set by `classifyRoutes`). */
    surface?: Surface;
  }
  interface FastifyInstance {
    /** Every route the server answers, with what it takes to call it (for tests and tooling). */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

export type RouteAccess = 'public' | 'tenant' | 'operator';

export interface RegisteredRoute {
  method: string;
  /** The route's path as registered, e.g. `/v1/threads/:thread_id`, or its Azure twin `/openai/threads/:thread_id`. */
  url: string;
  surface: Surface;
  access: RouteAccess;
}

/** The surface of a registered route path (never of a request's raw URL). */
export function surfaceOfRoute(url: string): Surface {
  if (url === '/v1' || url.startsWith('/v1/')) return 'openai';
  if (url === '/openai' || url.startsWith('/openai/')) return 'azure';
  if (url === '/__admin' || url.startsWith('/__admin/')) return 'admin';
  return 'other';
}

/**
 * What a path no route matches was meant for, read as the router reads paths (`//` collapsed, `%xx`
 * decoded): its requests still get the API's version checks, journal and faults. Only those: such a
 * request is authenticated like every other non-public one, whatever this answers.
 */
export function surfaceOfUnmatched(rawUrl: string): Surface {
  const path = rawUrl.split('?')[0].replace(/\/{2,}/g, '/');
  try {
    return surfaceOfRoute(decodeURIComponent(path));
  } catch {
    return surfaceOfRoute(path);
  }
}

/**
 * Stamps every route registered from now on with its surface, and lists it in `app.registeredRoutes`
 * with the routes it also answers without being registered in Fastify (src/http/router-rewrite.ts):
 * a /v1 route's Azure twin under /openai, and a GET route's HEAD. Call before any route is registered.
 */
export function classifyRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    const surface = surfaceOfRoute(route.url);
    route.config = { ...route.config, surface };
    const access: RouteAccess = route.config.public ? 'public' : route.config.operator ? 'operator' : 'tenant';
    const served: Omit<RegisteredRoute, 'method'>[] = [{ url: route.url, surface, access }];
    if (surface === 'openai') served.push({ url: route.url.replace(/^\/v1/, '/openai'), surface: 'azure', access });
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      for (const twin of served) {
        routes.push({ method, ...twin });
        if (method === 'GET') routes.push({ method: 'HEAD', ...twin });
      }
    }
  });
}
