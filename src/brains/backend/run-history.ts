/**
 * This run's earlier turns as the model saw and answered them, in the order they happened: a message
 * the run wrote becomes an assistant message with its text; each tool_calls step becomes an assistant
 * message with `tool_calls` followed by one `tool` message per call (the submitted output, or the
 * file_search results as numbered sources). A message said just before a turn's tool calls (a reply
 * with both content and tool calls) goes back as one assistant message holding both, the shape the
 * model produced it in. code_interpreter calls (answered by a scenario or the defaults, never by a
 * model) are left out: the model has no such tool.
 */
import type { RunStepRow } from '../../store/schema.js';
import type { ToolOutputRecord } from '../types.js';
import type { ChatMessage, ChatToolCall } from './chat-types.js';
import { FILE_SEARCH_FUNCTION, searchResultsMessage, type Sources, type StoredSearchResult } from './file-search.js';

type StoredCall =
  | { id: string; type: 'function'; function: { name: string; arguments: string; output?: string | null } }
  | { id: string; type: 'file_search'; file_search?: { results?: StoredSearchResult[] } }
  | { id: string; type: 'code_interpreter' };

export interface RunHistoryInput {
  steps: RunStepRow[];
  toolOutputs: ToolOutputRecord[];
  /** The query each file_search call ran with, by tool call id (the engine keeps them: the step does not show them). */
  searchQueries: Readonly<Record<string, string>>;
  /** Used for a search whose query is not known (a run stored before the engine kept them). */
  fallbackQuery: string;
  /** Messages that come before the history in the request: source markers number from here. */
  offset: number;
  /** The text of each message this run wrote, by message id (a message the truncation left out is absent). */
  ownMessages: ReadonlyMap<string, string>;
}

export function runHistory(input: RunHistoryInput, sources: Sources): ChatMessage[] {
  const out: ChatMessage[] = [];
  const outputs = new Map(input.toolOutputs.map((o) => [o.tool_call_id, o.output]));
  const toolSteps = input.steps.filter((s) => s.type === 'tool_calls');
  const lastSearchStep = toolSteps.findLastIndex((s) => callsOf(s).some((c) => c.type === 'file_search'));
  // The text of the message said last, until we know whether tool calls follow it in the same turn.
  let said: string | undefined;
  const flushSaid = () => {
    if (said !== undefined) out.push({ role: 'assistant', content: said });
    said = undefined;
  };
  for (const step of input.steps) {
    if (step.type === 'message_creation') {
      flushSaid();
      said = input.ownMessages.get(messageIdOf(step) ?? '');
      continue;
    }
    if (step.type !== 'tool_calls') continue;
    const stepIndex = toolSteps.indexOf(step);
    const calls = callsOf(step).filter((c) => c.type !== 'code_interpreter');
    if (calls.length === 0) {
      flushSaid();
      continue;
    }
    const queries: string[] = [];
    const toolCalls = calls.map((call): ChatToolCall => {
      if (call.type === 'function')
        return { id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } };
      const query = input.searchQueries[call.id] ?? input.fallbackQuery;
      queries.push(query);
      return { id: call.id, type: 'function', function: { name: FILE_SEARCH_FUNCTION, arguments: JSON.stringify({ query }) } };
    });
    // A message right before a tool_calls step was said in the same turn: a text turn without calls
    // ends the run, so only a reply with both content and tool calls puts one there.
    out.push({ role: 'assistant', content: said ?? null, tool_calls: toolCalls });
    said = undefined;
    let q = 0;
    let latestBase = 0;
    for (const call of calls) {
      if (call.type === 'function') {
        out.push({ role: 'tool', tool_call_id: call.id, content: outputs.get(call.id) ?? call.function.output ?? '' });
      } else if (call.type === 'file_search') {
        const index = input.offset + out.length;
        const results = call.file_search?.results ?? [];
        const content = searchResultsMessage(queries[q++], results, index, sources, stepIndex === lastSearchStep ? latestBase : undefined);
        latestBase += results.length;
        out.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
  }
  flushSaid();
  return out;
}

function messageIdOf(step: RunStepRow): string | undefined {
  return (step.stepDetails as { message_creation?: { message_id?: string } }).message_creation?.message_id;
}

function callsOf(step: RunStepRow): StoredCall[] {
  return ((step.stepDetails as { tool_calls?: StoredCall[] }).tool_calls ?? []).filter((c) => c && typeof c === 'object');
}
