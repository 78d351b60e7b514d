/**
 * The virtual clocks of the control API: GET /__admin/clock and POST /__admin/clock/advance.
 *
 * Without a scope (or `?scope=tenant`) they act on the caller's tenant's clock: an advance moves that
 * tenant's time only, so it expires that tenant's runs and nobody else's. `?scope=server` reads or
 * moves the server's clock, which every tenant's time follows: a server-wide action, so with
 * ADMIN_KEY set it needs the operator's key (src/admin/auth.ts). Offsets are stored
 * (src/store/clock-offsets.ts), so a restart does not move time backwards under runs created after
 * an advance, and bounded (MAX_CLOCK_OFFSET_MS, 100 years).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import { SystemClock } from '../engine/clock.js';
import { MAX_CLOCK_OFFSET_MS } from '../engine/tenant-clocks.js';
import { saveServerClockOffset } from '../store/clock-offsets.js';
import { invalidParam } from '../domain/errors.js';
import { requireOperator } from './auth.js';

/** One advance moves a clock at most a century, as far as an offset may go in all. */
const MAX_ADVANCE_SECONDS = MAX_CLOCK_OFFSET_MS / 1000;

const ClockQuery = Type.Object(
  {
    scope: Type.Optional(
      Type.Union([Type.Literal('tenant'), Type.Literal('server')], {
        default: 'tenant',
        description:
          "tenant: the caller's tenant's clock; server: the server's clock, which every tenant follows (needs ADMIN_KEY when set)",
      }),
    ),
  },
  { additionalProperties: false },
);
type Scope = NonNullable<Static<typeof ClockQuery>['scope']>;

/** The scope asked for (`?scope=`); the server's clock needs the operator's key. */
function scopeOf(asked: Scope | undefined, request: FastifyRequest, ctx: AppContext): Scope {
  const scope = asked ?? 'tenant';
  if (scope === 'server') requireOperator(request, ctx.config);
  return scope;
}

/** The server's offset from real time: a SystemClock's own; a ManualClock (tests) has none to show. */
function serverOffset(ctx: AppContext): number | null {
  return ctx.clock instanceof SystemClock ? ctx.clock.offset : null;
}

function clockState(ctx: AppContext, scope: Scope, tenant: string) {
  const nowMs = scope === 'server' ? ctx.clocks.nowMs() : ctx.clocks.nowMs(tenant);
  const server = serverOffset(ctx);
  const tenantOffset = ctx.clocks.offsetOf(tenant);
  return {
    object: 'mock.clock',
    scope,
    now: Math.floor(nowMs / 1000),
    now_ms: nowMs,
    // How far this clock is ahead of real time (the tenant's: the server's offset plus its own).
    offset_ms: scope === 'server' ? server : server === null ? null : server + tenantOffset,
    tenant_offset_ms: scope === 'server' ? null : tenantOffset,
    real_time: ctx.clock.realTime,
  };
}

export function clockRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/__admin/clock',
    { schema: { tags: ['admin'], summary: "Read the tenant's virtual clock (?scope=server: the server's)", querystring: ClockQuery } },
    async (request) => clockState(ctx, scopeOf(request.query.scope, request, ctx), request.call.tenant),
  );

  app.post(
    '/__admin/clock/advance',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Move the tenant's virtual clock forward; its timers that fall due (run expiry, delays) fire at once (?scope=server: every tenant's, needs ADMIN_KEY when set)",
        querystring: ClockQuery,
        body: Type.Object(
          {
            // Bounded: `seconds: 1e308` overflowed to Infinity (a 500), `ms: 1e300` gave objects a
            // created_at of 1e+297. Found by test/reliability/fuzz.test.ts.
            seconds: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_ADVANCE_SECONDS })),
            ms: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_ADVANCE_SECONDS * 1000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const scope = scopeOf(request.query.scope, request, ctx);
      const { tenant } = request.call;
      const { body } = request;
      const ms = (body.seconds ?? 0) * 1000 + (body.ms ?? 0);
      // The offset is bounded, not only each step: repeated advances reached year 275760.
      const offset = scope === 'server' ? ctx.clocks.nowMs() - Date.now() : ctx.clocks.offsetOf(tenant);
      if (offset + ms > MAX_CLOCK_OFFSET_MS) {
        throw invalidParam(
          body.seconds !== undefined ? 'seconds' : 'ms',
          `a clock may run at most 100 years (${MAX_ADVANCE_SECONDS} seconds) ahead; this one is ${Math.floor(offset / 1000)} seconds ahead.`,
        );
      }
      if (scope === 'server') {
        ctx.clock.advance(ms);
        if (ctx.clock instanceof SystemClock) saveServerClockOffset(ctx.db, ctx.clock.offset);
      } else {
        ctx.clocks.advance(tenant, ms);
      }
      return clockState(ctx, scope, tenant);
    },
  );
}
