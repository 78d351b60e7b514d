/**
 * Which scenario plays a run. Precedence (docs/scenarios.md): run metadata `mock_scenario`, then
 * assistant metadata `mock_scenario`, then the first rule whose `match` holds, runtime rules of the
 * run's tenant before file rules; otherwise none, and the engine's defaults apply.
 */
import type { TurnInput } from '../types.js';
import type { MetadataMatch, ScenarioSource, ScenarioSpec, TextMatch } from './format.js';
import { compileTextMatch, explainMetadataMismatch, explainTextMismatch, metadataMatches, type TextTest } from './text-match.js';

export const SCENARIO_METADATA_KEY = 'mock_scenario';

export interface CompiledScenario {
  name: string;
  spec: ScenarioSpec;
  source: ScenarioSource;
  matches(input: TurnInput): boolean;
  /** The conditions of its `match` that do not hold for this input, each in words; [] when it matches. */
  mismatches(input: TurnInput): Mismatch[];
}

/** One condition of a rule's `match` that failed: where (`message`, `assistant.name`) and why. */
export interface Mismatch {
  field: string;
  reason: string;
}

/** One condition of a `match`: a predicate compiled once, and its explanation for when it fails. */
interface Criterion {
  field: string;
  test(input: TurnInput): boolean;
  explain(input: TurnInput): string;
}

export type Selection =
  | { via: 'run_metadata' | 'assistant_metadata' | 'match'; scenario: CompiledScenario }
  /** A run or assistant names a scenario that does not exist: a mistake worth showing, not hiding. */
  | { via: 'run_metadata' | 'assistant_metadata'; missing: string };

/** Turns a validated rule into a predicate; regular expressions are compiled once, here. */
export function compileScenario(spec: ScenarioSpec, source: ScenarioSource): CompiledScenario {
  const criteria: Criterion[] = [];
  const text = (field: string, spec: TextMatch | undefined, get: (input: TurnInput) => string | null | undefined) => {
    if (spec === undefined) return;
    const test: TextTest = compileTextMatch(spec);
    criteria.push({ field, test: (input) => test(get(input)), explain: (input) => explainTextMismatch(spec, get(input)) ?? '' });
  };
  const metadata = (
    field: string,
    expected: MetadataMatch | undefined,
    get: (input: TurnInput) => Record<string, string> | null | undefined,
  ) => {
    if (expected === undefined) return;
    criteria.push({
      field,
      test: (input) => metadataMatches(expected, get(input)),
      explain: (input) => explainMetadataMismatch(expected, get(input)) ?? '',
    });
  };
  const match = spec.match ?? {};
  if (match.assistant) {
    const a = match.assistant;
    // A rule about the assistant cannot hold for a run whose assistant is gone.
    criteria.push({ field: 'assistant', test: (input) => input.assistant !== undefined, explain: () => 'the run has no assistant' });
    text('assistant.id', a.id, (input) => input.assistant?.id);
    text('assistant.name', a.name, (input) => input.assistant?.name);
    text('assistant.instructions', a.instructions, (input) => input.assistant?.instructions);
    text('assistant.model', a.model, (input) => input.assistant?.model);
    metadata('assistant.metadata', a.metadata, (input) => input.assistant?.metadata);
  }
  if (match.run) {
    text('run.instructions', match.run.instructions, (input) => input.run.instructions);
    text('run.model', match.run.model, (input) => input.run.model);
    metadata('run.metadata', match.run.metadata, (input) => input.run.metadata);
  }
  metadata('thread.metadata', match.thread?.metadata, (input) => input.thread.metadata);
  text('message', match.message, (input) => input.lastUserMessage);
  return {
    name: spec.name,
    spec,
    source,
    matches: (input) => criteria.every((c) => c.test(input)),
    mismatches: (input) => criteria.filter((c) => !c.test(input)).map((c) => ({ field: c.field, reason: c.explain(input) })),
  };
}

/**
 * The rule that came closest to matching: the one with the fewest failed conditions (the first in
 * precedence order on a tie), with those conditions; undefined when there is no rule at all.
 */
export function closestScenario(
  input: TurnInput,
  rules: readonly CompiledScenario[],
): { scenario: CompiledScenario; mismatches: Mismatch[] } | undefined {
  let best: { scenario: CompiledScenario; mismatches: Mismatch[] } | undefined;
  for (const scenario of rules) {
    const mismatches = scenario.mismatches(input);
    if (!best || mismatches.length < best.mismatches.length) best = { scenario, mismatches };
  }
  return best;
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
