/**
 * v1 only: /assistants/{assistant_id}/files — attach, list, retrieve, detach (Azure spec operations
 * CreateAssistantFile, ListAssistantFiles, GetAssistantFile, DeleteAssistantFile). The same rows back
 * the v1 `file_ids` of the assistant object. A v2 caller gets 400 `invalid_beta`.
 */
import { AssistantFileObject, serializeAssistantFile } from '../../../domain/assistants/serializers.js';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { AssistantFileParams, AssistantParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import { notFound, tooManyAssistantFiles, v1OnlyEndpoint } from '../../../domain/errors.js';
import { DeletedObject, ListOf, ListQuery } from '../../../domain/schemas.js';
import {
  attachAssistantFile,
  countAssistantFiles,
  detachAssistantFile,
  findAssistantFile,
  listAssistantFiles,
} from '../../../store/attached-files.js';
import { listEnvelope } from '../../../store/pagination.js';
import { requireAssistant } from './assistants.js';
import { docs } from '../common.js';
import { checkId } from '../../../domain/ids.js';
import { requireFile } from '../files.js';
import { CreateAssistantFileBody } from '../../../domain/assistants/schemas.js';

const TAG = 'Assistant files (v1)';
/** The v1 limit of files per assistant (Azure spec: "maximum of 20 files"). */
export const MAX_ASSISTANT_FILES = 20;

/** Route-level hook: only the v1 surface has these endpoints. */
export async function requireV1(request: FastifyRequest): Promise<void> {
  if (request.call.apiVersion !== 'v1') throw v1OnlyEndpoint();
}

export async function assistantFilesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/assistants/:assistant_id/files',
    {
      preValidation: requireV1,
      schema: {
        ...docs(TAG, 'Attach a file to an assistant (v1)'),
        params: AssistantParams,
        body: CreateAssistantFileBody,
        response: { 200: AssistantFileObject },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { assistant_id } = request.params;
      const { file_id } = request.body;
      const row = ctx.db.transaction(() => {
        const assistant = requireAssistant(ctx, tenant, assistant_id);
        const file = requireFile(ctx, tenant, file_id);
        const existing = findAssistantFile(ctx.db, assistant.id, file.id);
        if (existing) return existing;
        if (countAssistantFiles(ctx.db, assistant.id) >= MAX_ASSISTANT_FILES) throw tooManyAssistantFiles(MAX_ASSISTANT_FILES);
        return attachAssistantFile(ctx.db, tenant, assistant.id, file.id, ctx.clocks.nowSeconds(tenant));
      });
      return serializeAssistantFile(row);
    },
  );

  app.get(
    '/assistants/:assistant_id/files',
    {
      preValidation: requireV1,
      schema: {
        ...docs(TAG, 'List the files of an assistant (v1)'),
        params: AssistantParams,
        querystring: ListQuery,
        response: { 200: ListOf(AssistantFileObject) },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { assistant_id } = request.params;
      const assistant = requireAssistant(ctx, tenant, assistant_id);
      const page = listAssistantFiles(ctx.db, assistant.id, request.query);
      return listEnvelope(page.rows.map(serializeAssistantFile), page.hasMore);
    },
  );

  app.get(
    '/assistants/:assistant_id/files/:file_id',
    {
      preValidation: requireV1,
      schema: {
        ...docs(TAG, 'Retrieve an assistant file (v1)'),
        params: AssistantFileParams,
        response: { 200: AssistantFileObject },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { assistant_id, file_id } = request.params;
      const assistant = requireAssistant(ctx, tenant, assistant_id);
      const row = findAssistantFile(ctx.db, assistant.id, checkId('file_id', file_id));
      if (!row) throw notFound('assistant file', file_id);
      return serializeAssistantFile(row);
    },
  );

  app.delete(
    '/assistants/:assistant_id/files/:file_id',
    {
      preValidation: requireV1,
      schema: {
        ...docs(TAG, 'Detach a file from an assistant (v1)'),
        params: AssistantFileParams,
        response: { 200: DeletedObject('assistant.file.deleted') },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { assistant_id, file_id } = request.params;
      const assistant = requireAssistant(ctx, tenant, assistant_id);
      if (!detachAssistantFile(ctx.db, assistant.id, checkId('file_id', file_id))) throw notFound('assistant file', file_id);
      return { id: file_id, object: 'assistant.file.deleted' as const, deleted: true };
    },
  );
}
