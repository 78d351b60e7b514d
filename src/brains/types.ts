/**
 * What the "model" does in one turn of a run. The run engine asks a Behavior for a TurnAction at the
 * start of every turn and carries it out; the behavior never writes state itself.
 */
import type { AssistantRow, MessageRow, RunRow, ThreadRow } from '../store/schema.js';

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** Pace of streamed deltas for a text or tool-call turn. */
export interface StreamPace {
  /** Tokens per delta (text) or characters per argument fragment are derived from this. */
  chunk_tokens?: number;
  /** Pause between deltas, in milliseconds. */
  delay_ms?: number;
}

export interface TextAnnotation {
  type: 'file_citation' | 'file_path';
  text: string;
  start_index: number;
  end_index: number;
  file_citation?: { file_id: string; quote?: string };
  file_path?: { file_id: string };
}

export type ScriptedToolCall =
  | { type: 'function'; name: string; arguments: string }
  | {
      type: 'file_search';
      /** Results are computed by the engine (real retrieval) unless scripted here. */
      query?: string;
    }
  | {
      type: 'code_interpreter';
      input: string;
      outputs: ({ type: 'logs'; logs: string } | { type: 'image'; image: { file_id: string } })[];
    };

interface TurnCommon {
  /** Wait this long (virtual ms) before the turn starts. */
  delay_ms?: number;
  usage?: Usage;
  stream?: StreamPace;
}

export type TurnAction =
  | (TurnCommon & {
      kind: 'text';
      text: string;
      annotations?: TextAnnotation[];
      /** 'json': a structured output (response_format json_schema / json_object), streamed in small fragments. */
      format?: 'json';
    })
  | (TurnCommon & {
      kind: 'tool_calls';
      calls: ScriptedToolCall[];
      /**
       * Said before the calls, as a model reply with both content and tool calls: a message (its
       * message_creation step completed) comes first, then the tool_calls step. Usage is the whole turn's.
       */
      text?: string;
      annotations?: TextAnnotation[];
    })
  | (TurnCommon & { kind: 'fail'; code: 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt'; message: string })
  | (TurnCommon & { kind: 'incomplete'; reason: 'max_completion_tokens' | 'max_prompt_tokens'; text?: string });

export interface ToolOutputRecord {
  tool_call_id: string;
  name: string | null;
  arguments: string | null;
  output: string;
}

/** One file_search result (src/retrieval/search.ts). */
export interface SearchHit {
  file_id: string;
  file_name: string;
  /** 0..1, higher is better. */
  score: number;
  content: string;
  chunk_index: number;
}

/** Everything a behavior may look at when deciding a turn. */
export interface TurnInput {
  run: RunRow;
  assistant: AssistantRow | undefined;
  thread: ThreadRow;
  /** The thread's messages, oldest first, as the model would see them. */
  messages: MessageRow[];
  /** Text of the last user message ('' if none). */
  lastUserMessage: string;
  /** Outputs submitted so far in this run, in submission order. */
  toolOutputs: ToolOutputRecord[];
  /** The turn's index: 0 for the first turn of the run, 1 after the first tool outputs, ... */
  turn: number;
  /** Results of this run's latest file_search call, if the previous turn searched. */
  searchResults?: SearchHit[];
  /** The query each of this run's file_search calls ran with, by tool call id. */
  searchQueries?: Readonly<Record<string, string>>;
  /** Vector stores the run may search (assistant's and thread's tool_resources). */
  vectorStoreIds: string[];
}

export interface Behavior {
  /** Returns the action for this turn, or undefined to let the next behavior decide. */
  decide(input: TurnInput): TurnAction | undefined;
}

/**
 * Who answered a turn (GET /__admin/runs/{id}, the journal, the event feed): a scenario rule (by
 * name), the request itself (tool_choice, tools, file_search results), the default reply, or a model
 * backend (src/brains/brain.ts) with the backend's model name.
 */
export type AnsweredBy =
  { kind: 'scenario' | 'default' | 'request'; scenario: string | null } | { kind: 'backend'; scenario: null; model: string | null };

/** A turn's action together with who chose it. */
export interface TurnDecision {
  action: TurnAction;
  answeredBy: AnsweredBy;
}
