/**
 * A turn being carried out, in memory only (a restart re-plans the turn): what the brain answered,
 * the step and message it created, and the deltas sent (or, for a scripted turn, to be sent).
 */
import type { BrainEvent } from '../brains/brain.js';
import type { ScriptedToolCall, SearchHit, TextAnnotation, TurnAction, Usage } from '../brains/types.js';
import type { MessageRow, RunStepRow } from '../store/schema.js';
import type { MessageDelta, StreamedCall } from './deltas.js';
import type { TokenCounts } from './usage.js';

export interface StoredCall extends StreamedCall {
  /** The stored (and shown) form of the call. */
  stored: Record<string, unknown>;
  /** file_search: what the search found, for the answer of the next turn. */
  hits?: SearchHit[];
  /** file_search: the query it ran with (kept in the engine state: the step does not show it). */
  query?: string;
}

export interface PlannedDelta {
  event: 'thread.message.delta' | 'thread.run.step.delta';
  delta: unknown;
}

export interface TurnPlan {
  /** A turn known up front (scenarios, defaults); absent for a streamed turn. */
  action?: TurnAction;
  /** A turn produced as it goes (a model): its events, consumed by src/engine/brain-stream.ts. */
  events?: AsyncIterable<BrainEvent>;
  /** Usage the brain gave (scripted, or a streamed `usage` event); counted when absent. */
  usage?: Usage;
  promptTokens: number;
  step?: RunStepRow;
  message?: MessageRow;
  /** text turns: the final text (after a max_completion_tokens cut) and whether it was cut. */
  text?: string;
  annotations?: TextAnnotation[];
  truncated?: boolean;
  /** Why a cut text ends the run incomplete (default max_completion_tokens). */
  incompleteReason?: 'max_completion_tokens' | 'max_prompt_tokens';
  calls?: StoredCall[];
  /** A scripted turn with text and tool calls: the calls, begun once its message is complete. */
  pendingCalls?: ScriptedToolCall[];
  /**
   * A streamed turn asked again after a restart, its message (said before its tool calls) already
   * shown: text the model sends before its calls is held back (src/engine/brain-stream.ts).
   */
  saidBefore?: boolean;
  /** Text held back (see saidBefore), said only if the model now answers without tool calls. */
  heldText?: string;
  heldAnnotations?: TextAnnotation[];
  /** Usage already given to the turn's earlier step (its message, said before tool calls). */
  spent?: TokenCounts;
  /** Scripted turns: every delta, sent up to `cursor`. Streamed turns: the deltas sent so far. */
  deltas: PlannedDelta[];
  cursor: number;
  paceMs: number;
}

/** The whole text of the plan's message, all deltas joined (what its citations index into). */
export function planText(plan: TurnPlan): string {
  return plan.deltas
    .filter((d) => d.event === 'thread.message.delta')
    .map((d) => (d.delta as MessageDelta).content[0].text.value)
    .join('');
}

/**
 * The stored content of a text turn whose deltas before `end` have been sent: their text, and the
 * annotations they carried (textDeltas sends each one with the fragment that reaches its end_index).
 * Nothing sent yet: no content block, as at thread.message.created.
 */
export function sentContent(plan: TurnPlan, end: number): unknown[] {
  const sent = plan.deltas.slice(0, end).filter((d) => d.event === 'thread.message.delta');
  if (sent.length === 0) return [];
  const value = sent.map((d) => (d.delta as MessageDelta).content[0].text.value).join('');
  const annotations = (plan.annotations ?? []).filter((a) => a.end_index <= value.length);
  return [{ type: 'text', text: { value, annotations } }];
}
