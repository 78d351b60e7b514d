/**
 * The finish phase: a text turn ends the run (completed, or incomplete when cut), unless tool calls
 * follow its text (they begin now: ./turn-begin.ts beginPendingCalls); function calls put
 * it in requires_action; calls of server-side tools only (file_search, code_interpreter) complete
 * their step and the brain takes another turn with their results.
 */
import { countTokens } from '../brains/tokens.js';
import { updateRun, updateStep } from '../store/runs.js';
import type { RunRow } from '../store/schema.js';
import { nowFor, type EngineCore } from './core.js';
import { stateOf, withSearchQueries } from './engine-state.js';
import { endRun } from './endings.js';
import { assertTransition } from './state-machine.js';
import { beginPendingCalls } from './turn-begin.js';
import type { TurnPlan } from './turn-plan.js';
import { addUsage, toUsage, turnShares } from './usage.js';

export function phaseFinish(core: EngineCore, run: RunRow): void {
  const plan = core.tasks.get(run.id)?.plan;
  if (!plan || run.status !== 'in_progress') return core.schedule(run, 'plan', 0);
  if (plan.message) {
    if (plan.truncated)
      endRun(core, run, 'incomplete', { incompleteDetails: { reason: plan.incompleteReason ?? 'max_completion_tokens' } }, plan);
    else if (plan.pendingCalls) beginPendingCalls(core, run, plan);
    else endRun(core, run, 'completed', {}, plan);
    return;
  }
  const calls = plan.calls ?? [];
  if (calls.some((c) => c.type === 'function')) return requireAction(core, run, plan);
  // Only server-side tools: they finished; the model takes another turn.
  const { db } = core.ctx;
  const completion = calls.reduce((n, c) => n + countTokens(JSON.stringify(c.stored)), 0);
  const { step: usage, run: added } = turnShares(plan, completion);
  const state = stateOf(run);
  const searched = calls.some((c) => c.type === 'file_search');
  const searchResults = calls.flatMap((c) => c.hits ?? []);
  const now = nowFor(core, run.tenant);
  const { updated, step } = db.transaction(() => {
    const step = updateStep(db, plan.step!.id, {
      status: 'completed',
      completedAt: now,
      stepDetails: { type: 'tool_calls', tool_calls: calls.map((c) => c.stored) },
      usage: toUsage(usage),
    });
    const updated = updateRun(db, run.id, {
      turn: run.turn + 1,
      engineState: {
        ...state,
        usage: addUsage(state.usage, added),
        searchResults: searched ? searchResults : state.searchResults,
        searchQueries: withSearchQueries(state, calls),
      },
    });
    return { updated, step };
  });
  core.tasks.get(run.id)!.plan = undefined;
  core.publish.step(updated, 'thread.run.step.completed', step);
  core.schedule(run, 'plan', 0);
}

function requireAction(core: EngineCore, run: RunRow, plan: TurnPlan): void {
  const { db } = core.ctx;
  const calls = plan.calls ?? [];
  const completion = calls.reduce((n, c) => n + countTokens(JSON.stringify(c.stored)), 0);
  const { step: usage, run: added } = turnShares(plan, completion);
  const state = stateOf(run);
  const totals = addUsage(state.usage, added);
  const functionCalls = calls.filter((c) => c.type === 'function');
  const updated = db.transaction(() => {
    // Issue 4 fix: the step stays in_progress, so its usage stays null (it was set here, and a GET
    // of the step at requires_action differed from the spec and from what was streamed); it is
    // kept in the engine state and written when the step is closed.
    updateStep(db, plan.step!.id, { stepDetails: { type: 'tool_calls', tool_calls: calls.map((c) => c.stored) } });
    assertTransition(run.status, 'requires_action');
    return updateRun(db, run.id, {
      status: 'requires_action',
      requiredAction: {
        type: 'submit_tool_outputs',
        submit_tool_outputs: {
          tool_calls: functionCalls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.function!.name, arguments: c.function!.arguments },
          })),
        },
      },
      usage: toUsage(totals),
      engineState: { ...state, usage: totals, stepUsage: { stepId: plan.step!.id, usage }, searchQueries: withSearchQueries(state, calls) },
    });
  });
  core.tasks.get(run.id)!.plan = undefined;
  core.publish.run(updated, 'thread.run.requires_action');
}
