/**
 * The scenario file format as TypeScript types. schemas/scenario.schema.json is the authority (files
 * and POST /__admin/scenarios bodies are validated against it); these types describe what a value
 * that passed it looks like, so the rest of the code reads it without casts.
 */

/** A string matches exactly; an object applies every test it names. */
export type TextMatch = string | { equals?: string; contains?: string; regex?: string; ignore_case?: boolean };

export type MetadataMatch = Record<string, string>;

export interface ScenarioMatch {
  assistant?: { id?: TextMatch; name?: TextMatch; instructions?: TextMatch; model?: TextMatch; metadata?: MetadataMatch };
  run?: { instructions?: TextMatch; model?: TextMatch; metadata?: MetadataMatch };
  thread?: { metadata?: MetadataMatch };
  /** The text of the thread's last user message. */
  message?: TextMatch;
}

export interface AnnotationSpec {
  type: 'file_citation' | 'file_path';
  text: string;
  file_id: string;
  quote?: string;
  start_index?: number;
  end_index?: number;
}

export type CodeOutputSpec = { logs: string } | { image: { file_id: string } };

export type ToolCallSpec =
  | { function: string; arguments?: Record<string, unknown> | string }
  | { file_search: { query?: string } | null }
  | { code_interpreter: { input: string; outputs?: CodeOutputSpec[] } };

export type FailCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';
export type IncompleteReason = 'max_completion_tokens' | 'max_prompt_tokens';

interface TurnSpecCommon {
  delay_ms?: number;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  stream?: { chunk_tokens?: number; delay_ms?: number };
}

export type TurnSpec = TurnSpecCommon &
  (
    | { text: string; annotations?: AnnotationSpec[] }
    | { json: unknown }
    /** With `text`: the message said before the calls (a model reply with content and tool calls). */
    | { tool_calls: ToolCallSpec[]; text?: string; annotations?: AnnotationSpec[] }
    | { fail: { code?: FailCode; message?: string } }
    | { incomplete: { reason?: IncompleteReason; text?: string } }
  );

export interface ScenarioSpec {
  name: string;
  description?: string;
  match?: ScenarioMatch;
  turns: TurnSpec[];
}

export interface ScenarioFileSpec {
  $schema?: string;
  scenarios: ScenarioSpec[];
}

/** Where a rule came from: a file (with the line of its entry) or the control API. */
export type ScenarioSource = { kind: 'file'; file: string; line: number } | { kind: 'runtime' };
