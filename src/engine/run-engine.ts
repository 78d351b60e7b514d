/**
 * The run engine: the only writer of run, run step and assistant-message state. This file holds its
 * commands, what the API and the control API ask of it (create, submit tool outputs, cancel, force an
 * ending, advance in manual mode, forget a thread's or tenant's runs), and its start and stop. The
 * phases of a run and their scheduler are in ./phases.ts, the endings in ./endings.ts, the tools in
 * ./tools/, the events in ./publishing.ts; what decides each turn is the brain chain (src/brains/).
 *
 * On start-up every unfinished run is picked up again from the database (an unfinished turn is
 * planned again).
 */
import type { Brain } from '../brains/brain.js';
import type { ToolOutputRecord } from '../brains/types.js';
import type { AppServices } from '../context.js';
import {
  cannotCancelRun,
  missingToolOutputs,
  notFound,
  runDoesNotAcceptToolOutputs,
  threadHasActiveRun,
  unknownToolCall,
} from '../domain/errors.js';
import {
  discardUnfinishedTurn,
  findActiveRun,
  findRunById,
  insertRun,
  runStatusesOfTenant,
  runStatusesOfThread,
  stepsOfRun,
  unfinishedRuns,
  updateRun,
  updateStep,
  type NewRun,
} from '../store/runs.js';
import type { RunRow, RunStepRow, ThreadRow } from '../store/schema.js';
import { newId } from '../util/ids.js';
import { nowFor } from './core.js';
import { pendingCalls, RUN_LIFETIME_SECONDS, stateOf, type EngineState } from './engine-state.js';
import { endRun, expire, failOnError, finishCancel, transition } from './endings.js';
import { PhaseRunner } from './phases.js';
import { assertTransition, CANCELLABLE_STATUSES, isActive } from './state-machine.js';
import { toUsage } from './usage.js';

export { RUN_LIFETIME_SECONDS, stateOf, type EngineState } from './engine-state.js';

export interface CreateRunInput {
  tenant: string;
  thread: ThreadRow;
  row: Omit<NewRun, 'id' | 'tenant' | 'threadId' | 'createdAt' | 'status' | 'expiresAt' | 'turn' | 'engineState'>;
  include: string[];
}

export interface CommittedToolOutputs {
  run: RunRow;
  completedStep: RunStepRow | undefined;
}

export class RunEngine {
  private readonly core: PhaseRunner;

