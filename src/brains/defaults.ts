/**
 * What the "model" does when no scenario decides (DESIGN.md, behavior engine, rules 2 and 3):
 * the request itself as the real API treats it (`tool_choice`, function names mentioned in the user's
 * message, file_search over the run's vector stores), else a deterministic text reply.
 */
import Mustache from 'mustache';
import { functionTools, type FunctionDefinition, type StoredTool } from '../domain/tools.js';
import { citeSearchResults } from './citations.js';
import { generateArguments } from './schema-arguments.js';
import { jsonFormatOf, structuredReply } from './structured-output.js';
import type { Behavior, ScriptedToolCall, TurnAction, TurnDecision, TurnInput } from './types.js';

/** The default reply. `{{message}}` is the last user message; `{{tool_outputs}}` the outputs, joined. */
export const DEFAULT_REPLY_TEMPLATE = 'This is a mock reply from assistants-mock. You said: "{{message}}"';
export const DEFAULT_TOOL_REPLY_TEMPLATE = 'Here is what the tools returned: {{tool_outputs}}';

const STOP_WORDS = new Set(
  'a an and are as at be by for from get has have in is it of on or set the to was were what when where which who will with list fetch find create update delete make do does you your my me i'.split(
    ' ',
  ),
);

type ToolChoice = 'auto' | 'none' | 'required' | { type: string; function?: { name: string } } | null;

export class DefaultBehavior implements Behavior {
  constructor(
    private readonly replyTemplate = DEFAULT_REPLY_TEMPLATE,
    private readonly toolReplyTemplate = DEFAULT_TOOL_REPLY_TEMPLATE,
  ) {}

  decide(input: TurnInput): TurnAction {
    return this.answer(input).action;
  }

  /** The action, and whether the request itself (rule 2) or the reply template (rule 3) gave it. */
  answer(input: TurnInput): TurnDecision {
    const fromRequest = this.fromRequest(input);
    if (fromRequest) return { action: fromRequest, answeredBy: { kind: 'request', scenario: null } };
    return { action: this.text(input), answeredBy: { kind: 'default', scenario: null } };
  }

  /** Rule 2: what the request itself asks for (tool_choice, tools, search results); undefined for none. */
  private fromRequest(input: TurnInput): TurnAction | undefined {
    const tools = input.run.tools as StoredTool[];
    const choice = (input.run.toolChoice ?? 'auto') as ToolChoice;
    const answered = input.turn > 0; // tools already ran in this run: now answer.
    // A JSON response_format shapes the answer after a search too (see text()); tools still come first.
    const json = jsonFormatOf(input.run.responseFormat) !== undefined;
    if (input.searchResults && answered && !json) return citeSearchResults(input.searchResults, input.lastUserMessage);
    if (choice === 'none' || answered) return undefined;

    if (typeof choice === 'object' && choice !== null) {
      if (choice.type === 'function' && choice.function) {
        const fn = functionTools(tools).find((f) => f.name === choice.function!.name);
        if (fn) return { kind: 'tool_calls', calls: [functionCall(fn)] };
      }
      if (choice.type === 'file_search') return { kind: 'tool_calls', calls: [{ type: 'file_search', query: input.lastUserMessage }] };
      if (choice.type === 'code_interpreter') return { kind: 'tool_calls', calls: [defaultCodeCall()] };
    }

    const functions = functionTools(tools);
    const mentioned = functions.filter((fn) => mentions(input.lastUserMessage, fn));
    if (mentioned.length > 0) {
      const chosen = input.run.parallelToolCalls ? mentioned : mentioned.slice(0, 1);
      return { kind: 'tool_calls', calls: chosen.map(functionCall) };
    }
    if (choice === 'required') {
      if (functions.length > 0) return { kind: 'tool_calls', calls: [functionCall(functions[0])] };
      if (tools.some((t) => t.type === 'file_search'))
        return { kind: 'tool_calls', calls: [{ type: 'file_search', query: input.lastUserMessage }] };
      if (tools.some((t) => t.type === 'code_interpreter')) return { kind: 'tool_calls', calls: [defaultCodeCall()] };
    }
    if (tools.some((t) => t.type === 'file_search') && input.vectorStoreIds.length > 0 && input.lastUserMessage.trim()) {
      return { kind: 'tool_calls', calls: [{ type: 'file_search', query: input.lastUserMessage }] };
    }
    return undefined;
  }

  /** The final message: the default reply, or the JSON document a json_schema / json_object run asks for. */
  private text(input: TurnInput): TurnAction {
    const jsonFormat = jsonFormatOf(input.run.responseFormat);
    if (jsonFormat) return structuredReply(input, jsonFormat);
    const outputs = input.toolOutputs.map((o) => o.output).join('; ');
    const template = input.turn > 0 && input.toolOutputs.length > 0 ? this.toolReplyTemplate : this.replyTemplate;
    const text = Mustache.render(template, { message: input.lastUserMessage, tool_outputs: outputs }, {}, { escape: (s: string) => s });
    return { kind: 'text', text };
  }
}

function functionCall(fn: FunctionDefinition): ScriptedToolCall {
  return { type: 'function', name: fn.name, arguments: JSON.stringify(generateArguments(fn.parameters)) };
}

function defaultCodeCall(): ScriptedToolCall {
  return {
    type: 'code_interpreter',
    input: 'print("Hello from assistants-mock")',
    outputs: [{ type: 'logs', logs: 'Hello from assistants-mock\n' }],
  };
}

/** True when the message names the function, or a significant word of its name or description. */
export function mentions(message: string, fn: FunctionDefinition): boolean {
  const text = message.toLowerCase();
  if (!text) return false;
  if (text.includes(fn.name.toLowerCase())) return true;
  const words = new Set(significantWords(fn.name.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2')));
  for (const word of significantWords(fn.description ?? '')) if (word.length >= 4) words.add(word);
  const messageWords = new Set(significantWords(text).flatMap((w) => [w, w.replace(/s$/, '')]));
  for (const word of words) if (messageWords.has(word) || messageWords.has(word.replace(/s$/, ''))) return true;
  return false;
}

function significantWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}
