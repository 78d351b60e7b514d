/**
 * The Run and RunStep objects as v2 and v1 show them. One stored row, two faces.
 */
import type { ApiVersion } from '../api-version.js';
import { serializeTools } from '../tools.js';
import { assistantFileIds } from '../../store/assistants.js';
import type { Db } from '../../store/database.js';
import type { RunRow, RunStepRow } from '../../store/schema.js';

/** `fileIds`: v1 only, the files of the run's assistant (v1 runs show them as `file_ids`). */
// Object.assign rather than `{ ...common, ... }`: on Node 20 an object spread costs about 0.5 to 6 µs
// (measured), which every run event and every page of a list pays.
export function serializeRun(row: RunRow, version: ApiVersion = 'v2', fileIds: string[] = []) {
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
    return Object.assign(common, { file_ids: fileIds, metadata: row.metadata, usage: row.usage ?? null });
  }
  // No tool_resources: the run object of the spec (and of every SDK) has none; the run keeps its own for file_search.
  return Object.assign(common, {
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
  });
}

/** A run as the caller's version shows it; v1 adds the assistant's files as `file_ids`. */
export function serializeRunFor(db: Db, row: RunRow, version: ApiVersion) {
  return serializeRun(row, version, version === 'v1' ? assistantFileIds(db, row.assistantId) : []);
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
    last_error: stepLastError(row.lastError),
    step_details: serializeStepDetails(row.stepDetails, version, include),
    usage: row.usage ?? null,
    metadata: row.metadata ?? {},
  };
}

/** Codes a step's last_error may carry (spec RunStepObject, Azure RunStepErrorCode, SDK enums). */
const STEP_ERROR_CODES = ['server_error', 'rate_limit_exceeded'];

/** A step copies its run's error; a run-only code (`invalid_prompt`) shows as `server_error` on the step. */
function stepLastError(error: unknown) {
  if (!error) return null;
  const e = error as { code: string; message: string };
  return STEP_ERROR_CODES.includes(e.code) ? e : { ...e, code: 'server_error' };
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
