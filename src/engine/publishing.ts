/**
 * Announcing what the engine committed: every event goes to the bus in the v2 shape, with a lazy v1
 * shape for v1 streams (v1 messages show citation quotes, v1 steps call file_search `retrieval`).
 * Events are published only after the transaction that made them true has committed.
 */
import type { AppServices } from '../context.js';
import { serializeMessage, serializeMessageFor, v1Content } from '../domain/messages/serializers.js';
import { serializeThread } from '../domain/threads/serializers.js';
import { serializeRun, serializeRunFor, serializeStep } from '../domain/runs/serializers.js';
import type { MessageRow, RunRow, RunStepRow, ThreadRow } from '../store/schema.js';
import { auditRunEvent } from './audit.js';
import { messageDeltaForV1, stepDeltaForV1, type MessageDelta, type StepDelta } from './deltas.js';
import { stateOf } from './engine-state.js';
import { planText, type TurnPlan } from './turn-plan.js';

export class RunPublisher {
  constructor(private readonly ctx: AppServices) {}

  thread(run: RunRow, event: string, thread: ThreadRow): void {
    this.bus(run, event, serializeThread(thread, 'v2'), () => serializeThread(thread, 'v1'));
  }

  run(run: RunRow, event: string): void {
    auditRunEvent(this.ctx, run, event);
    this.bus(run, event, serializeRun(run, 'v2'), () => serializeRunFor(this.ctx.db, run, 'v1'));
  }

  step(run: RunRow, event: string, step: RunStepRow): void {
    const include = stateOf(run).include;
    this.bus(run, event, serializeStep(step, 'v2', include), () => serializeStep(step, 'v1', include));
  }

  message(run: RunRow, event: string, message: MessageRow): void {
    this.bus(run, event, serializeMessage(message, 'v2'), () => serializeMessageFor(this.ctx, message, 'v1'));
  }

  /** An `error` event on the run's streams (an unexpected engine error). */
  error(run: RunRow, error: { message: string; type: string; param: null; code: string }): void {
    this.bus(run, 'error', { error });
  }

  /**
   * Publishes the plan's deltas up to (not including) `end`, advancing its cursor; `paced`: stops early
   * while a stream of the run is congested (a run ended by the control API sends the rest at once).
   */
  deltas(run: RunRow, plan: TurnPlan, end: number, paced = false): void {
    for (; plan.cursor < end; plan.cursor++) {
      if (paced && this.ctx.streams.isCongested(run.id)) return;
      const { event, delta } = plan.deltas[plan.cursor];
      this.delta(run, plan, event, delta);
    }
  }

  /** One message or step delta, as both API versions show it. */
  delta(run: RunRow, plan: TurnPlan, event: 'thread.message.delta' | 'thread.run.step.delta', delta: unknown): void {
    const id = event === 'thread.message.delta' ? plan.message!.id : plan.step!.id;
    if (event === 'thread.message.delta') {
      // v1 streams show the citations' quotes, as v1 messages do.
      const v1 = () => ({
        id,
        object: 'thread.message.delta',
        delta: messageDeltaForV1(delta as MessageDelta, () => planText(plan), v1Content),
      });
      this.bus(run, event, { id, object: 'thread.message.delta', delta }, v1);
    } else {
      // v1 streams name file_search calls `retrieval` in deltas too.
      const v1 = () => ({ id, object: 'thread.run.step.delta', delta: stepDeltaForV1(delta as StepDelta) });
      this.bus(run, event, { id, object: 'thread.run.step.delta', delta }, v1);
    }
  }

  private bus(run: RunRow, event: string, data: unknown, v1?: () => unknown): void {
    this.ctx.bus.publish({ event, data, v1, tenant: run.tenant, threadId: run.threadId, runId: run.id });
  }
}
