/**
 * One turn of a run as a Chat Completions request: the instructions (additional_instructions are
 * already part of them) as the system message, the thread's messages as the run sees them (the
 * engine applied truncation_strategy), this run's earlier tool calls and outputs, the run's function
 * tools (plus `file_search` when the run has it), and its sampling settings.
 */
import type { BrainTurnInput } from '../brain.js';
import type { ChatFunctionTool, ChatMessage, ChatRequest, ChatToolChoice } from './chat-types.js';
import { FILE_SEARCH_FUNCTION, FILE_SEARCH_TOOL, type Sources } from './file-search.js';
import { runHistory } from './run-history.js';
import { backendModel, type ModelMap } from './settings.js';
import { assistantText, threadMessages, type ReadFile } from './thread-messages.js';

type StoredTool = { type: 'function'; function: ChatFunctionTool['function'] } | { type: 'file_search' } | { type: 'code_interpreter' };
type StoredToolChoice = 'none' | 'auto' | 'required' | { type: string; function?: { name: string } } | null;

export interface BuiltRequest {
  body: ChatRequest;
  /** The sources the model may cite, by marker key. */
  sources: Sources;
}

export interface RequestContext {
  modelMap: ModelMap;
  readFile: ReadFile;
  /** Completion tokens this run has used in earlier turns (max_completion_tokens covers the whole run). */
  usedCompletionTokens: number;
}

export function buildChatRequest(input: BrainTurnInput, context: RequestContext): BuiltRequest {
  const { run } = input;
  const messages: ChatMessage[] = [];
  if (run.instructions) messages.push({ role: 'system', content: run.instructions });
  // The run's own messages go back in the order the run said them, between its tool calls (runHistory).
  const isOwn = (m: (typeof input.messages)[number]) => m.runId === run.id && m.role === 'assistant';
  const threadPart = input.messages.filter((m) => !isOwn(m));
  const ownMessages = new Map(input.messages.filter(isOwn).map((m) => [m.id, assistantText(m)]));
  messages.push(...threadMessages(threadPart, run.tenant, context.readFile));
  const sources: Sources = new Map();
  messages.push(
    ...runHistory(
      {
        steps: input.steps,
        toolOutputs: input.toolOutputs,
        searchQueries: input.searchQueries ?? {},
        fallbackQuery: input.lastUserMessage,
        offset: messages.length,
        ownMessages,
      },
      sources,
    ),
  );
  const body: ChatRequest = {
    model: backendModel(context.modelMap, run.model),
    messages,
    stream: true,
    stream_options: { include_usage: true },
    ...toolSettings(run.tools as StoredTool[], run.toolChoice as StoredToolChoice, run.parallelToolCalls),
    ...(responseFormat(run.responseFormat) ?? {}),
    ...(run.temperature !== null ? { temperature: run.temperature } : {}),
    ...(run.topP !== null ? { top_p: run.topP } : {}),
  };
  if (run.maxCompletionTokens !== null) {
    // `max_tokens` rather than `max_completion_tokens`: every compatible server reads the older name.
    body.max_tokens = Math.max(1, run.maxCompletionTokens - context.usedCompletionTokens);
  }
  return { body, sources };
}

/** True when the run forces code_interpreter, a tool a model backend cannot carry out. */
export function forcesCodeInterpreter(toolChoice: unknown): boolean {
  return typeof toolChoice === 'object' && toolChoice !== null && (toolChoice as { type?: string }).type === 'code_interpreter';
}

function toolSettings(tools: StoredTool[], choice: StoredToolChoice, parallel: boolean): Partial<ChatRequest> {
  const chatTools: ChatFunctionTool[] = [];
  for (const tool of tools) {
    if (tool.type === 'function') chatTools.push({ type: 'function', function: tool.function });
    else if (tool.type === 'file_search') chatTools.push(FILE_SEARCH_TOOL);
  }
  if (chatTools.length === 0) return {};
  const toolChoice = chatToolChoice(choice);
  return { tools: chatTools, ...(toolChoice ? { tool_choice: toolChoice } : {}), parallel_tool_calls: parallel };
}

function chatToolChoice(choice: StoredToolChoice): ChatToolChoice | undefined {
  if (choice === null || choice === 'auto') return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && choice.function) return { type: 'function', function: { name: choice.function.name } };
  if (choice.type === 'file_search') return { type: 'function', function: { name: FILE_SEARCH_FUNCTION } };
  return undefined;
}

/** `auto` and `text` are the backend's default: sent only for JSON answers. */
function responseFormat(format: unknown): { response_format: unknown } | undefined {
  if (typeof format !== 'object' || format === null) return undefined;
  const type = (format as { type?: string }).type;
  return type === 'json_object' || type === 'json_schema' ? { response_format: format } : undefined;
}
