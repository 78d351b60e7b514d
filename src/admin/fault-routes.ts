/**
 * POST/GET/DELETE /__admin/faults, and the hook that applies faults to API requests. The hook runs
 * on request, after authentication (a fault belongs to the tenant of the key) and before the body
 * is read, so an injected 429 costs the server nothing, as a real rate limit would.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import { routedPath } from '../http/compat.js';
import { faultNotFound } from './errors.js';

export const FaultBody = Type.Object(
  {
    method: Type.Optional(Type.String({ description: "HTTP method to match; absent or '*' for any." })),
    path: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Path to match: exact (`/v1/assistants`), glob with `*` (`/v1/assistants/*`), or a regular expression between slashes. Without a /v1 or /openai prefix it matches both surfaces. Absent: every API request.',
      }),
    ),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: 'Status to answer with (429, 500, 503, ...).' })),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'Fire this many times, then stop.' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Chance that a matching request is hit.' })),
    latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000, description: 'Delay before the answer (real time).' })),
    retry_after: Type.Optional(
      Type.Number({ minimum: 0, description: 'Seconds sent in retry-after / retry-after-ms (default 1 on a 429).' }),
    ),
    error: Type.Optional(Type.String({ description: 'Replaces the message of the error body.' })),
    seed: Type.Optional(Type.Integer({ description: 'Seed of the random draws behind `probability`, for repeatable tests.' })),
  },
  { additionalProperties: false },
);

const FaultParams = Type.Object({ fault_id: Type.String() });

/**
 * Applies the tenant's faults to an API request (called on request by src/http/request-hooks.ts when
 * the tenant has any): waits the injected latency, then fails the request or lets it through.
 */
export function applyFaults(ctx: AppContext, request: FastifyRequest, done: (error?: Error) => void): void {
  // The routed path, so a fault on `/v1/assistants` also meets `//v1/assistants` (src/http/route-access.ts).
  const outcome = ctx.faults.take(request.call.tenant, request.method, routedPath(request));
  if (!outcome) return done();
  const finish = () => (outcome.error ? done(outcome.error) : done());
  // Real time, not the virtual clock: the point is to make a client wait (and maybe time out).
  if (outcome.latencyMs > 0) setTimeout(finish, outcome.latencyMs);
  else finish();
}

export function faultRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/__admin/faults',
    { schema: { tags: ['admin'], summary: "Inject a fault into the tenant's API requests", body: FaultBody } },
    async (request) => ctx.faults.add(request.call.tenant, request.body, ctx.clocks.nowSeconds(request.call.tenant)),
  );

  app.get('/__admin/faults', { schema: { tags: ['admin'], summary: "List the tenant's faults" } }, async (request) => ({
    object: 'list',
    data: ctx.faults.list(request.call.tenant),
  }));

  app.delete('/__admin/faults', { schema: { tags: ['admin'], summary: "Remove all the tenant's faults" } }, async (request) => ({
    object: 'mock.faults.deleted',
    deleted: ctx.faults.clear(request.call.tenant),
  }));

  app.delete(
    '/__admin/faults/:fault_id',
    { schema: { tags: ['admin'], summary: 'Remove one fault', params: FaultParams } },
    async (request) => {
      const { fault_id: id } = request.params;
      if (!ctx.faults.remove(request.call.tenant, id)) throw faultNotFound(id);
      return { id, object: 'mock.fault.deleted', deleted: true };
    },
  );
}
