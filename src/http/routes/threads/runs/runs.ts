/**
 * /threads/{thread_id}/runs and /threads/runs: create (optionally streamed), list, retrieve, modify,
 * cancel, submit_tool_outputs. Routes validate and resolve the request; the run engine writes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../../context.js';
import { RunParams, ThreadParams } from '../../../params.js';
import type { TypedApp } from '../../../typed-app.js';
import type { ApiVersion } from '../../../../domain/api-version.js';
import { assertResponseFormatAccepted } from '../../../../brains/strict-schema.js';
import { invalidValue, notFound } from '../../../../domain/errors.js';
import { ListQuery } from '../../../../domain/schemas.js';
import { INCLUDE_FILE_SEARCH_CONTENT, serializeRunFor } from '../../../../domain/runs/serializers.js';
import { listEnvelope } from '../../../../store/pagination.js';
import { findRun, listRuns, updateRun } from '../../../../store/runs.js';
import type { AssistantRow, RunRow, ThreadRow } from '../../../../store/schema.js';
import { streamRun } from '../../../../streaming/sse.js';
import { requireAssistant } from '../../assistants/assistants.js';
import { docs } from '../../common.js';
import { checkId } from '../../../../domain/ids.js';
import { insertInputMessages } from '../../../../domain/messages/input.js';
import { createThreadWithMessages, requireThread } from '../threads.js';
import { normalizeToolResources } from '../../../../domain/tool-resources.js';
import { normalizeToolChoice, normalizeTools } from '../../../../domain/tools.js';
import { searchAttachedFiles } from '../../../../domain/runs/attached-file-search.js';
import {
  CreateRunBody,
  CreateThreadAndRunBody,
  IncludeQuery,
  ModifyRunBody,
  SubmitToolOutputsBody,
} from '../../../../domain/runs/schemas.js';

/** `include[]=a&include[]=b` (or `include=a`): only the file_search content value exists. */
export function parseInclude(query: unknown): string[] {
  const q = (query ?? {}) as Record<string, unknown>;
  const raw = q['include[]'] ?? q.include;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  for (const value of values) {
    if (value !== INCLUDE_FILE_SEARCH_CONTENT) throw invalidValue('include[]', value, [INCLUDE_FILE_SEARCH_CONTENT]);
  }
  return values;
}

export function requireRun(ctx: AppContext, tenant: string, threadId: string, runId: string): RunRow {
  const row = findRun(ctx.db, tenant, threadId, checkId('run_id', runId));
  if (!row) throw notFound('run', runId);
  return row;
}

/** Tells the SDK pollers (createAndPoll & co.) to ask again soon instead of after 1-5 seconds. */
export function setPollAfter(ctx: AppContext, reply: FastifyReply): void {
  reply.header('openai-poll-after-ms', String(ctx.config.pollAfterMs));
}

/** The run's settings: the request's, else the assistant's, as the real API resolves them. */
function resolveRunRow(body: CreateRunBody | CreateThreadAndRunBody, assistant: AssistantRow, version: ApiVersion, toolResources: unknown) {
  assertResponseFormatAccepted(body.response_format);
  const base = body.instructions ?? assistant.instructions ?? '';
  const extra = 'additional_instructions' in body ? body.additional_instructions : undefined;
  return {
    assistantId: assistant.id,
    model: body.model ?? assistant.model,
    instructions: extra ? (base ? `${base}\n\n${extra}` : extra) : base,
    tools: body.tools ? normalizeTools(body.tools, version) : assistant.tools,
    toolResources: toolResources ?? assistant.toolResources ?? {},
    metadata: body.metadata ?? {},
    temperature: body.temperature ?? assistant.temperature ?? 1,
    topP: body.top_p ?? assistant.topP ?? 1,
    maxPromptTokens: body.max_prompt_tokens ?? null,
    maxCompletionTokens: body.max_completion_tokens ?? null,
    truncationStrategy: body.truncation_strategy ?? { type: 'auto', last_messages: null },
    responseFormat: body.response_format ?? assistant.responseFormat ?? 'auto',
    toolChoice: normalizeToolChoice(body.tool_choice, version),
    parallelToolCalls: body.parallel_tool_calls ?? true,
    reasoningEffort: body.reasoning_effort ?? null,
    startedAt: null,
    cancelledAt: null,
    failedAt: null,
    completedAt: null,
    incompleteAt: null,
    requiredAction: null,
    lastError: null,
    incompleteDetails: null,
    usage: null,
  };
}

/** Answers a create: the queued run as JSON, or (stream: true) the run's event stream. */
function respond(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  run: RunRow,
  stream: boolean,
  createdThread: ThreadRow | undefined,
): unknown {
  request.call.drivenRun = { runId: run.id, fromTurn: run.turn };
  if (stream) {
    streamRun(request, reply, ctx, run.id, () => ctx.engine.launch(run, createdThread));
    return reply;
  }
  ctx.engine.launch(run, createdThread);
  return serializeRunFor(ctx.db, run, request.call.apiVersion);
}