  /** `brain`: what decides each turn (src/brains/chain.ts builds the server's chain). */
  constructor(
    private readonly ctx: AppServices,
    brain: Brain,
  ) {
    this.core = new PhaseRunner(ctx, brain);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Picks up every unfinished run from the database (a restart loses nothing). */
  async start(): Promise<void> {
    for (const run of unfinishedRuns(this.ctx.db)) {
      this.armExpiry(run);
      switch (run.status) {
        case 'queued':
          this.core.schedule(run, 'start', 0);
          break;
        case 'in_progress':
          this.ctx.db.transaction(() => discardUnfinishedTurn(this.ctx.db, run.id));
          this.core.schedule(run, 'plan', 0);
          break;
        case 'cancelling':
          this.core.schedule(run, 'cancel', 0);
          break;
        // requires_action waits for tool outputs (or expiry).
      }
    }
  }

  /** Nothing runs any more; every brain still answering is aborted. */
  stop(): void {
    this.core.stopped = true;
    this.core.tasks.clear();
  }

  /** Runs the engine holds in memory (for leak checks). */
  get activeTaskCount(): number {
    return this.core.tasks.size;
  }

  // ---- commands from the API --------------------------------------------------------------------

  /** Inserts the run (status queued) in the caller's transaction; `launch` then announces and schedules it. */
  insertRun(input: CreateRunInput): RunRow {
    const active = findActiveRun(this.ctx.db, input.thread.id);
    if (active) throw threadHasActiveRun(input.thread.id, active.id);
    const createdAt = this.ctx.clocks.nowSeconds(input.tenant);
    const state: EngineState = { include: input.include, usage: { prompt_tokens: 0, completion_tokens: 0 }, toolOutputs: [] };
    return insertRun(this.ctx.db, {
      ...input.row,
      id: newId('run'),
      tenant: input.tenant,
      threadId: input.thread.id,
      createdAt,
      status: 'queued',
      expiresAt: createdAt + RUN_LIFETIME_SECONDS,
      turn: 0,
      engineState: state,
    });
  }

  /** After the run's transaction committed: announce it and schedule its first phase. */
  launch(run: RunRow, createdThread?: ThreadRow): void {
    if (createdThread) this.core.publish.thread(run, 'thread.created', createdThread);
    this.core.publish.run(run, 'thread.run.created');
    this.core.publish.run(run, 'thread.run.queued');
    this.armExpiry(run);
    this.core.schedule(run, 'start', 0);
  }

  /** Validates and records tool outputs (run back to queued) in one transaction; nothing is announced yet. */
  commitToolOutputs(tenant: string, run: RunRow, outputs: { tool_call_id: string; output: string }[]): CommittedToolOutputs {
    const { db } = this.ctx;
    return db.transaction(() => {
      const current = findRunById(db, run.id);
      if (!current || current.tenant !== tenant) throw notFound('run', run.id);
      if (current.status !== 'requires_action') throw runDoesNotAcceptToolOutputs(current.status);
      const pending = pendingCalls(current);
      for (const output of outputs) {
        if (!pending.some((c) => c.id === output.tool_call_id)) throw unknownToolCall(output.tool_call_id);
      }
      const got = outputs.map((o) => o.tool_call_id);
      if (pending.some((c) => !got.includes(c.id)))
        throw missingToolOutputs(
          pending.map((c) => c.id),
          got,
        );
      const step = stepsOfRun(db, current.id).find((s) => s.type === 'tool_calls' && s.status === 'in_progress');
      const now = this.ctx.clocks.nowSeconds(tenant);
      const state = stateOf(current);
      let completedStep: RunStepRow | undefined;
      if (step) {
        const details = step.stepDetails as { type: 'tool_calls'; tool_calls: { id: string; type: string; function?: object }[] };
        const toolCalls = details.tool_calls.map((call) => {
          const output = outputs.find((o) => o.tool_call_id === call.id);
          return output && call.function ? { ...call, function: { ...call.function, output: output.output } } : call;
        });
        const pendingUsage = state.stepUsage;
        completedStep = updateStep(db, step.id, {
          status: 'completed',
          completedAt: now,
          stepDetails: { type: 'tool_calls', tool_calls: toolCalls },
          usage: pendingUsage?.stepId === step.id ? toUsage(pendingUsage.usage) : step.usage,
        });
      }
      const records: ToolOutputRecord[] = outputs.map((o) => {
        const call = pending.find((c) => c.id === o.tool_call_id)!;
        return { tool_call_id: o.tool_call_id, name: call.function.name, arguments: call.function.arguments, output: o.output };
      });
      assertTransition(current.status, 'queued');
      const updated = updateRun(db, current.id, {
        status: 'queued',
        requiredAction: null,
        turn: current.turn + 1,
        engineState: { ...state, toolOutputs: [...state.toolOutputs, ...records], searchResults: undefined, stepUsage: undefined },
      });
      return { run: updated, completedStep };
    });
  }

  /** After commitToolOutputs: announce the completed tool step and the queued run, and resume. */
  announceToolOutputs(committed: CommittedToolOutputs): void {
    if (committed.completedStep) this.core.publish.step(committed.run, 'thread.run.step.completed', committed.completedStep);
    this.core.publish.run(committed.run, 'thread.run.queued');
    this.core.schedule(committed.run, 'start', 0);
  }

  /** Cancelling: the brain is aborted now; the run ends `cancelled` in the next phase. */
  cancel(tenant: string, run: RunRow): RunRow {
    const { db } = this.ctx;
    const updated = db.transaction(() => {
      const current = findRunById(db, run.id);
      if (!current || current.tenant !== tenant) throw notFound('run', run.id);
      if (!(CANCELLABLE_STATUSES as readonly string[]).includes(current.status)) throw cannotCancelRun(current.status);
      assertTransition(current.status, 'cancelling');
      return updateRun(db, current.id, { status: 'cancelling' });
    });
    this.core.tasks.abort(updated.id);
    this.core.publish.run(updated, 'thread.run.cancelling');
    this.core.schedule(updated, 'cancel', 0);
    return updated;
  }

  /** Control API: end a run now with the given status, through legal transitions. */
  forceEnd(tenant: string, runId: string, ending: 'completed' | 'failed' | 'expired'): RunRow {
    const run = findRunById(this.ctx.db, runId);
    if (!run || run.tenant !== tenant) throw notFound('run', runId);
    if (!isActive(run.status) || run.status === 'cancelling') throw cannotCancelRun(run.status);
    this.ctx.scheduler.cancel(run.id);
    this.core.tasks.abort(run.id);
    const task = this.core.tasks.get(run.id);
    if (task) task.pending = undefined;
    if (ending === 'expired') return expire(this.core, run.id) ?? run;
    let current = run;
    const now = () => nowFor(this.core, current.tenant);
    if (current.status === 'requires_action')
      current = transition(this.core, current, 'queued', { requiredAction: null }, 'thread.run.queued');
    if (current.status === 'queued')
      current = transition(this.core, current, 'in_progress', { startedAt: now() }, 'thread.run.in_progress');
    const plan = task?.plan;
    if (ending === 'failed') {
      const lastError = { code: 'server_error', message: 'The run was failed by the control API.' };
      return endRun(this.core, current, 'failed', { lastError }, plan);
    }
    return endRun(this.core, current, 'completed', {}, plan);
  }

  /**
   * Manual mode: performs the run's next phase now and returns the run as it is then. A phase that
   * waits for an asynchronous brain goes on after this returns; `advance` waits for it.
   */
  advanceManual(tenant: string, runId: string): RunRow {
    void this.advanceWith(tenant, runId);
    return findRunById(this.ctx.db, runId)!;
  }

  /** Manual mode: performs the run's next phase, waiting for it to finish (a streamed turn is one phase). */
  async advance(tenant: string, runId: string): Promise<RunRow> {
    const run = await this.advanceWith(tenant, runId);
    return findRunById(this.ctx.db, runId) ?? run;
  }

  private advanceWith(tenant: string, runId: string): RunRow | Promise<RunRow> {
    const run = findRunById(this.ctx.db, runId);
    if (!run || run.tenant !== tenant) throw notFound('run', runId);
    const task = this.core.tasks.get(runId);
    const phase = task?.pending;
    if (!task || !phase) return run;
    task.pending = undefined;
    const running = this.core.runPhase(runId, phase);
    return running ? running.then(() => run) : run;
  }

  /**
   * The thread is being deleted: its unfinished runs end `cancelled` now (their streams get the final
   * run event and `done`), then their timers go (the rows go with the thread). docs/streaming.md.
   */
  forgetThread(threadId: string): void {
    this.endAndForget(runStatusesOfThread(this.ctx.db, threadId), "The run's thread was deleted.");
  }

  /** Reset: a tenant's unfinished runs (every tenant's with null) end as for a deleted thread. */
  forgetTenant(tenant: string | null): void {
    this.endAndForget(runStatusesOfTenant(this.ctx.db, tenant), "The run's tenant was reset.");
  }

  /**
   * Ends each unfinished run `cancelled` (through `cancelling`, with the events a cancel sends), drops
   * its timers, and closes any stream of it still open with an `error` event then `done` (a run whose
   * ending failed): no SDK stream helper is left waiting for an event that will never come.
   */
  private endAndForget(rows: { id: string; status: string }[], reason: string): void {
    for (const { id, status } of rows) {
      const run = isActive(status) ? findRunById(this.ctx.db, id) : undefined;
      if (run) {
        try {
          this.ctx.scheduler.cancel(run.id);
          this.core.tasks.abort(run.id);
          const cancelling = run.status === 'cancelling' ? run : transition(this.core, run, 'cancelling', {}, 'thread.run.cancelling');
          finishCancel(this.core, cancelling);
        } catch (error) {
          this.ctx.log?.error({ err: error, runId: run.id }, 'could not end the run of a deleted thread');
        }
      }
      this.forget(id);
      this.ctx.streams.endRun(id, { message: reason, type: 'invalid_request_error', param: null, code: null });
    }
  }

  private forget(runId: string): void {
    this.core.tasks.delete(runId);
    this.ctx.scheduler.cancel(runId);
    this.ctx.scheduler.cancel(`expire:${runId}`);
  }

  private armExpiry(run: RunRow): void {
    if (run.expiresAt === null) return;
    // On the tenant's clock, as expires_at was computed: another tenant's clock advance cannot reach it.
    this.ctx.scheduler.at(
      `expire:${run.id}`,
      run.expiresAt * 1000,
      () => {
        try {
          expire(this.core, run.id);
        } catch (error) {
          failOnError(this.core, run.id, error);
        }
      },
      run.tenant,
    );
  }
}
