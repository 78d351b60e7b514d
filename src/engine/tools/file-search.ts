/**
 * The file_search tool, carried out by the server: finish indexing the run's vector stores, search
 * them (FTS5, src/retrieval/search.ts) with the call's query, and give the call its stored form.
 */
import type { AppServices } from '../../context.js';
import { indexPendingFiles } from '../../retrieval/ingest.js';
import { searchVectorStores } from '../../retrieval/search.js';
import { allMessages } from '../../store/messages.js';
import type { RunRow } from '../../store/schema.js';
import { findThread } from '../../store/threads.js';
import { vectorStoreIdsOf } from '../engine-state.js';
import { lastUserMessage } from '../prompt.js';
import type { StoredCall } from '../turn-plan.js';

interface FileSearchTool {
  type: string;
  file_search?: { max_num_results?: number; ranking_options?: { ranker?: string; score_threshold?: number } };
}

/** Searches the run's vector stores for `query` (the last user message when none is given). */
export function runFileSearch(ctx: AppServices, run: RunRow, id: string, query: string | undefined): StoredCall {
  const thread = findThread(ctx.db, run.tenant, run.threadId);
  const tool = (run.tools as FileSearchTool[]).find((t) => t.type === 'file_search');
  const rankingOptions = {
    ranker: tool?.file_search?.ranking_options?.ranker ?? 'default_2024_08_21',
    score_threshold: tool?.file_search?.ranking_options?.score_threshold ?? 0,
  };
  const text = query ?? lastUserMessage(allMessages(ctx.db, run.threadId));
  const ids = thread ? vectorStoreIdsOf(run, thread) : [];
  // As the real API, a run waits for its stores to be ready: finish any pending indexing now.
  if (ids.length > 0) indexPendingFiles(ctx, run.tenant, ids);
  const hits =
    ids.length > 0
      ? searchVectorStores(ctx.db, run.tenant, ids, text, {
          maxResults: tool?.file_search?.max_num_results ?? 20,
          scoreThreshold: rankingOptions.score_threshold,
        })
      : [];
  // The chunk text is stored; serializeStep shows it only when include[] asks for it.
  const results = hits.map((h) => ({
    file_id: h.file_id,
    file_name: h.file_name,
    score: h.score,
    content: [{ type: 'text', text: h.content }],
  }));
  const fileSearch = { ranking_options: rankingOptions, results };
  return {
    id,
    type: 'file_search',
    file_search: fileSearch,
    stored: { id, type: 'file_search', file_search: fileSearch },
    hits,
    query: text,
  };
}
