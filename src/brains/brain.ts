/**
 * The brain seam: what decides a turn of a run. The engine asks a chain of brains (./chain.ts) at the
 * start of every turn: scenarios, then a model backend when one is configured, then the request-driven
 * defaults. A brain never writes state; the engine carries out what it answers.
 *
 * A brain may be asynchronous and may stream its answer as it is produced (a remote model). The engine
 * aborts `signal` when the run stops mattering (cancel, expiry, its thread or tenant deleted, server
 * stop) and then treats whatever the brain does as "the run is already ending", never as a failure.
 */
import type { RunStepRow } from '../store/schema.js';
import type { AnsweredBy, TextAnnotation, TurnAction, TurnInput } from './types.js';

export type { AnsweredBy, TextAnnotation, TurnAction, TurnInput } from './types.js';

export interface BrainTurnInput extends TurnInput {
  /** This run's steps so far, oldest first (tool calls with their outputs, file_search results). */
  steps: RunStepRow[];
  /** Aborted when the run is cancelled, expires, loses its thread or tenant, or the server stops. */
  signal: AbortSignal;
}

export interface Brain {
  /** undefined: let the next brain in the chain decide. */
  answer(input: BrainTurnInput): BrainAnswer | undefined | Promise<BrainAnswer | undefined>;
}

export type BrainAnswer =
  /** The whole turn is known up front (scenarios, defaults): the engine paces its deltas itself. */
  | { type: 'action'; action: TurnAction; answeredBy: AnsweredBy }
  /** The turn is produced as it goes (a model): the engine forwards each event as it arrives. */
  | { type: 'stream'; answeredBy: AnsweredBy; events: AsyncIterable<BrainEvent> };

export type BrainEvent =
  | { type: 'text'; delta: string }
  /**
   * A function call, streamed: the first event of an index carries id and name; arguments come in
   * pieces. name 'file_search' with arguments {"query": "..."} means the server's own file_search tool.
   */
  | { type: 'tool_call'; index: number; id?: string; name?: string; arguments?: string }
  | { type: 'usage'; usage: { prompt_tokens: number; completion_tokens: number } }
  /** Annotations for the text so far (file_citation markers), sent before the stream ends. */
  | { type: 'annotations'; annotations: TextAnnotation[] };

/** The last_error codes a brain may fail a run with. */
export type BrainErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

/** Thrown by a brain (or its events iterator) to fail the run with this last_error. */
export class BrainError extends Error {
  constructor(
    readonly code: BrainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BrainError';
  }
}
