/**
 * POST /__admin/runs/{run_id}/complete|fail|expire: drive a run to an ending now; and
 * POST /__admin/runs/{run_id}/advance: in RUN_MODE=manual, perform the run's next step. The run
 * engine does the work (it is the only writer of run state); these routes check and forward.
 */
import type { AppContext } from '../context.js';
import { RunIdParams } from '../http/params.js';
import type { TypedApp } from '../http/typed-app.js';
import { checkId } from '../domain/ids.js';
import { serializeRun } from '../domain/runs/serializers.js';

const ENDINGS = {
  complete: { status: 'completed', summary: 'End the run as completed now' },
  fail: { status: 'failed', summary: 'End the run as failed now (last_error server_error)' },
  expire: { status: 'expired', summary: 'End the run as expired now' },
} as const;

export function runControlRoutes(app: TypedApp, ctx: AppContext): void {
  for (const [action, { status, summary }] of Object.entries(ENDINGS)) {
    app.post(`/__admin/runs/:run_id/${action}`, { schema: { tags: ['admin'], summary, params: RunIdParams } }, async (request) => {
      const runId = checkId('run_id', request.params.run_id);
      return serializeRun(ctx.engine.forceEnd(request.call.tenant, runId, status), request.call.apiVersion);
    });
  }

  app.post(
    '/__admin/runs/:run_id/advance',
    {
      schema: {
        tags: ['admin'],
        summary: 'RUN_MODE=manual: perform the next step of the run now (no-op when nothing waits)',
        params: RunIdParams,
      },
    },
    async (request) => {
      const runId = checkId('run_id', request.params.run_id);
      return serializeRun(await ctx.engine.advance(request.call.tenant, runId), request.call.apiVersion);
    },
  );
}
