/**
 * GET /__admin/runs/{run_id}: a run as the control API sees it: the run object (in the caller's API
 * version), every status it went through, and who answered each turn (a scenario by name, the
 * request itself, or the default reply). Answers "why did my test get this reply?".
 */
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { RunIdParams } from '../http/params.js';
import type { TypedApp } from '../http/typed-app.js';
import { notFound } from '../domain/errors.js';
import { checkId } from '../domain/ids.js';
import { serializeRunFor } from '../domain/runs/serializers.js';
import { findRunById } from '../store/runs.js';
import { findRunAudit } from '../store/run-audit.js';

const AnsweredBy = Type.Object({
  kind: Type.Union([Type.Literal('scenario'), Type.Literal('default'), Type.Literal('request'), Type.Literal('backend')], {
    description:
      '`scenario`: a scenario rule; `request`: tool_choice, tools or search results of the request; `default`: the default reply; `backend`: a model backend.',
  }),
  scenario: Type.Union([Type.String(), Type.Null()], { description: 'The name of the scenario, when one answered.' }),
  model: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The backend's model, when a backend answered." })),
});

const RunInspection = Type.Object({
  object: Type.Literal('mock.run'),
  run: Type.Object({}, { additionalProperties: true, description: 'The run, as GET /v1/threads/{thread_id}/runs/{run_id} shows it.' }),
  history: Type.Array(Type.Object({ status: Type.String(), at: Type.Integer({ description: 'Unix seconds (virtual clock).' }) }), {
    description: 'Every status the run took, oldest first.',
  }),
  turns: Type.Array(
    Type.Object({
      index: Type.Integer(),
      step_id: Type.Union([Type.String(), Type.Null()], {
        description: 'The step the turn created; null for a turn that ended the run without one.',
      }),
      answered_by: AnsweredBy,
    }),
  ),
});

export function runInspectRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/__admin/runs/:run_id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A run with its status history and who answered each turn',
        params: RunIdParams,
        response: { 200: RunInspection },
      },
    },
    async (request) => {
      const runId = checkId('run_id', request.params.run_id);
      const run = findRunById(ctx.db, runId);
      if (!run || run.tenant !== request.call.tenant) throw notFound('run', runId);
      const { history, turns } = findRunAudit(ctx.db, runId);
      return { object: 'mock.run' as const, run: serializeRunFor(ctx.db, run, request.call.apiVersion), history, turns };
    },
  );
}
