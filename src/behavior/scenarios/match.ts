/**
 * Which scenario plays a run. Precedence (docs/scenarios.md): run metadata `mock_scenario`, then
 * assistant metadata `mock_scenario`, then the first rule whose `match` holds, runtime rules of the
 * run's tenant before file rules; otherwise none, and the engine's defaults apply.
 */
import type { TurnInput } from '../types.js';
import type { ScenarioSource, ScenarioSpec } from './format.js';
import { compileTextMatch, metadataMatches, type TextTest } from './text-match.js';

export const SCENARIO_METADATA_KEY = 'mock_scenario';

export interface CompiledScenario {
  name: string;
  spec: ScenarioSpec;
  source: ScenarioSource;
  matches(input: TurnInput): boolean;
}

export type Selection =
  | { via: 'run_metadata' | 'assistant_metadata' | 'match'; scenario: CompiledScenario }
  /** A run or assistant names a scenario that does not exist: a mistake worth showing, not hiding. */
  | { via: 'run_metadata' | 'assistant_metadata'; missing: string };

/** Turns a validated rule into a predicate; regular expressions are compiled once, here. */
export function compileScenario(spec: ScenarioSpec, source: ScenarioSource): CompiledScenario {
  const tests: ((input: TurnInput) => boolean)[] = [];
  const text = (spec: Parameters<typeof compileTextMatch>[0] | undefined, get: (input: TurnInput) => string | null | undefined) => {
    if (spec === undefined) return;
    const test: TextTest = compileTextMatch(spec);
    tests.push((input) => test(get(input)));
  };
  const match = spec.match ?? {};
  if (match.assistant) {
    const a = match.assistant;
    // A rule about the assistant cannot hold for a run whose assistant is gone.
    tests.push((input) => input.assistant !== undefined);
    text(a.id, (input) => input.assistant?.id);
    text(a.name, (input) => input.assistant?.name);
    text(a.instructions, (input) => input.assistant?.instructions);
    text(a.model, (input) => input.assistant?.model);
    if (a.metadata) {
      const expected = a.metadata;
      tests.push((input) => metadataMatches(expected, input.assistant?.metadata));
    }
  }
  if (match.run) {
    text(match.run.instructions, (input) => input.run.instructions);
    text(match.run.model, (input) => input.run.model);
    if (match.run.metadata) {
      const expected = match.run.metadata;
      tests.push((input) => metadataMatches(expected, input.run.metadata));
    }
  }
  if (match.thread?.metadata) {
    const expected = match.thread.metadata;
    tests.push((input) => metadataMatches(expected, input.thread.metadata));
  }
  text(match.message, (input) => input.lastUserMessage);
  return { name: spec.name, spec, source, matches: (input) => tests.every((test) => test(input)) };
}

/** `rules` in precedence order: the tenant's runtime rules first, then the file rules. */
export function selectScenario(input: TurnInput, rules: readonly CompiledScenario[]): Selection | undefined {
  const byName = (name: string) => rules.find((rule) => rule.name === name);
  const fromRun = input.run.metadata?.[SCENARIO_METADATA_KEY];
  if (fromRun) {
    const scenario = byName(fromRun);
    return scenario ? { via: 'run_metadata', scenario } : { via: 'run_metadata', missing: fromRun };
  }
  const fromAssistant = input.assistant?.metadata?.[SCENARIO_METADATA_KEY];
  if (fromAssistant) {
    const scenario = byName(fromAssistant);
    return scenario ? { via: 'assistant_metadata', scenario } : { via: 'assistant_metadata', missing: fromAssistant };
  }
  const scenario = rules.find((rule) => rule.matches(input));
  return scenario ? { via: 'match', scenario } : undefined;
}
