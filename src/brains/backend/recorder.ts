/**
 * RECORD_TO: every turn the backend answers, appended to a scenario file as the turn of a rule that
 * matches the run's assistant (by name) and the user's message; one rule per run, its turns in
 * order. The file is rewritten whole, through a temporary file and a rename, so a reader (SCENARIOS
 * watching it, say) never sees half of it; and checked against the scenario schema before it is.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { lazyRequire } from '../../util/lazy-require.js';
import type { BrainTurnInput, TextAnnotation } from '../brain.js';
import type { ScenarioFileSpec, ScenarioSpec, ToolCallSpec, TurnSpec } from '../scenarios/format.js';
import { validateScenarioFile } from '../scenarios/validate.js';
import { FILE_SEARCH_FUNCTION, markerKey, type Sources } from './file-search.js';
import { literalTemplate } from './template-escape.js';
import type { TurnResult } from './turn-events.js';

// Loaded with the first turn recorded, not at start-up (src/util/lazy-require.ts).
const yaml = lazyRequire<typeof import('yaml')>('yaml');

export interface RecorderLog {
  warn(obj: object, msg: string): void;
}

/** Runs remembered (for appending their later turns to their rule); the oldest are forgotten first. */
const MAX_REMEMBERED_RUNS = 10_000;

export class TurnRecorder {
  private readonly ruleOfRun = new Map<string, string>();
  private serial = 0;

  constructor(
    readonly path: string,
    private readonly log: RecorderLog = { warn: () => undefined },
  ) {}

  /** Appends the turn; a problem is logged, never thrown: recording must not fail the run. */
  record(input: BrainTurnInput, result: TurnResult, annotations: TextAnnotation[], sources: Sources, model: string): void {
    try {
      this.write(input, recordedTurn(result, annotations, sources), model);
    } catch (error) {
      this.log.warn({ err: error, record_to: this.path, run_id: input.run.id }, 'could not record the backend turn');
    }
  }

  private write(input: BrainTurnInput, turn: TurnSpec, model: string): void {
    const file = this.read();
    let name = this.ruleOfRun.get(input.run.id);
    let rule = name ? file.scenarios.find((s) => s.name === name) : undefined;
    if (!rule) {
      // A run whose first turns were answered by something else cannot be replayed from here.
      if (input.turn !== 0) return;
      name = ruleName(input, file.scenarios, ++this.serial);
      rule = {
        name,
        description: `Recorded from the model backend (${model}), run ${input.run.id}.`,
        match: {
          ...(input.assistant?.name ? { assistant: { name: input.assistant.name } } : {}),
          message: input.lastUserMessage,
        },
        turns: [],
      };
      file.scenarios.push(rule);
      this.remember(input.run.id, name);
    }
    if (input.turn !== rule.turns.length) return;
    rule.turns.push(turn);
    const checked = validateScenarioFile(file);
    if (!checked.ok) throw new Error(`the recording would not be a valid scenario file: ${checked.problem.message}`);
    this.save(file);
  }

  private read(): ScenarioFileSpec {
    if (!existsSync(this.path)) return { scenarios: [] };
    const parsed = yaml().parse(readFileSync(this.path, 'utf8')) as unknown;
    if (parsed === null || parsed === undefined) return { scenarios: [] };
    const scenarios = (parsed as { scenarios?: unknown }).scenarios;
    // Never overwrite a file this did not write: something else would be lost.
    if (!Array.isArray(scenarios)) throw new Error(`${this.path} is not a scenario file ({ scenarios: [...] })`);
    return parsed as ScenarioFileSpec;
  }

  private save(file: ScenarioFileSpec): void {
    const doc = new (yaml().Document)(file);
    doc.commentBefore = ' Recorded by assistants-mock from its model backend (RECORD_TO). Replay with SCENARIOS=<this file>.';
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(temporary, doc.toString({ lineWidth: 0 }));
      renameSync(temporary, this.path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  private remember(runId: string, name: string): void {
    this.ruleOfRun.set(runId, name);
    if (this.ruleOfRun.size > MAX_REMEMBERED_RUNS) this.ruleOfRun.delete(this.ruleOfRun.keys().next().value!);
  }
}

/**
 * The turn as a scenario states it: tool calls with their arguments as sent (and the text said
 * before them, if any), or the text with its citations.
 */
export function recordedTurn(result: TurnResult, annotations: TextAnnotation[], sources: Sources): TurnSpec {
  const usage = result.usage ? { usage: { ...result.usage } } : {};
  if (result.calls.length > 0) {
    const calls = result.calls.map((call): ToolCallSpec => {
      if (call.name === FILE_SEARCH_FUNCTION) {
        const query = searchQuery(call.arguments);
        return { file_search: query ? { query: literalTemplate(query) } : {} };
      }
      return { function: call.name, arguments: literalTemplate(call.arguments) };
    });
    // Text said before the calls (content and tool_calls in one reply) replays as that message, then the calls.
    return { ...(result.text !== '' ? { text: literalTemplate(result.text) } : {}), tool_calls: calls, ...usage };
  }
  if (annotations.length === 0) return { text: literalTemplate(result.text), ...usage };
  return {
    text: literalTemplate(result.text),
    annotations: annotations.map((a) => {
      const key = markerKey(a.text);
      const source = key ? sources.get(key) : undefined;
      // The replay searches its own vector stores: cite its result by position, not a file id that
      // exists only in the database the recording was made with.
      const fileId = source?.latestIndex !== undefined ? `{{search_results.${source.latestIndex}.file_id}}` : a.file_citation!.file_id;
      return {
        type: 'file_citation' as const,
        text: literalTemplate(a.text),
        file_id: fileId,
        start_index: a.start_index,
        end_index: a.end_index,
      };
    }),
    ...usage,
  };
}

export function searchQuery(args: string): string {
  try {
    const query = (JSON.parse(args) as { query?: unknown }).query;
    return typeof query === 'string' ? query : '';
  } catch {
    return '';
  }
}

function ruleName(input: BrainTurnInput, existing: ScenarioSpec[], serial: number): string {
  const who = input.assistant?.name ?? input.assistant?.id ?? 'assistant';
  const what = input.lastUserMessage.replace(/\s+/g, ' ').trim().slice(0, 40);
  const base = `recorded: ${who}: ${what} (${input.run.id})`;
  return existing.some((s) => s.name === base) ? `${base} #${serial}` : base;
}
