/** Usage accounting: a turn's tokens (given by the brain, else counted) and the run's running totals. */
import type { TurnPlan } from './turn-plan.js';

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
}

export const ZERO_USAGE: TokenCounts = { prompt_tokens: 0, completion_tokens: 0 };

/**
 * What the turn's last step shows, and what it adds to the run's totals. Without a message said
 * earlier in the turn both are the turn's usage: what the brain said, else the prompt counted at plan
 * time and `completionTokens`. After such a message (text, then tool calls) the brain's usage is the
 * whole model call's, and the message step already has its counted share (`plan.spent`): the run gets
 * the rest, so its totals take the brain's usage once; the step shows that rest, never below zero
 * (the tokenizer may count the message's share above what the backend reported).
 */
export function turnShares(plan: TurnPlan, completionTokens: number): { step: TokenCounts; run: TokenCounts } {
  const spent = plan.spent ?? ZERO_USAGE;
  const prompt = share(plan.usage?.prompt_tokens, spent.prompt_tokens, plan.promptTokens);
  const completion = share(plan.usage?.completion_tokens, spent.completion_tokens, completionTokens);
  return {
    step: { prompt_tokens: Math.max(0, prompt), completion_tokens: Math.max(0, completion) },
    run: { prompt_tokens: prompt, completion_tokens: completion },
  };
}

/** The given total less what was spent on earlier steps of the turn; nothing given: the counted value. */
function share(given: number | undefined, spent: number, counted: number): number {
  return given === undefined ? counted : given - spent;
}

export function addUsage(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens };
}

/** The `usage` object of a run or step. */
export function toUsage(u: TokenCounts) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens };
}
