/**
 * /threads/{thread_id}/runs/{run_id}/steps: list and retrieve, with `include[]`.
 */
import type { AppContext } from '../../../../context.js';
import { RunParams, StepParams } from '../../../params.js';
import type { TypedApp } from '../../../typed-app.js';
import { notFound } from '../../../../domain/errors.js';
import { serializeStep } from '../../../../domain/runs/serializers.js';
import { listEnvelope } from '../../../../store/pagination.js';
import { findStep, listSteps } from '../../../../store/runs.js';
import { docs } from '../../common.js';
import { checkId } from '../../../../domain/ids.js';
import { parseInclude, requireRun } from './runs.js';
import { requireThread } from '../threads.js';
import { StepsQuery } from '../../../../domain/runs/schemas.js';

export async function stepsRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.get(
    '/threads/:thread_id/runs/:run_id/steps',
    { schema: { ...docs('Run steps', 'List run steps'), params: RunParams, querystring: StepsQuery } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id } = request.params;
      const include = parseInclude(request.query);
      requireThread(ctx, tenant, thread_id);
      requireRun(ctx, tenant, thread_id, run_id);
      const page = listSteps(ctx.db, tenant, run_id, request.query);
      return listEnvelope(
        page.rows.map((row) => serializeStep(row, apiVersion, include)),
        page.hasMore,
      );
    },
  );

  app.get(
    '/threads/:thread_id/runs/:run_id/steps/:step_id',
    { schema: { ...docs('Run steps', 'Retrieve a run step'), params: StepParams } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id, step_id } = request.params;
      const include = parseInclude(request.query);
      requireThread(ctx, tenant, thread_id);
      requireRun(ctx, tenant, thread_id, run_id);
      const step = findStep(ctx.db, tenant, run_id, checkId('step_id', step_id));
      if (!step) throw notFound('step', step_id);
      return serializeStep(step, apiVersion, include);
    },
  );
}
