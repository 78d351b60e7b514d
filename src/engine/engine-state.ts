/**
 * What the engine keeps on a run row between turns (the `engine_state` column): the include[] of the
 * request, the usage so far, the tool outputs submitted, the last search's results, the query of each
 * search, and the usage of a tool step waiting in requires_action.
 */
import type { SearchHit, ToolOutputRecord } from '../brains/types.js';
import type { RunRow, ThreadRow } from '../store/schema.js';
import type { TokenCounts } from './usage.js';

/** Runs may wait in requires_action (or run at all) this long before they expire (docs/reference-facts.md). */
export const RUN_LIFETIME_SECONDS = 600;

export interface EngineState {
  include: string[];
  usage: TokenCounts;
  toolOutputs: ToolOutputRecord[];
  searchResults?: SearchHit[];
  /**
   * The query each file_search call of the run ran with, by tool call id. The step shows
   * `file_search` without it (as the real API does), and a model must be sent its own query again
   * in later turns, after a restart too.
   */
  searchQueries?: Record<string, string>;
  /**
   * The usage of the tool_calls step waiting in requires_action. A step's `usage` is null while it is
   * in_progress (spec, RunStepCompletionUsage), so it is kept here until the step is closed.
   */
  stepUsage?: { stepId: string; usage: TokenCounts };
  /**
   * A turn whose message was said before its tool calls (text, then tool calls): its number, the
   * message, and the usage its step was given. Written with the message's completion, so a restart
   * before the calls are made re-plans the turn without saying the text again.
   */
  saidMessage?: SaidMessage;
}

export interface SaidMessage {
  turn: number;
  messageId: string;
  usage: TokenCounts;
}

export function stateOf(run: RunRow): EngineState {
  const state = (run.engineState ?? {}) as Partial<EngineState>;
  return {
    include: state.include ?? [],
    usage: state.usage ?? { prompt_tokens: 0, completion_tokens: 0 },
    toolOutputs: state.toolOutputs ?? [],
    searchResults: state.searchResults,
    searchQueries: state.searchQueries,
    stepUsage: state.stepUsage,
    saidMessage: state.saidMessage,
  };
}

/** The message this turn of the run has already said before its tool calls, if any. */
export function saidThisTurn(run: RunRow): SaidMessage | undefined {
  const said = stateOf(run).saidMessage;
  return said?.turn === run.turn ? said : undefined;
}

/** The run's search queries with those of this turn's file_search calls added. */
export function withSearchQueries(state: EngineState, calls: readonly { id: string; query?: string }[]): EngineState['searchQueries'] {
  const fresh = calls.filter((c) => c.query !== undefined).map((c) => [c.id, c.query!] as const);
  return fresh.length > 0 ? { ...state.searchQueries, ...Object.fromEntries(fresh) } : state.searchQueries;
}

/** The function calls a run in requires_action waits for. */
export function pendingCalls(run: RunRow): { id: string; function: { name: string; arguments: string } }[] {
  const action = run.requiredAction as {
    submit_tool_outputs?: { tool_calls: { id: string; function: { name: string; arguments: string } }[] };
  } | null;
  return action?.submit_tool_outputs?.tool_calls ?? [];
}

/** Vector stores a run may search: the thread's and the run's (or assistant's) file_search resources. */
export function vectorStoreIdsOf(run: RunRow, thread: ThreadRow): string[] {
  const ids = new Set<string>();
  const fromResources = (resources: unknown) => {
    const r = resources as { file_search?: { vector_store_ids?: string[] } } | null;
    for (const id of r?.file_search?.vector_store_ids ?? []) ids.add(id);
  };
  fromResources(run.toolResources);
  fromResources(thread.toolResources);
  return [...ids];
}
