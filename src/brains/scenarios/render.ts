/**
 * From a scripted turn to the TurnAction the engine carries out: every template rendered with the
 * run's view, function arguments serialized to the JSON string the API carries, annotation markers
 * located in the rendered text.
 */
import Mustache from 'mustache';
import type { MessageRow } from '../../store/schema.js';
import type { ScriptedToolCall, TextAnnotation, ToolOutputRecord, TurnAction, TurnInput } from '../types.js';
import type { AnnotationSpec, FailCode, ToolCallSpec, TurnSpec } from './format.js';

/** What a template can refer to: `{{message}}`, `{{tool_outputs.0.output}}`, `{{assistant.name}}`, ... */
export interface TemplateView {
  message: string;
  messages: { role: string; text: string }[];
  tool_outputs: ToolOutputRecord[];
  search_results: { file_id: string; file_name: string; score: number; content: string }[];
  assistant: { id: string; name: string | null; instructions: string | null; model: string; metadata: Record<string, string> } | null;
  run: { id: string; model: string; instructions: string; metadata: Record<string, string> };
  thread: { id: string; metadata: Record<string, string> };
  /** 0 for the first turn of the run, 1 after the first tool outputs, ... */
  turn: number;
}

/** Default `last_error.message` per code, in the real service's words. */
export const FAIL_MESSAGES: Record<FailCode, string> = {
  server_error: 'Sorry, something went wrong.',
  rate_limit_exceeded:
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  invalid_prompt: 'Your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.',
};

export function buildView(input: TurnInput): TemplateView {
  const { run, assistant, thread } = input;
  return {
    message: input.lastUserMessage,
    messages: input.messages.map((m) => ({ role: m.role, text: messageText(m) })),
    tool_outputs: input.toolOutputs,
    search_results: (input.searchResults ?? []).map((h) => ({
      file_id: h.file_id,
      file_name: h.file_name,
      score: h.score,
      content: h.content,
    })),
    assistant: assistant
      ? {
          id: assistant.id,
          name: assistant.name,
          instructions: assistant.instructions,
          model: assistant.model,
          metadata: assistant.metadata,
        }
      : null,
    run: { id: run.id, model: run.model, instructions: run.instructions, metadata: run.metadata },
    thread: { id: thread.id, metadata: thread.metadata },
    turn: input.turn,
  };
}

/** The text parts of a message, joined by newlines (images and files have no text). */
export function messageText(message: Pick<MessageRow, 'content'>): string {
  const parts: string[] = [];
  for (const part of message.content) {
    const text = (part as { type?: unknown; text?: { value?: unknown } }).text;
    if ((part as { type?: unknown }).type === 'text' && typeof text?.value === 'string') parts.push(text.value);
  }
  return parts.join('\n');
}

/**
 * Renders a logic-less template without HTML escaping (the reply is text, not HTML). A value that is
 * an object or a list renders as JSON, so `{{tool_outputs}}` or `{{run.metadata}}` show something useful.
 */
export function renderTemplate(template: string, view: TemplateView): string {
  return Mustache.render(template, view, {}, { escape: rawValue });
}

function rawValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function turnToAction(turn: TurnSpec, view: TemplateView): TurnAction {
  const common = {
    ...(turn.delay_ms !== undefined ? { delay_ms: turn.delay_ms } : {}),
    ...(turn.usage ? { usage: { ...turn.usage } } : {}),
    ...(turn.stream ? { stream: { ...turn.stream } } : {}),
  };
  if ('tool_calls' in turn) {
    const calls = turn.tool_calls.map((call) => toolCall(call, view));
    if (turn.text === undefined) return { ...common, kind: 'tool_calls', calls };
    return { ...common, kind: 'tool_calls', calls, ...renderText(turn.text, turn.annotations, view) };
  }
  if ('text' in turn) return { ...common, kind: 'text', ...renderText(turn.text, turn.annotations, view) };
  if ('json' in turn) return { ...common, kind: 'text', format: 'json', text: JSON.stringify(renderStrings(turn.json, view)) };
  if ('fail' in turn) {
    const code = turn.fail.code ?? 'server_error';
    const message = turn.fail.message !== undefined ? renderTemplate(turn.fail.message, view) : FAIL_MESSAGES[code];
    return { ...common, kind: 'fail', code, message };
  }
  const reason = turn.incomplete.reason ?? 'max_completion_tokens';
  const text = turn.incomplete.text !== undefined ? renderTemplate(turn.incomplete.text, view) : undefined;
  return { ...common, kind: 'incomplete', reason, ...(text !== undefined ? { text } : {}) };
}

function renderText(
  template: string,
  specs: AnnotationSpec[] | undefined,
  view: TemplateView,
): { text: string; annotations?: TextAnnotation[] } {
  const rendered = renderTemplate(template, view);
  return specs?.length ? placeAnnotations(rendered, specs, view) : { text: rendered };
}

function toolCall(call: ToolCallSpec, view: TemplateView): ScriptedToolCall {
  if ('function' in call) {
    const args = call.arguments;
    const serialized = typeof args === 'string' ? renderTemplate(args, view) : JSON.stringify(renderStrings(args ?? {}, view));
    return { type: 'function', name: call.function, arguments: serialized };
  }
  if ('file_search' in call) {
    const query = call.file_search?.query;
    return query !== undefined ? { type: 'file_search', query: renderTemplate(query, view) } : { type: 'file_search' };
  }
  return {
    type: 'code_interpreter',
    input: renderTemplate(call.code_interpreter.input, view),
    outputs: (call.code_interpreter.outputs ?? []).map((output) =>
      'logs' in output
        ? { type: 'logs', logs: renderTemplate(output.logs, view) }
        : { type: 'image', image: { file_id: output.image.file_id } },
    ),
  };
}

/** Renders the string leaves of an arguments object; numbers, booleans and keys stay as written. */
function renderStrings(value: unknown, view: TemplateView): unknown {
  if (typeof value === 'string') return renderTemplate(value, view);
  if (Array.isArray(value)) return value.map((v) => renderStrings(v, view));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderStrings(v, view)]));
  }
  return value;
}

/**
 * Each annotation covers its marker's first occurrence after the previous annotation (explicit
 * indices win). A marker that is not in the text is appended, so the annotation is always valid.
 */
function placeAnnotations(rendered: string, specs: AnnotationSpec[], view: TemplateView): { text: string; annotations: TextAnnotation[] } {
  let text = rendered;
  let cursor = 0;
  const annotations = specs.map((spec): TextAnnotation => {
    const marker = renderTemplate(spec.text, view);
    const fileId = renderTemplate(spec.file_id, view);
    let start = spec.start_index;
    let end = spec.end_index;
    if (start === undefined || end === undefined) {
      let at = text.indexOf(marker, cursor);
      if (at < 0) {
        at = text.length;
        text += marker;
      }
      start = at;
      end = at + marker.length;
      cursor = end;
    }
    const base = { type: spec.type, text: marker, start_index: start, end_index: end };
    return spec.type === 'file_citation'
      ? { ...base, file_citation: { file_id: fileId, ...(spec.quote !== undefined ? { quote: renderTemplate(spec.quote, view) } : {}) } }
      : { ...base, file_path: { file_id: fileId } };
  });
  return { text, annotations };
}
