/**
 * The virtual clock of the control API: GET /__admin/clock and POST /__admin/clock/advance. The
 * offset is stored, so a restart does not move time backwards under runs that were created after
 * an advance.
 */
import { eq } from 'drizzle-orm';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { SystemClock } from '../engine/clock.js';
import type { Db } from '../store/database.js';
import { settings } from '../store/schema.js';
import { invalidParam } from '../http/errors.js';

const OFFSET_KEY = 'clock_offset_ms';
/** One advance moves the clock at most a century. */
const MAX_ADVANCE_SECONDS = 100 * 365 * 24 * 3600;
/** The largest time a JavaScript Date holds. */
const MAX_CLOCK_MS = 8.64e15;

export function loadClockOffset(db: Db): number {
  const row = db.select().from(settings).where(eq(settings.key, OFFSET_KEY)).get();
  return typeof row?.value === 'number' ? row.value : 0;
}

function saveClockOffset(db: Db, offsetMs: number): void {
  db.insert(settings)
    .values({ key: OFFSET_KEY, value: offsetMs })
    .onConflictDoUpdate({ target: settings.key, set: { value: offsetMs } })
    .run();
}

function clockState(ctx: AppContext) {
  const nowMs = ctx.clock.nowMs();
  return {
    object: 'mock.clock',
    now: Math.floor(nowMs / 1000),
    now_ms: nowMs,
    offset_ms: ctx.clock instanceof SystemClock ? ctx.clock.offset : null,
    real_time: ctx.clock.realTime,
  };
}

export function clockRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/__admin/clock', { schema: { tags: ['admin'], summary: 'Read the virtual clock' } }, async () => clockState(ctx));

  app.post(
    '/__admin/clock/advance',
    {
      schema: {
        tags: ['admin'],
        summary: 'Move the virtual clock forward; timers that fall due (run expiry, delays) fire at once',
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
      const body = request.body as { seconds?: number; ms?: number };
      const ms = (body.seconds ?? 0) * 1000 + (body.ms ?? 0);
      if (ctx.clock.nowMs() + ms > MAX_CLOCK_MS)
        throw invalidParam('seconds', 'the clock would pass the largest date there is (year 275760).');
      ctx.clock.advance(ms);
      if (ctx.clock instanceof SystemClock) saveClockOffset(ctx.db, ctx.clock.offset);
      return clockState(ctx);
    },
  );
}
