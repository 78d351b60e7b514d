/**
 * /assistants: create, list, retrieve, modify, delete.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ApiVersion } from '../http/compat.js';
import { assertResponseFormatAccepted } from '../brains/strict-schema.js';
import { notFound } from '../http/errors.js';
import { DeletedObject, ListQuery, Metadata, Nullable, ReasoningEffort, ResponseFormat, Tool, ToolResources } from '../http/schemas.js';
import {
  assistantFileIds,
  deleteAssistant,
  findAssistant,
  insertAssistant,
  listAssistants,
  setAssistantFiles,
  updateAssistant,
  type NewAssistant,
} from '../store/assistants.js';
import { listEnvelope } from '../store/pagination.js';
import type { AssistantRow } from '../store/schema.js';
import { newId } from '../util/ids.js';
import { checkId, docs } from './common.js';
import { normalizeToolResources, requireOwnFiles } from './tool-resources.js';
import { normalizeTools, serializeTools } from './tools.js';

const AssistantFields = {
  // Any model name is accepted (tests use new names), but not an empty one: the real API refuses it.
  model: Type.String({ minLength: 1 }),
  name: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 512 }))),
  instructions: Type.Optional(Nullable(Type.String({ maxLength: 256000 }))),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
  tool_resources: Type.Optional(Nullable(ToolResources)),
  metadata: Type.Optional(Nullable(Metadata)),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  response_format: Type.Optional(Nullable(ResponseFormat)),
  reasoning_effort: Type.Optional(ReasoningEffort),
  /** v1 only. */
  file_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
};

