/**
 * The model backend as a brain: each turn of a run is one streaming Chat Completions call to
 * MODEL_BACKEND_URL (./request.ts says what is sent), its deltas forwarded to the engine as they
 * arrive (./turn-events.ts), its failures mapped to the run's last_error (./transport.ts).
 *
 * code_interpreter is not executed: the model is not offered the tool, and a run whose tool_choice
 * forces it is left to the next brain (the defaults script a code_interpreter step).
 */
import type { Brain, BrainAnswer, BrainEvent, BrainTurnInput } from '../brain.js';
import type { ChatRequest } from './chat-types.js';
import { citations, FILE_SEARCH_FUNCTION, type Sources } from './file-search.js';
import { searchQuery, type TurnRecorder } from './recorder.js';
import { buildChatRequest, forcesCodeInterpreter } from './request.js';
import type { BackendSettings } from './settings.js';
import type { ReadFile } from './thread-messages.js';
import { chatChunks } from './transport.js';
import { turnEvents, type TurnResult } from './turn-events.js';

export interface BackendBrainOptions {
  settings: BackendSettings;
  readFile: ReadFile;
  recorder?: TurnRecorder;
}

/** Runs whose file_search queries are remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_RUNS = 10_000;

export class BackendBrain implements Brain {
  /** The queries of each run's file_search calls: a search step keeps only its results. */
  private readonly searchQueries = new Map<string, string[]>();

  constructor(private readonly options: BackendBrainOptions) {}

  answer(input: BrainTurnInput): BrainAnswer | undefined {
    if (forcesCodeInterpreter(input.run.toolChoice)) return undefined;
    const usage = input.run.usage as { completion_tokens?: number } | null;
    const { body, sources } = buildChatRequest(input, {
      modelMap: this.options.settings.modelMap,
      readFile: this.options.readFile,
      searchQueries: this.searchQueries.get(input.run.id) ?? [],
      usedCompletionTokens: usage?.completion_tokens ?? 0,
    });
    return { type: 'stream', answeredBy: { kind: 'backend', scenario: null, model: body.model }, events: this.turn(input, body, sources) };
  }

  private async *turn(input: BrainTurnInput, body: ChatRequest, sources: Sources): AsyncGenerator<BrainEvent> {
    const result: TurnResult = { text: '', calls: [], usage: undefined };
    yield* turnEvents(chatChunks(this.options.settings, body, input.signal), result);
    if (input.signal.aborted) return;
    const annotations = result.calls.length === 0 && result.text ? citations(result.text, sources) : [];
    if (annotations.length > 0) yield { type: 'annotations', annotations };
    const queries = result.calls
      .filter((c) => c.name === FILE_SEARCH_FUNCTION)
      .map((c) => searchQuery(c.arguments) || input.lastUserMessage);
    if (queries.length > 0) this.rememberQueries(input.run.id, queries);
    this.options.recorder?.record(input, result, annotations, sources, body.model);
  }

  private rememberQueries(runId: string, queries: string[]): void {
    const known = this.searchQueries.get(runId) ?? [];
    this.searchQueries.delete(runId);
    this.searchQueries.set(runId, [...known, ...queries]);
    if (this.searchQueries.size > MAX_REMEMBERED_RUNS) this.searchQueries.delete(this.searchQueries.keys().next().value!);
  }
}
