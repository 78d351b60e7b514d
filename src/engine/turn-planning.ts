/**
 * The plan phase: gather what the brain may look at (BrainTurnInput), ask the brain chain, record who
 * answered, and keep the answer as the turn's plan. A brain that answers synchronously (scenarios,
 * defaults) keeps the phase synchronous; an asynchronous one is awaited, and its failure fails the
 * run (src/engine/endings.ts failFromBrain) unless the run was meanwhile ended and its brain aborted.
 */
import type { BrainAnswer, BrainTurnInput } from '../brains/brain.js';
import type { TurnAction } from '../brains/types.js';
import { findAssistant } from '../store/assistants.js';
import { allMessages } from '../store/messages.js';
import { stepsOfRun } from '../store/runs.js';
import type { RunRow, RunStepRow } from '../store/schema.js';
import { findThread } from '../store/threads.js';
import { auditTurn } from './audit.js';
import type { EngineCore } from './core.js';
import { saidThisTurn, stateOf, vectorStoreIdsOf, type SaidMessage } from './engine-state.js';
import type { TurnPlan } from './turn-plan.js';
import { failFromBrain } from './endings.js';
import { lastUserMessage, promptMessages, promptTokens } from './prompt.js';

export function phasePlan(core: EngineCore, run: RunRow): void | Promise<void> {
  if (run.status !== 'in_progress') return;
  const task = core.tasks.ensure(run.id);
  const input = turnInput(core, run, task.abort.signal);
  let answer: BrainAnswer | Promise<BrainAnswer> | undefined;
  try {
    answer = core.brain.answer(input) as BrainAnswer | Promise<BrainAnswer>;
  } catch (error) {
    return failFromBrain(core, run.id, error);
  }
  if (!isPromise(answer)) return planned(core, run, input, answer);
  return Promise.resolve(answer).then(
    (settled) => {
      // Cancelled, expired, deleted or stopped while the brain thought: the run is already ending.
      if (input.signal.aborted || core.stopped) return;
      planned(core, run, input, settled);
    },
    (error: unknown) => failFromBrain(core, run.id, error),
  );
}

function planned(core: EngineCore, run: RunRow, input: BrainTurnInput, answer: BrainAnswer | undefined): void {
  if (!answer) throw new Error('assistants-mock: the brain chain gave no answer.');
  auditTurn(core.ctx, run, answer.answeredBy);
  const task = core.tasks.ensure(run.id);
  const prompt = promptTokens(run, input.messages, input.toolOutputs);
  const said = saidThisTurn(run);
  if (answer.type === 'stream') {
    task.plan = { events: answer.events, promptTokens: prompt, deltas: [], cursor: 0, paceMs: 0, saidBefore: said !== undefined };
    return core.schedule(run, 'begin', 0);
  }
  const { action } = answer;
  task.plan = {
    action,
    usage: action.usage,
    incompleteReason: action.kind === 'incomplete' ? action.reason : undefined,
    promptTokens: prompt,
    deltas: [],
    cursor: 0,
    paceMs: action.stream?.delay_ms ?? core.ctx.config.streamDelayMs,
  };
  if (said && action.kind === 'tool_calls' && action.text) resumeAfterMessage(task.plan, action, said);
  core.schedule(run, 'begin', action.delay_ms ?? 0);
}

/**
 * A scripted turn with text and tool calls whose message was said before a restart: only its calls
 * are left (the same ones: the scenario answers the same turn alike). The message's step was given
 * the prompt and the text's tokens, so the calls' step gets the rest, as without the restart.
 */
function resumeAfterMessage(plan: TurnPlan, action: Extract<TurnAction, { kind: 'tool_calls' }>, said: SaidMessage): void {
  plan.action = { ...action, text: undefined, annotations: undefined };
  plan.promptTokens = 0;
  plan.spent = said.usage;
}

/**
 * Everything a brain may look at for this turn. The run's steps are read on first use (and kept):
 * most turns are answered by scenarios or defaults, which never look at them.
 */
export function turnInput(core: EngineCore, run: RunRow, signal: AbortSignal): BrainTurnInput {
  const { db } = core.ctx;
  const thread = findThread(db, run.tenant, run.threadId)!;
  const assistant = findAssistant(db, run.tenant, run.assistantId);
  const all = allMessages(db, run.threadId).filter((m) => m.runId !== run.id || m.status === 'completed');
  const state = stateOf(run);
  let steps: RunStepRow[] | undefined;
  return {
    run,
    assistant,
    thread,
    messages: promptMessages(run, all),
    lastUserMessage: lastUserMessage(all),
    toolOutputs: state.toolOutputs,
    turn: run.turn,
    searchResults: state.searchResults,
    searchQueries: state.searchQueries,
    vectorStoreIds: vectorStoreIdsOf(run, thread),
    get steps() {
      return (steps ??= stepsOfRun(db, run.id));
    },
    signal,
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}
