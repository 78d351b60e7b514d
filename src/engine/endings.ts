/**
 * How runs end: completed, incomplete or failed (with the turn's open step and message), cancelled,
 * expired, or failed by an error. Each ending commits in one transaction, drops the run's task (which
 * aborts its brain), then announces what it wrote.
 */
import { BrainError } from '../brains/brain.js';
import { countTokens } from '../brains/tokens.js';
import { closeOpenMessagesOfRun, updateMessage } from '../store/messages.js';
import { closeOpenStepsOfRun, findRunById, updateRun, type NewRun } from '../store/runs.js';
import type { MessageRow, RunRow, RunStepRow } from '../store/schema.js';
import { nowFor, type EngineCore } from './core.js';
import { stateOf } from './engine-state.js';
import { assertTransition, isTerminal, type RunStatus } from './state-machine.js';
import { sentContent, type TurnPlan } from './turn-plan.js';
import { addUsage, toUsage, turnShares, type TokenCounts } from './usage.js';

const SERVER_ERROR_MESSAGE = 'The server had an error while processing your request. Sorry about that!';

export function serverLastError() {
  return { code: 'server_error', message: SERVER_ERROR_MESSAGE };
}

const BRAIN_ERROR_CODES: readonly string[] = ['server_error', 'rate_limit_exceeded', 'invalid_prompt'];

/** A brain's failure as the run's last_error: a BrainError's code and message, anything else server_error. */
export function lastErrorOfBrain(error: unknown): { code: string; message: string } {
  if (error instanceof BrainError && BRAIN_ERROR_CODES.includes(error.code)) return { code: error.code, message: error.message };
  return serverLastError();
}

/** The run's task is done: its brain is aborted, its timers go. */
export function finishTask(core: EngineCore, runId: string): void {
  core.tasks.delete(runId);
  core.ctx.scheduler.cancel(runId);
  core.ctx.scheduler.cancel(`expire:${runId}`);
}

/** One transition, committed then announced. */
export function transition(core: EngineCore, run: RunRow, to: RunStatus, changes: Partial<NewRun>, event: string): RunRow {
  const { db } = core.ctx;
  const updated = db.transaction(() => {
    assertTransition(run.status, to);
    return updateRun(db, run.id, { ...changes, status: to });
  });
  core.publish.run(updated, event);
  return updated;
}

/** Ends the run (completed, incomplete or failed) with its open step and message, in one transaction. */
export function endRun(
  core: EngineCore,
  run: RunRow,
  status: 'completed' | 'incomplete' | 'failed',
  extra: Partial<NewRun>,
  plan: TurnPlan | undefined,
): RunRow {
  const { db } = core.ctx;
  const state = stateOf(run);
  const now = nowFor(core, run.tenant);
  const completion = plan?.text !== undefined ? countTokens(plan.text) : 0;
  const shares = plan ? turnShares(plan, completion) : undefined;
  const usage = shares?.step ?? { prompt_tokens: 0, completion_tokens: 0 };
  const totals = shares ? addUsage(state.usage, shares.run) : state.usage;
  const ended = status === 'completed' && !plan?.truncated;
  // Issue 4 fix: a run ended mid-stream (control API complete/fail) stored the whole planned text
  // although only part of it had been streamed. A completed run now streams the rest first; any
  // other ending keeps exactly the text streamed so far (what the SDK accumulators hold).
  if (plan?.message && status === 'completed') core.publish.deltas(run, plan, plan.deltas.length);
  const result = db.transaction(() => {
    let message: MessageRow | undefined;
    if (plan?.message) {
      message = updateMessage(db, plan.message.id, {
        status: ended ? 'completed' : 'incomplete',
        content: sentContent(plan, plan.cursor),
        completedAt: ended ? now : null,
        incompleteAt: ended ? null : now,
        incompleteDetails: ended ? null : { reason: status === 'failed' ? 'run_failed' : 'max_tokens' },
      });
    }
    const steps = closeOpenSteps(core, run, status === 'failed' ? 'failed' : 'completed', now, plan?.step?.id, usage, extra.lastError);
    assertTransition(run.status, status);
    const updated = updateRun(db, run.id, {
      ...extra,
      status,
      requiredAction: null,
      expiresAt: null,
      completedAt: status === 'completed' ? now : null,
      failedAt: status === 'failed' ? now : null,
      incompleteAt: status === 'incomplete' ? now : null,
      usage: toUsage(totals),
      engineState: { ...state, usage: totals },
    });
    return { updated, message, steps };
  });
  finishTask(core, run.id);
  if (result.message) {
    const event = result.message.status === 'completed' ? 'thread.message.completed' : 'thread.message.incomplete';
    core.publish.message(result.updated, event, result.message);
  }
  for (const step of result.steps) core.publish.step(result.updated, `thread.run.step.${step.status}`, step);
  core.publish.run(result.updated, `thread.run.${status}`);
  return result.updated;
}

