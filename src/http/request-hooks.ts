/**
 * The hooks every request passes, one per phase. Each hook Fastify runs costs every request a call
 * chain and a closure, so the fault check, the admin key and the request journal join the
 * compatibility layer here rather than adding hooks of their own: on a thread retrieve, six hooks
 * instead of three cost a fifth of the throughput (bench/http.ts, docs/benchmarks.md). Callback style
 * rather than async for the same reason: an async hook costs a promise and a microtask per request.
 * Those three belong to the control API: the app factory hands them in (`RequestHookParts`, made by
 * src/admin/request-hook-parts.ts), so HTTP does not depend on the layer above it.
 *
 *   onRequest   the client's method and URL restored (src/http/router-rewrite.ts), surface (from
 *               the matched route), API key -> tenant, API version, operator key, injected faults
 *   preValidation (POST routes only, attached per route) empty body -> {}, fields of the other version
 *   onSend      the headers the SDKs read (x-request-id, openai-version, openai-processing-ms); the
 *               serialized payload of an API answer, kept for the journal as it is (no copy); while
 *               message creates wait for their group commit, every answer waits for it too
 *   onResponse  the request log line and the request journal
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';
import { authenticate, setStandardHeaders, tenantOf, versionFromAzureQuery, versionFromBetaHeader } from './compat.js';
import { classifyRoutes, surfaceOfUnmatched } from './route-access.js';
import { restoreClientRequest } from './router-rewrite.js';

type Done = (error?: Error) => void;
type PreValidation = (request: FastifyRequest, reply: FastifyReply, done: Done) => void;

/** What the control API adds to every request, called from the hooks below. */
export interface RequestHookParts {
  /** Server-wide routes (route config `operator`) need the operator's key: throws without it. */
  requireOperator(request: FastifyRequest): void;
  /** An API request after authentication: answers it with an injected fault (true, `done` called or to be called) or leaves it (false). */
  applyFaults(request: FastifyRequest, done: Done): boolean;
  /** An API request has been answered: the request journal keeps it. */
  recordApiRequest(request: FastifyRequest, reply: FastifyReply): void;
  /**
   * Writes waiting for their group commit (src/store/write-batch.ts), if any: an answer waits for it,
   * so that none shows a write that could still be lost.
   */
  pendingCommit(): Promise<void> | undefined;
}

export function installRequestHooks(app: FastifyInstance, config: Config, parts: RequestHookParts): void {
  // Before any route is registered: every route gets its surface from its registered path.
  classifyRoutes(app);
  app.addHook('onRequest', (request, _reply, done) => {
    // The client's method and URL back in place of what the router was shown (/openai as /v1, HEAD
    // as GET: src/http/router-rewrite.ts); the rewrite's mark is what makes a /v1 route Azure's.
    const azure = restoreClientRequest(request.raw)?.azure === true;
    // Fastify has already routed: the matched route decides, never the raw URL, which may spell the
    // same route `//v1/...` or `/%761/...` (src/http/route-access.ts). A path no route matches has
    // no route config, so it is not public: it needs a key as much as a real route does.
    const route = request.routeOptions.config;
    const surface = route.surface === 'openai' && azure ? 'azure' : (route.surface ?? surfaceOfUnmatched(request.url));
    request.call = {
      surface,
      apiVersion: 'v2',
      tenant: tenantOf(undefined),
      startedAt: process.hrtime.bigint(),
      response: undefined,
      bodyText: undefined,
    };
    try {
      if (!route.public) request.call.tenant = tenantOf(authenticate(request, config));
      if (surface === 'openai') request.call.apiVersion = versionFromBetaHeader(request);
      else if (surface === 'azure') request.call.apiVersion = versionFromAzureQuery(request);
      // Server-wide routes need the operator's key too; tenant-level control needs only the API key.
      if (route.operator) parts.requireOperator(request);
    } catch (error) {
      return done(error as Error);
    }
    // Faults hit API requests only, after authentication: a fault belongs to the tenant of the key.
    if ((surface === 'openai' || surface === 'azure') && parts.applyFaults(request, done)) return;
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    setStandardHeaders(request, reply);
    // Fastify has serialized JSON answers (errors too) to a string by now; a Buffer or a stream (file
    // content) is not kept. The same string is kept, parsed only if the journal is read.
    const call = request.call;
    if (typeof payload === 'string' && call !== undefined && (call.surface === 'openai' || call.surface === 'azure'))
      call.response = payload;
    const pending = parts.pendingCommit();
    if (pending === undefined) return done(null, payload);
    pending.then(
      () => done(null, payload),
      (error: unknown) => done(error as Error),
    );
  });

  // Decided once: building a request line's fields for a logger that drops it cost a retrieve ~3%.
  const logsRequests = config.logger && (pino.levels.values[config.logLevel] ?? Infinity) <= pino.levels.values.info;
  app.addHook('onResponse', (request, reply, done) => {
    const surface = request.call?.surface;
    if (logsRequests && request.routeOptions.url !== '/healthz') {
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
    if (surface === 'openai' || surface === 'azure') parts.recordApiRequest(request, reply);
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
