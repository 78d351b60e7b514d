/**
 * What the run engine tells the control API besides the API's own events: each status a run takes
 * (its history) and who answered each turn (a scenario, the request, the default reply). Both are
 * stored (src/store/run-audit.ts) for GET /__admin/runs/{id}; the answer is also sent to the
 * /__admin/events feed as a `mock.run.turn` event, which run streams of the API never carry.
 */
import type { AnsweredBy } from '../brains/types.js';
import type { AppServices } from '../context.js';
import { appendRunStatus, recordRunTurn, setTurnStep } from '../store/run-audit.js';
import type { RunRow } from '../store/schema.js';

/** The feed event that tells who answered a turn. */
export const TURN_EVENT = 'mock.run.turn';

/** Called with every run event: each one but `thread.run.created` announces a status the run took. */
export function auditRunEvent(ctx: AppServices, run: RunRow, event: string): void {
  if (event === 'thread.run.created') return;
  appendRunStatus(ctx.db, run.tenant, run.id, { status: run.status, at: ctx.clocks.nowSeconds(run.tenant) });
}

/** Called once a turn is decided, before it is carried out. */
export function auditTurn(ctx: AppServices, run: RunRow, answeredBy: AnsweredBy): void {
  recordRunTurn(ctx.db, run.tenant, run.id, run.turn, answeredBy);
  ctx.bus.publish({
    event: TURN_EVENT,
    data: { object: 'mock.run.turn', run_id: run.id, thread_id: run.threadId, index: run.turn, answered_by: answeredBy },
    tenant: run.tenant,
    threadId: run.threadId,
    runId: run.id,
    adminOnly: true,
  });
}

/** Called once the turn created its step. */
export function auditTurnStep(ctx: AppServices, run: RunRow, stepId: string): void {
  setTurnStep(ctx.db, run.id, run.turn, stepId);
}
