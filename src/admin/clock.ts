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

const OFFSET_KEY = 'clock_offset_ms';

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
            seconds: Type.Optional(Type.Number({ minimum: 0 })),
            ms: Type.Optional(Type.Number({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const body = request.body as { seconds?: number; ms?: number };
      const ms = (body.seconds ?? 0) * 1000 + (body.ms ?? 0);
      ctx.clock.advance(ms);
      if (ctx.clock instanceof SystemClock) saveClockOffset(ctx.db, ctx.clock.offset);
      return clockState(ctx);
    },
  );
}
