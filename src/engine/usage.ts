/** Usage accounting: a turn's tokens (given by the brain, else counted) and the run's running totals. */
import type { TurnPlan } from './turn-plan.js';

export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
}

/** The turn's usage: what the brain said, else the prompt counted at plan time and `completionTokens`. */
export function turnUsage(plan: TurnPlan, completionTokens: number): TokenCounts {
  return {
    prompt_tokens: plan.usage?.prompt_tokens ?? plan.promptTokens,
    completion_tokens: plan.usage?.completion_tokens ?? completionTokens,
  };
}

export function addUsage(a: TokenCounts, b: TokenCounts): TokenCounts {
  return { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens };
}

/** The `usage` object of a run or step. */
export function toUsage(u: TokenCounts) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.prompt_tokens + u.completion_tokens };
}