export function finishCancel(core: EngineCore, run: RunRow): void {
  if (run.status !== 'cancelling') return;
  const { db } = core.ctx;
  const now = nowFor(core, run.tenant);
  const result = db.transaction(() => {
    const messages = closeOpenMessagesOfRun(db, run.id, 'run_cancelled', now);
    const steps = closeOpenSteps(core, run, 'cancelled', now);
    assertTransition(run.status, 'cancelled');
    const updated = updateRun(db, run.id, {
      status: 'cancelled',
      cancelledAt: now,
      requiredAction: null,
      expiresAt: null,
      usage: toUsage(stateOf(run).usage),
    });
    return { updated, messages, steps };
  });
  finishTask(core, run.id);
  for (const message of result.messages) core.publish.message(result.updated, 'thread.message.incomplete', message);
  for (const step of result.steps) core.publish.step(result.updated, 'thread.run.step.cancelled', step);
  core.publish.run(result.updated, 'thread.run.cancelled');
}

/** Past expires_at: queued, in_progress and requires_action runs expire; returns the run if it did. */
export function expire(core: EngineCore, runId: string): RunRow | undefined {
  const { db } = core.ctx;
  const run = findRunById(db, runId);
  if (!run || !['queued', 'in_progress', 'requires_action'].includes(run.status)) return undefined;
  const now = nowFor(core, run.tenant);
  const result = db.transaction(() => {
    const messages = closeOpenMessagesOfRun(db, run.id, 'run_expired', now);
    const steps = closeOpenSteps(core, run, 'expired', now);
    assertTransition(run.status, 'expired');
    const updated = updateRun(db, run.id, { status: 'expired', requiredAction: null, usage: toUsage(stateOf(run).usage) });
    return { updated, messages, steps };
  });
  finishTask(core, run.id);
  for (const message of result.messages) core.publish.message(result.updated, 'thread.message.incomplete', message);
  for (const step of result.steps) core.publish.step(result.updated, 'thread.run.step.expired', step);
  core.publish.run(result.updated, 'thread.run.expired');
  return result.updated;
}

/**
 * The brain failed the turn. A BrainError is a failure the brain reports (a backend's 429, say): the
 * run ends `failed` with its code and message, as a scripted failure does, so streams get
 * thread.run.failed then `done`. Any other throw is a fault, handled as one in the engine (an `error`
 * event, then the run fails with server_error). An aborted brain is neither: the run is already
 * ending for another reason.
 */
export function failFromBrain(core: EngineCore, runId: string, error: unknown): void {
  const task = core.tasks.get(runId);
  if (task?.abort.signal.aborted || core.stopped) return;
  if (!(error instanceof BrainError)) return failOnError(core, runId, error);
  const run = findRunById(core.ctx.db, runId);
  if (!run || run.status !== 'in_progress') return;
  endRun(core, run, 'failed', { lastError: lastErrorOfBrain(error) }, task?.plan);
}

/** An unexpected error inside a phase fails the run (with `server_error`) instead of leaving it hanging. */
export function failOnError(core: EngineCore, runId: string, error: unknown): void {
  try {
    const run = findRunById(core.ctx.db, runId);
    if (!run || isTerminal(run.status)) return;
    core.ctx.log?.error({ err: error, runId }, 'run engine error');
    core.publish.error(run, { message: SERVER_ERROR_MESSAGE, type: 'server_error', param: null, code: 'server_error' });
    let current = run;
    if (current.status === 'cancelling') return finishCancel(core, current);
    if (current.status !== 'in_progress' && current.status !== 'queued' && current.status !== 'requires_action') return;
    if (current.status !== 'in_progress')
      current = transition(
        core,
        current,
        'failed',
        { failedAt: nowFor(core, current.tenant), lastError: serverLastError() },
        'thread.run.failed',
      );
    // Issue 4 fix: the turn's plan is passed on (it was `undefined`), so a message that was streaming
    // ends `incomplete` (run_failed) with the text sent so far instead of staying in_progress forever.
    else endRun(core, current, 'failed', { lastError: serverLastError() }, core.tasks.get(runId)?.plan);
  } catch {
    core.tasks.delete(runId);
  }
}

function closeOpenSteps(
  core: EngineCore,
  run: RunRow,
  status: 'completed' | 'failed' | 'cancelled' | 'expired',
  now: number,
  usageStepId?: string,
  usage?: TokenCounts,
  lastError?: unknown,
): RunStepRow[] {
  const pending = stateOf(run).stepUsage;
  return closeOpenStepsOfRun(core.ctx.db, run.id, (step) => ({
    status,
    completedAt: status === 'completed' ? now : null,
    failedAt: status === 'failed' ? now : null,
    cancelledAt: status === 'cancelled' ? now : null,
    expiredAt: status === 'expired' ? now : null,
    lastError: status === 'failed' ? (lastError ?? serverLastError()) : null,
    usage: step.id === usageStepId && usage ? toUsage(usage) : pending?.stepId === step.id ? toUsage(pending.usage) : step.usage,
  }));
}
