/**
 * The runs the engine is carrying out, in memory: each one's current turn plan, the phase waiting
 * for a manual advance, and the AbortController its brain's signal comes from. Aborting is how every
 * ending that does not come from the brain (cancel, expiry, a deleted thread or tenant, a forced
 * ending, the server stopping) tells an asynchronous brain to stop at once.
 */
import type { TurnPlan } from './turn-plan.js';

export type Phase = 'start' | 'plan' | 'begin' | 'stream' | 'finish' | 'cancel';

export interface RunTask {
  runId: string;
  plan?: TurnPlan;
  /** Manual mode: the phase waiting for POST /__admin/runs/{id}/advance. */
  pending?: Phase;
  /** Aborted when the run stops mattering; one per task, for every turn of the run. */
  readonly abort: AbortController;
}

export class RunTasks {
  private readonly tasks = new Map<string, RunTask>();

  get(runId: string): RunTask | undefined {
    return this.tasks.get(runId);
  }

  /** The run's task, created on first use. */
  ensure(runId: string): RunTask {
    let task = this.tasks.get(runId);
    if (!task) this.tasks.set(runId, (task = { runId, abort: new AbortController() }));
    return task;
  }

  /** Tells the run's brain to stop; the task (and its plan) stays until the run's ending removes it. */
  abort(runId: string): void {
    this.tasks.get(runId)?.abort.abort();
  }

  /** The run ended or is forgotten: its brain is aborted and its task dropped. */
  delete(runId: string): void {
    this.abort(runId);
    this.tasks.delete(runId);
  }

  /** Engine stop: every brain is aborted. */
  clear(): void {
    for (const task of this.tasks.values()) task.abort.abort();
    this.tasks.clear();
  }

  get size(): number {
    return this.tasks.size;
  }
}
