/**
 * The hooks every request passes, one per phase. Each hook Fastify runs costs every request a call
 * chain and a closure, so the fault check, the admin key and the request journal join the
 * compatibility layer here rather than adding hooks of their own: on a thread retrieve, six hooks
 * instead of three cost a fifth of the throughput (bench/http.ts, docs/benchmarks.md). Callback style
 * rather than async for the same reason: an async hook costs a promise and a microtask per request.
 *
 *   onRequest   surface, API key -> tenant, API version, admin key, injected faults
 *   preValidation (POST routes only, attached per route) empty body -> {}, fields of the other version
 *   onSend      the headers the SDKs read (x-request-id, openai-version, openai-processing-ms)
 *   onResponse  the request log line and the request journal
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import pino from 'pino';
import { checkAdminKey } from '../admin/auth.js';
import { applyFaults } from '../admin/fault-routes.js';
import { recordInJournal } from '../admin/requests.js';
import type { AppContext } from '../context.js';
import { authenticate, setStandardHeaders, surfaceOf, tenantOf, versionFromAzureQuery, versionFromBetaHeader } from './compat.js';

type Done = (error?: Error) => void;
type PreValidation = (request: FastifyRequest, reply: FastifyReply, done: Done) => void;

export function installRequestHooks(app: FastifyInstance, ctx: AppContext): void {
  const { config } = ctx;
  app.addHook('onRequest', (request, _reply, done) => {
    const surface = surfaceOf(request.url);
    request.call = { surface, apiVersion: 'v2', tenant: tenantOf(undefined), startedAt: process.hrtime.bigint() };
    try {
      // The web UI's static files (src/http/ui-route.ts) are public: a navigation carries no key.
      if (surface === 'admin' && request.routeOptions.config.public) return done();
      if (surface === 'openai' || surface === 'azure' || surface === 'admin') {
        const key = authenticate(request, config);
        request.call.tenant = tenantOf(key);
      }
      if (surface === 'openai') request.call.apiVersion = versionFromBetaHeader(request);
      else if (surface === 'azure') request.call.apiVersion = versionFromAzureQuery(request);
      else if (surface === 'admin' && config.adminKey) checkAdminKey(request, config.adminKey);
    } catch (error) {
      return done(error as Error);
    }
    // Faults hit API requests only, after authentication: a fault belongs to the tenant of the key.
    if ((surface === 'openai' || surface === 'azure') && ctx.faults.any(request.call.tenant)) return applyFaults(ctx, request, done);
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    setStandardHeaders(request, reply);
    done(null, payload);
  });

  // Decided once: building a request line's fields for a logger that drops it cost a retrieve ~3%.
  const logsRequests = config.logger && (pino.levels.values[config.logLevel] ?? Infinity) <= pino.levels.values.info;
  app.addHook('onResponse', (request, reply, done) => {
    const surface = request.call?.surface;
    if (logsRequests && !(surface === 'other' && request.url === '/healthz')) {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          tenant: request.call?.tenant,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    }
    // The journal keeps what a test's code sent to "OpenAI", not the test's own control calls.
    if (surface === 'openai' || surface === 'azure') recordInJournal(ctx, request, reply);
    done();
  });

  // A POST without a body (the SDKs send none for cancel) validates as an empty object.
  addPreValidationToPosts(app, (request, _reply, done) => {
    if (request.body === undefined) request.body = {};
    done();
  });
}

/**
 * Adds a preValidation hook to the POST routes registered from now on in `scope` (and its children),
 * and to no other route: a GET then runs no preValidation phase at all.
 */
export function addPreValidationToPosts(scope: FastifyInstance, hook: PreValidation): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    const existing = route.preValidation;
    route.preValidation = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}
