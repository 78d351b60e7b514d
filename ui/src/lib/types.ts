/** The API objects the page reads: only the fields it uses (the OpenAPI spec has the full shapes). */
export interface FunctionDef {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}

export type Tool = { type: 'function'; function: FunctionDef } | { type: 'file_search' } | { type: 'code_interpreter' };

export type ResponseFormat =
  | 'auto'
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null } };

export interface Assistant {
  id: string;
  name: string | null;
  instructions: string | null;
  model: string;
  tools: Tool[];
  response_format: ResponseFormat | null;
  tool_resources?: { file_search?: { vector_store_ids?: string[] } } | null;
  created_at: number;
}

export interface Thread {
  id: string;
  created_at: number;
  metadata: Record<string, string>;
}

export interface Annotation {
  type: 'file_citation' | 'file_path';
  text: string;
  start_index: number;
  end_index: number;
  file_citation?: { file_id: string; quote?: string };
  file_path?: { file_id: string };
}

export type ContentPart =
  | { type: 'text'; text: { value: string; annotations: Annotation[] } }
  | { type: 'image_file'; image_file: { file_id: string } }
  | { type: 'image_url'; image_url: { url: string } };

export interface Message {
  id: string;
  role: 'user' | 'assistant';
  content: ContentPart[];
  created_at: number;
  run_id: string | null;
  assistant_id: string | null;
  status?: string;
  attachments?: { file_id: string }[] | null;
}

export interface ToolCall {
  id: string;
  type: 'function' | 'file_search' | 'code_interpreter';
  function?: { name: string; arguments: string; output?: string | null };
  file_search?: { results?: { file_id: string; file_name: string; score: number; content?: { type: string; text: string }[] }[] };
}

export interface Run {
  id: string;
  thread_id: string;
  assistant_id: string;
  status: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  cancelled_at: number | null;
  expired_at: number | null;
  required_action: { type: 'submit_tool_outputs'; submit_tool_outputs: { tool_calls: ToolCall[] } } | null;
  last_error: { code: string; message: string } | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  model: string;
  metadata: Record<string, string>;
}

export interface Step {
  id: string;
  run_id: string;
  type: 'message_creation' | 'tool_calls';
  status: string;
  created_at: number;
  completed_at: number | null;
  step_details: { type: 'message_creation'; message_creation: { message_id: string } } | { type: 'tool_calls'; tool_calls: ToolCall[] };
  usage: Run['usage'];
  last_error: Run['last_error'];
}

/** Who answered a turn of a run (docs/control-api.md, Runs). */
export interface AnsweredBy {
  kind: 'scenario' | 'default' | 'request';
  scenario: string | null;
}

/** GET /__admin/runs/{id}: the run, its status history (unix seconds of the tenant's clock) and who answered each turn. */
export interface RunInspection {
  object: 'mock.run';
  run: Run;
  history: { status: string; at: number }[];
  turns: { index: number; step_id: string | null; answered_by: AnsweredBy }[];
}

/** What the journal keeps of a streamed answer instead of its events (docs/control-api.md, Request journal). */
export interface StreamSummary {
  object: 'mock.stream_summary';
  events: number;
  sequence: { event: string; count: number }[];
  sequence_truncated: boolean;
}

export interface FileObject {
  id: string;
  filename: string;
  bytes: number;
  purpose: string;
}
