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
import { citations, type Sources } from './file-search.js';
import type { TurnRecorder } from './recorder.js';
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

export class BackendBrain implements Brain {
  constructor(private readonly options: BackendBrainOptions) {}

  answer(input: BrainTurnInput): BrainAnswer | undefined {
    if (forcesCodeInterpreter(input.run.toolChoice)) return undefined;
    const usage = input.run.usage as { completion_tokens?: number } | null;
    const { body, sources } = buildChatRequest(input, {
      modelMap: this.options.settings.modelMap,
      readFile: this.options.readFile,
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
    this.options.recorder?.record(input, result, annotations, sources, body.model);
  }
}