export async function runsRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/threads/:thread_id/runs',
    { schema: { ...docs('Runs', 'Create a run'), params: ThreadParams, querystring: IncludeQuery, body: CreateRunBody } },
    async (request, reply) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id } = request.params;
      const { body } = request;
      const include = parseInclude(request.query);
      const run = ctx.db.transaction(() => {
        const thread = requireThread(ctx, tenant, thread_id);
        const assistant = requireAssistant(ctx, tenant, body.assistant_id, 'assistant_id');
        const row = resolveRunRow(body, assistant, apiVersion, undefined);
        const run = ctx.engine.insertRun({ tenant, thread, row, include });
        if (body.additional_messages?.length) insertInputMessages(ctx, tenant, thread.id, body.additional_messages, apiVersion);
        searchAttachedFiles(ctx, tenant, thread.id, assistant.id, row.tools as { type: string }[]);
        return run;
      });
      return respond(ctx, request, reply, run, body.stream === true, undefined);
    },
  );

  app.post(
    '/threads/runs',
    { schema: { ...docs('Runs', 'Create a thread and run it'), body: CreateThreadAndRunBody } },
    async (request, reply) => {
      const { tenant, apiVersion } = request.call;
      const { body } = request;
      const { run, thread } = ctx.db.transaction(() => {
        const assistant = requireAssistant(ctx, tenant, body.assistant_id, 'assistant_id');
        const thread = createThreadWithMessages(ctx, tenant, body.thread ?? {}, apiVersion);
        const toolResources =
          body.tool_resources === undefined || body.tool_resources === null
            ? undefined
            : normalizeToolResources(body.tool_resources, tenant, ctx);
        const row = resolveRunRow(body, assistant, apiVersion, toolResources);
        const run = ctx.engine.insertRun({ tenant, thread, row, include: [] });
        searchAttachedFiles(ctx, tenant, thread.id, assistant.id, row.tools as { type: string }[]);
        // Read again: the search may have given the thread a vector store, and thread.created shows it.
        return { run, thread: requireThread(ctx, tenant, thread.id) };
      });
      return respond(ctx, request, reply, run, body.stream === true, thread);
    },
  );

  app.get(
    '/threads/:thread_id/runs',
    { schema: { ...docs('Runs', 'List runs'), params: ThreadParams, querystring: ListQuery } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      const page = listRuns(ctx.db, tenant, thread_id, request.query);
      return listEnvelope(
        page.rows.map((row) => serializeRunFor(ctx.db, row, apiVersion)),
        page.hasMore,
      );
    },
  );

  app.get(
    '/threads/:thread_id/runs/:run_id',
    { schema: { ...docs('Runs', 'Retrieve a run'), params: RunParams } },
    async (request, reply) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      setPollAfter(ctx, reply);
      return serializeRunFor(ctx.db, requireRun(ctx, tenant, thread_id, run_id), apiVersion);
    },
  );

  app.post(
    '/threads/:thread_id/runs/:run_id',
    { schema: { ...docs('Runs', 'Modify a run'), params: RunParams, body: ModifyRunBody } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id } = request.params;
      const { body } = request;
      requireThread(ctx, tenant, thread_id);
      const run = requireRun(ctx, tenant, thread_id, run_id);
      // Metadata is the caller's, not run state: the one write to a run outside the engine.
      const updated = body.metadata !== undefined ? updateRun(ctx.db, run.id, { metadata: body.metadata ?? {} }) : run;
      return serializeRunFor(ctx.db, updated, apiVersion);
    },
  );

  app.post(
    '/threads/:thread_id/runs/:run_id/cancel',
    { schema: { ...docs('Runs', 'Cancel a run'), params: RunParams } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      const run = requireRun(ctx, tenant, thread_id, run_id);
      return serializeRunFor(ctx.db, ctx.engine.cancel(tenant, run), apiVersion);
    },
  );

  app.post(
    '/threads/:thread_id/runs/:run_id/submit_tool_outputs',
    { schema: { ...docs('Runs', 'Submit tool outputs to a run'), params: RunParams, body: SubmitToolOutputsBody } },
    async (request, reply) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, run_id } = request.params;
      const { body } = request;
      requireThread(ctx, tenant, thread_id);
      const run = requireRun(ctx, tenant, thread_id, run_id);
      const outputs = body.tool_outputs.map((o) => ({ tool_call_id: o.tool_call_id ?? '', output: o.output ?? '' }));
      if (body.stream === true) {
        // Validate and commit first (errors answer as JSON), then stream what follows.
        const committed = ctx.engine.commitToolOutputs(tenant, run, outputs);
        request.call.drivenRun = { runId: run.id, fromTurn: committed.run.turn };
        streamRun(request, reply, ctx, run.id, () => ctx.engine.announceToolOutputs(committed));
        return reply;
      }
      const committed = ctx.engine.commitToolOutputs(tenant, run, outputs);
      request.call.drivenRun = { runId: run.id, fromTurn: committed.run.turn };
      ctx.engine.announceToolOutputs(committed);
      return serializeRunFor(ctx.db, committed.run, apiVersion);
    },
  );
}
