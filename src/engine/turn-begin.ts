/**
 * The begin phase of a scripted turn: check the prompt budget, then create the turn's step (and, for
 * text, its message) and cut the whole output into the deltas the stream phase sends. A turn with
 * text and tool calls begins as text; its calls begin once the message is complete
 * (beginPendingCalls). A streamed turn is handed to src/engine/brain-stream.ts instead.
 */
import { countTokens, truncateToTokens } from '../brains/tokens.js';
import type { ScriptedToolCall, TextAnnotation } from '../brains/types.js';
import { insertMessage } from '../store/messages.js';
import { insertStep } from '../store/runs.js';
import type { RunRow } from '../store/schema.js';
import { newId } from '../util/ids.js';
import { auditTurnStep } from './audit.js';
import { pumpBrainStream } from './brain-stream.js';
import { nowFor, type EngineCore } from './core.js';
import { splitJson, textDeltas, toolCallDeltas } from './deltas.js';
import { stateOf } from './engine-state.js';
import { endRun } from './endings.js';
import { prepareCall } from './tools/executors.js';
import { completeTurnMessage } from './turn-message.js';
import type { TurnPlan } from './turn-plan.js';

export function phaseBegin(core: EngineCore, run: RunRow): void | Promise<void> {
  const plan = core.tasks.get(run.id)?.plan;
  if (!plan) return core.schedule(run, 'plan', 0);
  if (run.maxPromptTokens !== null && plan.promptTokens > run.maxPromptTokens) {
    endRun(core, run, 'incomplete', { incompleteDetails: { reason: 'max_prompt_tokens' } }, plan);
    return;
  }
  if (plan.events) return pumpBrainStream(core, run, plan);
  const action = plan.action!;
  switch (action.kind) {
    case 'fail':
      endRun(core, run, 'failed', { lastError: { code: action.code, message: action.message } }, plan);
      return;
    case 'incomplete':
      if (!action.text || action.reason === 'max_prompt_tokens') {
        endRun(core, run, 'incomplete', { incompleteDetails: { reason: action.reason } }, plan);
        return;
      }
      beginText(core, run, plan, action.text, [], true);
      break;
    case 'text':
      beginText(core, run, plan, action.text, action.annotations ?? [], false);
      break;
    case 'tool_calls':
      // Text and tool calls: the text is said first (its message completes at finish, then the calls begin).
      if (action.text) {
        beginText(core, run, plan, action.text, action.annotations ?? [], false);
        plan.pendingCalls = action.calls;
      } else beginToolCalls(core, run, plan, action.calls);
      break;
  }
  if (plan.step) auditTurnStep(core.ctx, run, plan.step.id);
  core.schedule(run, 'stream', plan.deltas.length > 0 ? plan.paceMs : 0);
}

function beginText(
  core: EngineCore,
  run: RunRow,
  plan: TurnPlan,
  fullText: string,
  annotations: TextAnnotation[],
  forceIncomplete: boolean,
) {
  const state = stateOf(run);
  let text = fullText;
  let truncated = forceIncomplete;
  if (run.maxCompletionTokens !== null) {
    const budget = run.maxCompletionTokens - state.usage.completion_tokens;
    if (countTokens(text) > budget) {
      text = truncateToTokens(text, Math.max(0, budget));
      truncated = true;
    }
  }
  const kept = annotations.filter((a) => a.end_index <= text.length);
  openMessage(core, run, plan);
  plan.text = text;
  plan.annotations = kept;
  plan.truncated = truncated;
  const words = plan.action?.stream?.chunk_tokens ?? core.ctx.config.streamChunkTokens;
  // A JSON reply has few spaces: it is streamed in small fragments, as tool arguments are.
  const json = plan.action?.kind === 'text' && plan.action.format === 'json';
  plan.deltas = textDeltas(text, kept, words, json ? (t, n) => splitJson(t, 8 * n) : undefined).map((delta) => ({
    event: 'thread.message.delta' as const,
    delta,
  }));
}

/** The text of a text-and-tool-calls turn is said: its message completes, then the calls stream. */
export function beginPendingCalls(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  const calls = plan.pendingCalls!;
  plan.pendingCalls = undefined;
  completeTurnMessage(core, run, plan);
  beginToolCalls(core, run, plan, calls);
  auditTurnStep(core.ctx, run, plan.step!.id);
  core.schedule(run, 'stream', plan.deltas.length > 0 ? plan.paceMs : 0);
}

function beginToolCalls(core: EngineCore, run: RunRow, plan: TurnPlan, scripted: ScriptedToolCall[]): void {
  const calls = scripted.map((call) => prepareCall(core.ctx, run, call));
  openToolStep(core, run, plan);
  plan.calls = calls;
  plan.deltas = toolCallDeltas(calls).map((delta) => ({ event: 'thread.run.step.delta' as const, delta }));
}

/** Creates the turn's assistant message and its message_creation step, and announces both. */
export function openMessage(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  const { db } = core.ctx;
  const now = nowFor(core, run.tenant);
  const messageId = newId('message');
  const { step, message } = db.transaction(() => {
    const message = insertMessage(db, {
      id: messageId,
      tenant: run.tenant,
      threadId: run.threadId,
      createdAt: now,
      role: 'assistant',
      status: 'in_progress',
      content: [],
      attachments: [],
      assistantId: run.assistantId,
      runId: run.id,
      metadata: {},
      completedAt: null,
      incompleteAt: null,
      incompleteDetails: null,
    });
    const step = insertStep(
      db,
      newStep(core, run, 'message_creation', { type: 'message_creation', message_creation: { message_id: messageId } }),
    );
    return { step, message };
  });
  plan.step = step;
  plan.message = message;
  core.publish.step(run, 'thread.run.step.created', step);
  core.publish.step(run, 'thread.run.step.in_progress', step);
  core.publish.message(run, 'thread.message.created', message);
  core.publish.message(run, 'thread.message.in_progress', message);
}

/** Creates the turn's (empty) tool_calls step and announces it. */
export function openToolStep(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  const { db } = core.ctx;
  const step = db.transaction(() => insertStep(db, newStep(core, run, 'tool_calls', { type: 'tool_calls', tool_calls: [] })));
  plan.step = step;
  core.publish.step(run, 'thread.run.step.created', step);
  core.publish.step(run, 'thread.run.step.in_progress', step);
}

function newStep(core: EngineCore, run: RunRow, type: 'message_creation' | 'tool_calls', stepDetails: unknown) {
  return {
    id: newId('step'),
    tenant: run.tenant,
    runId: run.id,
    threadId: run.threadId,
    assistantId: run.assistantId,
    createdAt: nowFor(core, run.tenant),
    type,
    status: 'in_progress',
    stepDetails,
    lastError: null,
    cancelledAt: null,
    completedAt: null,
    expiredAt: null,
    failedAt: null,
    usage: null,
    metadata: {},
  };
}
