/**
 * The plan phase: gather what the brain may look at (BrainTurnInput), ask the brain chain, record who
 * answered, and keep the answer as the turn's plan. A brain that answers synchronously (scenarios,
 * defaults) keeps the phase synchronous; an asynchronous one is awaited, and its failure fails the
 * run (src/engine/endings.ts failFromBrain) unless the run was meanwhile ended and its brain aborted.
 */
import type { BrainAnswer, BrainTurnInput } from '../brains/brain.js';
import { findAssistant } from '../store/assistants.js';
import { allMessages } from '../store/messages.js';
import { stepsOfRun } from '../store/runs.js';
import type { RunRow, RunStepRow } from '../store/schema.js';
import { findThread } from '../store/threads.js';
import { auditTurn } from './audit.js';
import type { EngineCore } from './core.js';
import { stateOf, vectorStoreIdsOf } from './engine-state.js';
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
  if (answer.type === 'stream') {
    task.plan = { events: answer.events, promptTokens: prompt, deltas: [], cursor: 0, paceMs: 0 };
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
  core.schedule(run, 'begin', action.delay_ms ?? 0);
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