export const CreateAssistantBody = Type.Object(AssistantFields, { additionalProperties: false });
export const ModifyAssistantBody = Type.Object(
  { ...AssistantFields, model: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
type CreateAssistantBody = Static<typeof CreateAssistantBody>;
type ModifyAssistantBody = Static<typeof ModifyAssistantBody>;

const AssistantParams = Type.Object({ assistant_id: Type.String() });

export function serializeAssistant(row: AssistantRow, version: ApiVersion, fileIds: string[] = []) {
  const common = {
    id: row.id,
    object: 'assistant' as const,
    created_at: row.createdAt,
    name: row.name,
    description: row.description,
    model: row.model,
    instructions: row.instructions,
    tools: serializeTools(row.tools, version),
  };
  // Object.assign, not a spread: see serializeRun (src/serializers/run.ts).
  if (version === 'v1') return Object.assign(common, { file_ids: fileIds, metadata: row.metadata });
  return Object.assign(common, {
    tool_resources: row.toolResources ?? {},
    metadata: row.metadata,
    top_p: row.topP,
    temperature: row.temperature,
    // reasoning_effort is accepted and stored, but not shown: the spec's assistant object (and every SDK's) has no such field.
    response_format: row.responseFormat ?? 'auto',
  });
}

/** v1 shows `file_ids`; v2 has no use for them, so the query is skipped. */
function fileIdsFor(ctx: AppContext, row: AssistantRow, version: ApiVersion): string[] {
  return version === 'v1' ? assistantFileIds(ctx.db, row.id) : [];
}

/** Loads an assistant of the caller's tenant or throws the real 404. */
export function requireAssistant(ctx: AppContext, tenant: string, id: string, param = 'assistant_id'): AssistantRow {
  const row = findAssistant(ctx.db, tenant, checkId('assistant_id', id));
  if (!row) throw notFound('assistant', id, param === 'assistant_id' ? null : param);
  return row;
}

export async function assistantsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/assistants', { schema: { ...docs('Assistants', 'Create an assistant'), body: CreateAssistantBody } }, async (request) => {
    const body = request.body as CreateAssistantBody;
    const { tenant, apiVersion } = request.call;
    assertResponseFormatAccepted(body.response_format);
    const row: NewAssistant = {
      id: newId('assistant'),
      tenant,
      createdAt: ctx.clocks.nowSeconds(tenant),
      model: body.model,
      name: body.name ?? null,
      description: body.description ?? null,
      instructions: body.instructions ?? null,
      tools: normalizeTools(body.tools, apiVersion),
      toolResources: normalizeToolResources(body.tool_resources, tenant, ctx),
      metadata: body.metadata ?? {},
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      responseFormat: body.response_format ?? 'auto',
      reasoningEffort: body.reasoning_effort ?? null,
    };
    if (apiVersion === 'v1') requireOwnFiles(ctx.db, tenant, body.file_ids ?? [], 'file_ids');
    const created = ctx.db.transaction(() => {
      const inserted = insertAssistant(ctx.db, row);
      if (body.file_ids?.length) setAssistantFiles(ctx.db, tenant, inserted.id, body.file_ids, row.createdAt);
      return inserted;
    });
    return serializeAssistant(created, apiVersion, body.file_ids ?? []);
  });

  app.get('/assistants', { schema: { ...docs('Assistants', 'List assistants'), querystring: ListQuery } }, async (request) => {
    const { tenant, apiVersion } = request.call;
    const page = listAssistants(ctx.db, tenant, request.query as ListQuery);
    return listEnvelope(
      page.rows.map((row) => serializeAssistant(row, apiVersion, fileIdsFor(ctx, row, apiVersion))),
      page.hasMore,
    );
  });

  app.get(
    '/assistants/:assistant_id',
    { schema: { ...docs('Assistants', 'Retrieve an assistant'), params: AssistantParams } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { assistant_id } = request.params as { assistant_id: string };
      const row = requireAssistant(ctx, tenant, assistant_id);
      return serializeAssistant(row, apiVersion, fileIdsFor(ctx, row, apiVersion));
    },
  );

  app.post(
    '/assistants/:assistant_id',
    { schema: { ...docs('Assistants', 'Modify an assistant'), params: AssistantParams, body: ModifyAssistantBody } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { assistant_id } = request.params as { assistant_id: string };
      const body = request.body as ModifyAssistantBody;
      requireAssistant(ctx, tenant, assistant_id);
      assertResponseFormatAccepted(body.response_format);
      const changes: Partial<NewAssistant> = {};
      if (body.model !== undefined) changes.model = body.model;
      if (body.name !== undefined) changes.name = body.name;
      if (body.description !== undefined) changes.description = body.description;
      if (body.instructions !== undefined) changes.instructions = body.instructions;
      if (body.tools !== undefined) changes.tools = normalizeTools(body.tools, apiVersion);
      if (body.tool_resources !== undefined) {
        changes.toolResources = normalizeToolResources(body.tool_resources, tenant, ctx);
      }
      if (body.file_ids !== undefined) requireOwnFiles(ctx.db, tenant, body.file_ids, 'file_ids');
      if (body.metadata !== undefined) changes.metadata = body.metadata ?? {};
      if (body.temperature !== undefined) changes.temperature = body.temperature ?? 1;
      if (body.top_p !== undefined) changes.topP = body.top_p ?? 1;
      if (body.response_format !== undefined) changes.responseFormat = body.response_format ?? 'auto';
      if (body.reasoning_effort !== undefined) changes.reasoningEffort = body.reasoning_effort;
      const updated = ctx.db.transaction(() => {
        const row = updateAssistant(ctx.db, tenant, assistant_id, changes)!;
        if (body.file_ids !== undefined) setAssistantFiles(ctx.db, tenant, row.id, body.file_ids, ctx.clocks.nowSeconds(tenant));
        return row;
      });
      return serializeAssistant(updated, apiVersion, fileIdsFor(ctx, updated, apiVersion));
    },
  );

  app.delete(
    '/assistants/:assistant_id',
    {
      schema: {
        ...docs('Assistants', 'Delete an assistant'),
        params: AssistantParams,
        response: { 200: DeletedObject('assistant.deleted') },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { assistant_id } = request.params as { assistant_id: string };
      requireAssistant(ctx, tenant, assistant_id);
      deleteAssistant(ctx.db, tenant, assistant_id);
      return { id: assistant_id, object: 'assistant.deleted', deleted: true };
    },
  );
}
