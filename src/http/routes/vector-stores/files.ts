/**
 * /vector_stores/{vector_store_id}/files: attach a file (create), list, retrieve, update attributes,
 * read the parsed content, detach (delete). A vector store file's id is its file's id.
 */
import type { AppContext } from '../../../context.js';
import { VectorStoreFileParams, VectorStoreParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import { DeletedObject } from '../../../domain/schemas.js';
import { extractText } from '../../../retrieval/chunking.js';
import { cancelIndexing } from '../../../retrieval/ingest.js';
import { fileContent } from '../../../store/files.js';
import { listEnvelope } from '../../../store/pagination.js';
import { detachFile, listStoreFiles, updateStoreFile } from '../../../store/vector-store-files.js';
import { docs } from '../common.js';
import { checkId } from '../../../domain/ids.js';
import { attachFiles, normalizeChunking, requireStore, requireStoreFile } from '../../../domain/vector-stores/operations.js';
import {
  CreateVectorStoreFileBody,
  FileContentPage,
  ListVectorStoreFilesQuery,
  UpdateVectorStoreFileBody,
  VectorStoreFileObject,
  ok,
} from '../../../domain/vector-stores/schemas.js';
import { serializeVectorStoreFile } from '../../../domain/vector-stores/serializers.js';

const TAG = 'Vector store files';

export async function vectorStoreFilesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/vector_stores/:vector_store_id/files',
    {
      schema: {
        ...docs(TAG, 'Create a vector store file'),
        params: VectorStoreParams,
        body: CreateVectorStoreFileBody,
        response: ok(VectorStoreFileObject),
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      const { body } = request;
      requireStore(ctx, tenant, vector_store_id);
      const [row] = attachFiles(
        ctx,
        tenant,
        vector_store_id,
        [{ fileId: body.file_id, chunking: normalizeChunking(body.chunking_strategy), attributes: body.attributes ?? null }],
        null,
        'file_id',
      );
      return serializeVectorStoreFile(row);
    },
  );

  app.get(
    '/vector_stores/:vector_store_id/files',
    { schema: { ...docs(TAG, 'List vector store files'), params: VectorStoreParams, querystring: ListVectorStoreFilesQuery } },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      const { query } = request;
      requireStore(ctx, tenant, vector_store_id);
      const page = listStoreFiles(ctx.db, tenant, vector_store_id, { status: query.filter }, query);
      return listEnvelope(page.rows.map(serializeVectorStoreFile), page.hasMore);
    },
  );

  app.get(
    '/vector_stores/:vector_store_id/files/:file_id',
    { schema: { ...docs(TAG, 'Retrieve a vector store file'), params: VectorStoreFileParams, response: ok(VectorStoreFileObject) } },
    async (request, reply) => {
      const { tenant } = request.call;
      const { vector_store_id, file_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      const row = requireStoreFile(ctx, tenant, vector_store_id, file_id);
      // The SDK's poll helpers wait this long between retrievals (else 5 s).
      reply.header('openai-poll-after-ms', String(ctx.config.pollAfterMs));
      return serializeVectorStoreFile(row);
    },
  );

  app.post(
    '/vector_stores/:vector_store_id/files/:file_id',
    {
      schema: {
        ...docs(TAG, 'Update vector store file attributes'),
        params: VectorStoreFileParams,
        body: UpdateVectorStoreFileBody,
        response: ok(VectorStoreFileObject),
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id, file_id } = request.params;
      const { body } = request;
      requireStore(ctx, tenant, vector_store_id);
      requireStoreFile(ctx, tenant, vector_store_id, file_id);
      const row = updateStoreFile(
        ctx.db,
        { tenant, vectorStoreId: vector_store_id, fileId: file_id },
        { attributes: body.attributes ?? {} },
      )!;
      return serializeVectorStoreFile(row);
    },
  );

  app.get(
    '/vector_stores/:vector_store_id/files/:file_id/content',
    { schema: { ...docs(TAG, 'Retrieve vector store file content'), params: VectorStoreFileParams, response: ok(FileContentPage) } },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id, file_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      const row = requireStoreFile(ctx, tenant, vector_store_id, file_id);
      // The parsed text of an indexed file, in one page; nothing for a file not (yet) indexed.
      const data = row.status === 'completed' ? fileContent(ctx.db, tenant, file_id) : undefined;
      const text = data ? extractText(data) : undefined;
      return {
        object: 'vector_store.file_content.page' as const,
        data: text === undefined ? [] : [{ type: 'text' as const, text }],
        has_more: false,
        next_page: null,
      };
    },
  );

  app.delete(
    '/vector_stores/:vector_store_id/files/:file_id',
    {
      schema: {
        ...docs(TAG, 'Delete a vector store file'),
        params: VectorStoreFileParams,
        response: ok(DeletedObject('vector_store.file.deleted')),
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id, file_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      requireStoreFile(ctx, tenant, vector_store_id, checkId('file_id', file_id));
      detachFile(ctx.db, { tenant, vectorStoreId: vector_store_id, fileId: file_id });
      cancelIndexing(ctx, tenant, vector_store_id, [file_id]);
      return { id: file_id, object: 'vector_store.file.deleted', deleted: true };
    },
  );
}
