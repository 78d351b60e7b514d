/**
 * Strict mode (UNMATCHED=error): a turn of a run that no scenario matches fails the run instead of
 * getting the default reply, with a last_error that names the rule that came closest and every
 * condition of its `match` that did not hold. A typo in a test's match then fails where it happens,
 * not three assertions later on a reply nobody scripted.
 */
import type { TurnAction, TurnInput } from '../types.js';
import { closestScenario, type CompiledScenario } from './match.js';

export type UnmatchedMode = 'default' | 'error';
export const UNMATCHED_MODES: readonly UnmatchedMode[] = ['default', 'error'];

/** The failing action of an unmatched turn in strict mode. */
export function unmatchedFailure(input: TurnInput, rules: readonly CompiledScenario[]): TurnAction {
  return { kind: 'fail', code: 'server_error', message: unmatchedMessage(input, rules) };
}

export function unmatchedMessage(input: TurnInput, rules: readonly CompiledScenario[]): string {
  const head = 'assistants-mock: no scenario matched this run (unmatched mode is error)';
  const closest = closestScenario(input, rules);
  if (!closest) return `${head}, and no scenario is defined for this tenant.`;
  const { scenario, mismatches } = closest;
  const why = mismatches.map((m) => `${m.field}: ${m.reason}`).join('; ');
  return `${head}. Closest scenario: '${scenario.name}', which did not match because ${why}.`;
}
