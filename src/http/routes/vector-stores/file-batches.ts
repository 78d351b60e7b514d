/**
 * /vector_stores/{vector_store_id}/file_batches: create, retrieve, cancel, list files. A batch is a
 * label on the vector store files it attached; its counts and status are derived from them.
 */
import type { AppContext } from '../../../context.js';
import { FileBatchParams, VectorStoreParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import { batchFilesConflict, cannotCancelBatch, missingParameter } from '../../../domain/errors.js';
import { cancelIndexing } from '../../../retrieval/ingest.js';
import { listEnvelope } from '../../../store/pagination.js';
import type { VectorStoreFileBatchRow } from '../../../store/schema.js';
import { batchCounts, cancelBatchFiles, insertBatch, listStoreFiles, setBatchStatus } from '../../../store/vector-store-files.js';
import { newFileBatchId } from '../../../util/ids.js';
import { docs } from '../common.js';
import { attachFiles, normalizeChunking, requireBatch, requireStore, type AttachSpec } from '../../../domain/vector-stores/operations.js';
import {
  CreateFileBatchBody,
  FileBatchObject,
  ListVectorStoreFilesQuery,
  ok,
  type CreateFileBatchBody as CreateBody,
} from '../../../domain/vector-stores/schemas.js';
import { batchStatus, serializeBatch, serializeVectorStoreFile } from '../../../domain/vector-stores/serializers.js';

const TAG = 'Vector store file batches';

function batchView(ctx: AppContext, row: VectorStoreFileBatchRow) {
  return serializeBatch(row, batchCounts(ctx.db, [row.id]).get(row.id)!);
}

/** `file_ids` share the batch's chunking and attributes; `files` bring their own (spec: mutually exclusive). */
function attachSpecs(body: CreateBody): AttachSpec[] {
  if (body.file_ids && body.files) throw batchFilesConflict();
  if (body.files) {
    return body.files.map((f, i) => ({
      fileId: f.file_id,
      chunking: normalizeChunking(f.chunking_strategy, `files[${i}].chunking_strategy`),
      attributes: f.attributes ?? null,
    }));
  }
  if (!body.file_ids) throw missingParameter('file_ids');
  const chunking = normalizeChunking(body.chunking_strategy);
  return [...new Set(body.file_ids)].map((fileId) => ({ fileId, chunking, attributes: body.attributes ?? null }));
}

export async function fileBatchesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/vector_stores/:vector_store_id/file_batches',
    {
      schema: {
        ...docs(TAG, 'Create a vector store file batch'),
        params: VectorStoreParams,
        body: CreateFileBatchBody,
        response: ok(FileBatchObject),
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      const { body } = request;
      requireStore(ctx, tenant, vector_store_id);
      const specs = attachSpecs(body);
      const batch = ctx.db.transaction(() => {
        const row = insertBatch(ctx.db, {
          id: newFileBatchId(),
          tenant,
          vectorStoreId: vector_store_id,
          createdAt: ctx.clocks.nowSeconds(tenant),
          status: 'in_progress',
        });
        attachFiles(ctx, tenant, vector_store_id, specs, row.id, body.files ? 'files' : 'file_ids');
        return row;
      });
      return batchView(ctx, batch);
    },
  );

  app.get(
    '/vector_stores/:vector_store_id/file_batches/:batch_id',
    { schema: { ...docs(TAG, 'Retrieve a vector store file batch'), params: FileBatchParams, response: ok(FileBatchObject) } },
    async (request, reply) => {
      const { tenant } = request.call;
      const { vector_store_id, batch_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      const row = requireBatch(ctx, tenant, vector_store_id, batch_id);
      reply.header('openai-poll-after-ms', String(ctx.config.pollAfterMs));
      return batchView(ctx, row);
    },
  );

  app.post(
    '/vector_stores/:vector_store_id/file_batches/:batch_id/cancel',
    { schema: { ...docs(TAG, 'Cancel a vector store file batch'), params: FileBatchParams, response: ok(FileBatchObject) } },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id, batch_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      const row = requireBatch(ctx, tenant, vector_store_id, batch_id);
      const status = batchStatus(row, batchCounts(ctx.db, [row.id]).get(row.id)!);
      if (status !== 'in_progress') throw cannotCancelBatch(status);
      // Files already indexed stay; the rest stop where they are.
      const cancelled = ctx.db.transaction(() => {
        const ids = cancelBatchFiles(ctx.db, row.id);
        setBatchStatus(ctx.db, row.id, 'cancelled');
        return ids;
      });
      cancelIndexing(ctx, tenant, vector_store_id, cancelled);
      return batchView(ctx, requireBatch(ctx, tenant, vector_store_id, batch_id));
    },
  );

  app.get(
    '/vector_stores/:vector_store_id/file_batches/:batch_id/files',
    {
      schema: { ...docs(TAG, 'List vector store files in a batch'), params: FileBatchParams, querystring: ListVectorStoreFilesQuery },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id, batch_id } = request.params;
      const { query } = request;
      requireStore(ctx, tenant, vector_store_id);
      requireBatch(ctx, tenant, vector_store_id, batch_id);
      const page = listStoreFiles(ctx.db, tenant, vector_store_id, { status: query.filter, batchId: batch_id }, query);
      return listEnvelope(page.rows.map(serializeVectorStoreFile), page.hasMore);
    },
  );
}
