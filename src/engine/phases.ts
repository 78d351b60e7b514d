/**
 * The phases of a run and their scheduling. A run advances in small phases, each scheduled on the
 * clock-driven Scheduler (or, in manual mode, held until POST /__admin/runs/{id}/advance):
 *
 *   start  (queued -> in_progress) -> plan (ask the brain chain for this turn: ./turn-planning.ts)
 *   -> begin (create the step, and the message for text: ./turn-begin.ts) -> stream (deltas:
 *   ./turn-stream.ts; a streamed answer is forwarded as it comes instead: ./brain-stream.ts)
 *   -> finish (./turn-finish.ts): text -> completed | incomplete (text said before tool calls: its
 *      message completes and the calls stream, then finish again); function calls -> requires_action;
 *      server-side tools (file_search, code_interpreter) -> plan the next turn
 *
 * Every phase re-reads the run, checks the transition against the state machine, commits its writes
 * in one transaction, and only then publishes the events that announce them. A phase may be
 * asynchronous (an asynchronous brain); no error of a phase escapes: it fails the run.
 */
import type { Brain } from '../brains/brain.js';
import type { AppServices } from '../context.js';
import { findRunById } from '../store/runs.js';
import type { RunRow } from '../store/schema.js';
import { nowFor, type EngineCore } from './core.js';
import { failOnError, finishCancel, transition } from './endings.js';
import { RunPublisher } from './publishing.js';
import { isTerminal } from './state-machine.js';
import { RunTasks, type Phase } from './tasks.js';
import { phaseBegin } from './turn-begin.js';
import { phaseFinish } from './turn-finish.js';
import { phasePlan } from './turn-planning.js';
import { phaseStream } from './turn-stream.js';

export class PhaseRunner implements EngineCore {
  readonly tasks = new RunTasks();
  readonly publish: RunPublisher;
  stopped = false;

  constructor(
    readonly ctx: AppServices,
    readonly brain: Brain,
  ) {
    this.publish = new RunPublisher(ctx);
  }

  /** Delays are on the run's tenant's clock: that tenant's clock advance fires them, no other's. */
  schedule(run: Pick<RunRow, 'id' | 'tenant'>, phase: Phase, delayMs: number): void {
    if (this.stopped) return;
    const runId = run.id;
    const task = this.tasks.ensure(runId);
    if (this.ctx.config.runMode === 'manual') {
      task.pending = phase;
      return;
    }
    this.ctx.scheduler.after(runId, delayMs, () => void this.runPhase(runId, phase), run.tenant);
  }

  runPhase(runId: string, phase: Phase): void | Promise<void> {
    if (this.stopped) return;
    try {
      const pending = this.dispatch(runId, phase);
      if (pending) return pending.catch((error: unknown) => failOnError(this, runId, error));
    } catch (error) {
      failOnError(this, runId, error);
    }
  }

  private dispatch(runId: string, phase: Phase): void | Promise<void> {
    const run = findRunById(this.ctx.db, runId);
    if (!run) return void this.tasks.delete(runId);
    if (phase === 'cancel' || run.status === 'cancelling') return finishCancel(this, run);
    if (isTerminal(run.status)) return void this.tasks.delete(runId);
    switch (phase) {
      case 'start':
        return this.phaseStart(run);
      case 'plan':
        return phasePlan(this, run);
      case 'begin':
        return phaseBegin(this, run);
      case 'stream':
        return phaseStream(this, run);
      case 'finish':
        return phaseFinish(this, run);
    }
  }

  private phaseStart(run: RunRow): void {
    if (run.status !== 'queued') return;
    // started_at moves to the time of each resumption, as the streaming examples show.
    transition(this, run, 'in_progress', { startedAt: nowFor(this, run.tenant) }, 'thread.run.in_progress');
    this.schedule(run, 'plan', 0);
  }
}
