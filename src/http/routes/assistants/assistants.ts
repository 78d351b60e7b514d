/**
 * /assistants: create, list, retrieve, modify, delete.
 */
import { serializeAssistant } from '../../../domain/assistants/serializers.js';
import type { AppContext } from '../../../context.js';
import { AssistantParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import type { ApiVersion } from '../../../domain/api-version.js';
import { assertResponseFormatAccepted } from '../../../brains/strict-schema.js';
import { notFound } from '../../../domain/errors.js';
import { DeletedObject, ListQuery } from '../../../domain/schemas.js';
import {
  assistantFileIds,
  deleteAssistant,
  findAssistant,
  insertAssistant,
  listAssistants,
  setAssistantFiles,
  updateAssistant,
  type NewAssistant,
} from '../../../store/assistants.js';
import { listEnvelope } from '../../../store/pagination.js';
import type { AssistantRow } from '../../../store/schema.js';
import { newId } from '../../../util/ids.js';
import { docs } from '../common.js';
import { checkId } from '../../../domain/ids.js';
import { normalizeToolResources, requireOwnFiles } from '../../../domain/tool-resources.js';
import { normalizeTools } from '../../../domain/tools.js';
import { CreateAssistantBody, ModifyAssistantBody } from '../../../domain/assistants/schemas.js';

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

export async function assistantsRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post('/assistants', { schema: { ...docs('Assistants', 'Create an assistant'), body: CreateAssistantBody } }, async (request) => {
    const { body } = request;
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
    const page = listAssistants(ctx.db, tenant, request.query);
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
      const { assistant_id } = request.params;
      const row = requireAssistant(ctx, tenant, assistant_id);
      return serializeAssistant(row, apiVersion, fileIdsFor(ctx, row, apiVersion));
    },
  );

  app.post(
    '/assistants/:assistant_id',
    { schema: { ...docs('Assistants', 'Modify an assistant'), params: AssistantParams, body: ModifyAssistantBody } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { assistant_id } = request.params;
      const { body } = request;
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
      const { assistant_id } = request.params;
      requireAssistant(ctx, tenant, assistant_id);
      deleteAssistant(ctx.db, tenant, assistant_id);
      return { id: assistant_id, object: 'assistant.deleted', deleted: true };
    },
  );
}
