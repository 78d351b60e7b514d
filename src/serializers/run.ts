/**
 * The Run and RunStep objects as v2 and v1 show them. One stored row, two faces.
 */
import type { ApiVersion } from '../http/compat.js';
import { serializeTools } from '../resources/tools.js';
import type { RunRow, RunStepRow } from '../store/schema.js';

export function serializeRun(row: RunRow, version: ApiVersion = 'v2') {
  const common = {
    id: row.id,
    object: 'thread.run' as const,
    created_at: row.createdAt,
    assistant_id: row.assistantId,
    thread_id: row.threadId,
    status: row.status,
    started_at: row.startedAt,
    expires_at: row.expiresAt,
    cancelled_at: row.cancelledAt,
    failed_at: row.failedAt,
    completed_at: row.completedAt,
    required_action: row.requiredAction ?? null,
    last_error: row.lastError ?? null,
    model: row.model,
    instructions: row.instructions,
    tools: serializeTools(row.tools, version),
  };
  if (version === 'v1') {
    return { ...common, file_ids: [] as string[], metadata: row.metadata, usage: row.usage ?? null };
  }
  return {
    ...common,
    tool_resources: row.toolResources ?? {},
    metadata: row.metadata,
    temperature: row.temperature,
    top_p: row.topP,
    max_completion_tokens: row.maxCompletionTokens,
    max_prompt_tokens: row.maxPromptTokens,
    truncation_strategy: row.truncationStrategy ?? { type: 'auto', last_messages: null },
    incomplete_details: row.incompleteDetails ?? null,
    usage: row.usage ?? null,
    response_format: row.responseFormat ?? 'auto',
    tool_choice: row.toolChoice ?? 'auto',
    parallel_tool_calls: row.parallelToolCalls,
  };
}

/** `include[]` value that adds the chunk text to file_search results. */
export const INCLUDE_FILE_SEARCH_CONTENT = 'step_details.tool_calls[*].file_search.results[*].content';

interface StoredToolCall {
  id: string;
  type: string;
  file_search?: { ranking_options?: unknown; results?: { content?: unknown }[] };
  [key: string]: unknown;
}

export function serializeStep(row: RunStepRow, version: ApiVersion = 'v2', include: readonly string[] = []) {
  return {
    id: row.id,
    object: 'thread.run.step' as const,
    created_at: row.createdAt,
    run_id: row.runId,
    assistant_id: row.assistantId,
    thread_id: row.threadId,
    type: row.type,
    status: row.status,
    cancelled_at: row.cancelledAt,
    completed_at: row.completedAt,
    expired_at: row.expiredAt,
    failed_at: row.failedAt,
    last_error: row.lastError ?? null,
    step_details: serializeStepDetails(row.stepDetails, version, include),
    usage: row.usage ?? null,
    metadata: row.metadata ?? {},
  };
}

export function serializeStepDetails(details: unknown, version: ApiVersion, include: readonly string[]): unknown {
  const d = details as { type: string; tool_calls?: StoredToolCall[] };
  if (d.type !== 'tool_calls' || !d.tool_calls) return details;
  const withContent = include.includes(INCLUDE_FILE_SEARCH_CONTENT);
  return {
    type: 'tool_calls',
    tool_calls: d.tool_calls.map((call) => {
      if (call.type !== 'file_search') return call;
      if (version === 'v1') return { id: call.id, type: 'retrieval', retrieval: {} };
      const results = (call.file_search?.results ?? []).map((r) => {
        if (withContent) return r;
        const { content: _content, ...rest } = r;
        return rest;
      });
      return { ...call, file_search: { ...call.file_search, results } };
    }),
  };
}
