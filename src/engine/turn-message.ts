/**
 * A turn that says something and then calls tools (a model reply with both content and tool calls,
 * streamed or scripted): its message is completed before the tool calls step opens, as the real
 * service shows such a reply: message_creation step completed, then the tool_calls step.
 */
import { countTokens } from '../brains/tokens.js';
import { updateMessage } from '../store/messages.js';
import { findRunById, updateRun, updateStep } from '../store/runs.js';
import type { RunRow } from '../store/schema.js';
import { nowFor, type EngineCore } from './core.js';
import { stateOf } from './engine-state.js';
import { sentContent, type TurnPlan } from './turn-plan.js';
import { addUsage, toUsage, ZERO_USAGE } from './usage.js';

/**
 * Completes the turn's message and its step, with the usage of its text (added to the run's totals
 * now, and remembered in `plan.spent` so the rest of the turn is not given it again); the prompt is
 * counted once, with this step. The plan is left ready for the turn's tool calls. The engine state
 * remembers, in the same transaction, that this turn's message was said (a restart re-plans the
 * turn: ./turn-planning.ts then goes straight to the calls).
 */
export function completeTurnMessage(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  const { db } = core.ctx;
  const now = nowFor(core, run.tenant);
  const usage = { prompt_tokens: plan.promptTokens, completion_tokens: countTokens(plan.text ?? '') };
  const { message, step } = db.transaction(() => {
    const message = updateMessage(db, plan.message!.id, {
      status: 'completed',
      content: sentContent(plan, plan.cursor),
      completedAt: now,
    })!;
    const step = updateStep(db, plan.step!.id, { status: 'completed', completedAt: now, usage: toUsage(usage) });
    const current = findRunById(db, run.id) ?? run;
    const state = stateOf(current);
    const saidMessage = { turn: current.turn, messageId: message.id, usage };
    updateRun(db, run.id, { engineState: { ...state, usage: addUsage(state.usage, usage), saidMessage } });
    return { message, step };
  });
  core.publish.message(run, 'thread.message.completed', message);
  core.publish.step(run, 'thread.run.step.completed', step);
  Object.assign(plan, {
    message: undefined,
    step: undefined,
    text: undefined,
    annotations: undefined,
    deltas: [],
    cursor: 0,
    promptTokens: 0,
    spent: addUsage(plan.spent ?? ZERO_USAGE, usage),
  });
}
