/**
 * The brain chain the engine asks at the start of every turn (src/brains/brain.ts): the first link
 * that answers decides the turn.
 *
 *   1. scenarios: a rule that plays this turn (so a test can pin a turn even with a model behind);
 *   2. the backend slot: a model backend, when the app was built with one and neither the run's nor
 *      the assistant's metadata says `mock_backend: "off"`;
 *   3. strict mode (UNMATCHED=error): a turn neither a rule nor a backend answered fails, naming the
 *      closest rule. A backend answering counts as matched: strict mode guards against turns nobody
 *      scripted, and a backend's reply is an answer, not a fallback;
 *   4. the request-driven defaults (tool_choice, tools, search results, the reply template).
 *
 * Links that answer synchronously keep the whole turn synchronous, so the engine's timing with
 * scenarios and defaults is exactly what it was before brains could be asynchronous.
 */
import type { Brain, BrainAnswer, BrainTurnInput } from './brain.js';
import type { DefaultBehavior } from './defaults.js';
import type { ScenarioRegistry } from './scenarios/registry.js';
import type { TurnDecision } from './types.js';

/** Run or assistant metadata that keeps the built-in brains for a run even with a backend configured. */
export const BACKEND_SWITCH_KEY = 'mock_backend';

function actionAnswer(decision: TurnDecision | undefined): BrainAnswer | undefined {
  return decision ? { type: 'action', action: decision.action, answeredBy: decision.answeredBy } : undefined;
}

/**
 * Link 1: the scenario rule that plays this turn. Without a backend behind it, strict mode's failure
 * comes with it (the registry's own answer); with one, strict mode waits for the backend (link 3).
 */
export class ScenarioBrain implements Brain {
  constructor(
    private readonly registry: ScenarioRegistry,
    private readonly withStrictMode: boolean,
  ) {}
  answer(input: BrainTurnInput): BrainAnswer | undefined {
    return actionAnswer(this.withStrictMode ? this.registry.answer(input) : this.registry.answerMatched(input));
  }
}

/** Link 2: the model backend, unless the run or its assistant switched it off. */
export class BackendSlot implements Brain {
  constructor(private readonly backend: Brain) {}
  answer(input: BrainTurnInput): BrainAnswer | undefined | Promise<BrainAnswer | undefined> {
    if (backendSwitchedOff(input)) return undefined;
    // The engine reads the run's steps on first use only (scenarios and defaults never need them):
    // read them now, so the backend sees them as they were when the turn started, however late it looks.
    void input.steps;
    return this.backend.answer(input);
  }
}

/** Link 3: strict mode's failure for a turn nobody answered. */
export class UnmatchedBrain implements Brain {
  constructor(private readonly registry: ScenarioRegistry) {}
  answer(input: BrainTurnInput): BrainAnswer | undefined {
    return actionAnswer(this.registry.answerUnmatched(input));
  }
}

/** Link 4: the request itself, else the reply template; always answers. */
export class DefaultBrain implements Brain {
  constructor(private readonly defaults: DefaultBehavior) {}
  answer(input: BrainTurnInput): BrainAnswer {
    return actionAnswer(this.defaults.answer(input))!;
  }
}

export function backendSwitchedOff(input: Pick<BrainTurnInput, 'run' | 'assistant'>): boolean {
  const off = (metadata: unknown) => (metadata as Record<string, unknown> | null | undefined)?.[BACKEND_SWITCH_KEY] === 'off';
  return off(input.run.metadata) || off(input.assistant?.metadata);
}

export interface ChainLinks {
  scenarios?: ScenarioRegistry;
  backend?: Brain;
  defaults: DefaultBehavior;
}

/** Asks each brain in turn; the last one must always answer. */
export class BrainChain implements Brain {
  private readonly brains: Brain[];

  constructor(links: ChainLinks) {
    const { scenarios, backend } = links;
    this.brains = [
      ...(scenarios ? [new ScenarioBrain(scenarios, !backend)] : []),
      ...(backend ? [new BackendSlot(backend)] : []),
      ...(scenarios && backend ? [new UnmatchedBrain(scenarios)] : []),
      new DefaultBrain(links.defaults),
    ];
  }

  answer(input: BrainTurnInput): BrainAnswer | Promise<BrainAnswer> {
    return this.askFrom(0, input);
  }

  private askFrom(first: number, input: BrainTurnInput): BrainAnswer | Promise<BrainAnswer> {
    for (let i = first; i < this.brains.length; i++) {
      const answer = this.brains[i].answer(input);
      if (isPromiseLike(answer)) return Promise.resolve(answer).then((a) => a ?? this.askFrom(i + 1, input));
      if (answer) return answer;
    }
    throw new Error('assistants-mock: no brain answered the turn (the defaults always should).');
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}
