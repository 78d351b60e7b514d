/**
 * /vector_stores: create, list, retrieve, modify, delete, search. `vectorStoresRoutes` also
 * registers the vector store files and file batches routes, installs the AppContext hooks that
 * other resources use (tool_resources helpers, message attachments), and picks up indexing left
 * unfinished by a previous run of the server.
 */
import type { AppContext } from '../../../context.js';
import { VectorStoreParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import { DeletedObject, ListQuery } from '../../../domain/schemas.js';
import { cancelIndexing } from '../../../retrieval/ingest.js';
import { searchVectorStores } from '../../../retrieval/search.js';
import { listEnvelope } from '../../../store/pagination.js';
import { pendingFilesOfStore } from '../../../store/vector-store-files.js';
import {
  deleteVectorStore,
  expiresAtFor,
  listVectorStores,
  storeUsage,
  updateVectorStore,
  type NewVectorStore,
} from '../../../store/vector-stores.js';
import { docs } from '../common.js';
import { fileBatchesRoutes } from './file-batches.js';
import { filesMatching } from '../../../domain/vector-stores/filters.js';
import { vectorStoreFilesRoutes } from './files.js';
import { createVectorStore, requireStore, vectorStoreView } from '../../../domain/vector-stores/operations.js';
import {
  CreateVectorStoreBody,
  ModifyVectorStoreBody,
  SearchBody,
  SearchResultsPage,
  VectorStoreObject,
  ok,
} from '../../../domain/vector-stores/schemas.js';
import { serializeVectorStore } from '../../../domain/vector-stores/serializers.js';

const TAG = 'Vector stores';

export async function vectorStoresRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/vector_stores',
    { schema: { ...docs(TAG, 'Create a vector store'), body: CreateVectorStoreBody, response: ok(VectorStoreObject) } },
    async (request) => {
      const { body } = request;
      const row = createVectorStore(ctx, request.call.tenant, body);
      return vectorStoreView(ctx, row);
    },
  );

  app.get('/vector_stores', { schema: { ...docs(TAG, 'List vector stores'), querystring: ListQuery } }, async (request) => {
    const page = listVectorStores(ctx.db, request.call.tenant, request.query);
    const usage = storeUsage(
      ctx.db,
      page.rows.map((r) => r.id),
    );
    const now = ctx.clocks.nowSeconds(request.call.tenant);
    return listEnvelope(
      page.rows.map((row) => serializeVectorStore(row, usage.get(row.id)!, now)),
      page.hasMore,
    );
  });

  app.get(
    '/vector_stores/:vector_store_id',
    { schema: { ...docs(TAG, 'Retrieve a vector store'), params: VectorStoreParams, response: ok(VectorStoreObject) } },
    async (request) => {
      const { vector_store_id } = request.params;
      return vectorStoreView(ctx, requireStore(ctx, request.call.tenant, vector_store_id));
    },
  );

  app.post(
    '/vector_stores/:vector_store_id',
    {
      schema: {
        ...docs(TAG, 'Modify a vector store'),
        params: VectorStoreParams,
        body: ModifyVectorStoreBody,
        response: ok(VectorStoreObject),
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      const { body } = request;
      const current = requireStore(ctx, tenant, vector_store_id);
      const changes: Partial<NewVectorStore> = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.metadata !== undefined) changes.metadata = body.metadata ?? {};
      if (body.expires_after !== undefined) {
        // A new policy counts from the store's last activity, as the anchor says.
        changes.expiresAfter = body.expires_after;
        changes.expiresAt = expiresAtFor(body.expires_after, current.lastActiveAt ?? current.createdAt);
      }
      const row = updateVectorStore(ctx.db, tenant, vector_store_id, changes)!;
      return vectorStoreView(ctx, row);
    },
  );

  app.delete(
    '/vector_stores/:vector_store_id',
    {
      schema: { ...docs(TAG, 'Delete a vector store'), params: VectorStoreParams, response: ok(DeletedObject('vector_store.deleted')) },
    },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      requireStore(ctx, tenant, vector_store_id);
      const pending = pendingFilesOfStore(ctx.db, tenant, vector_store_id);
      // Files, batches and chunks go with the store (ON DELETE CASCADE); the uploaded files stay.
      deleteVectorStore(ctx.db, tenant, vector_store_id);
      cancelIndexing(ctx, tenant, vector_store_id, pending);
      return { id: vector_store_id, object: 'vector_store.deleted', deleted: true };
    },
  );

  app.post(
    '/vector_stores/:vector_store_id/search',
    { schema: { ...docs(TAG, 'Search a vector store'), params: VectorStoreParams, body: SearchBody, response: ok(SearchResultsPage) } },
    async (request) => {
      const { tenant } = request.call;
      const { vector_store_id } = request.params;
      const { body } = request;
      requireStore(ctx, tenant, vector_store_id);
      const queries = typeof body.query === 'string' ? [body.query] : body.query;
      const attributes = filesMatching(ctx, tenant, vector_store_id, body.filters);
      const results = searchVectorStores(ctx.db, tenant, [vector_store_id], queries.join(' '), {
        maxResults: body.max_num_results ?? 10,
        scoreThreshold: body.ranking_options?.score_threshold ?? 0,
        fileIds: body.filters ? [...attributes.keys()] : undefined,
      });
      return {
        object: 'vector_store.search_results.page' as const,
        search_query: queries,
        data: results.map((r) => ({
          file_id: r.file_id,
          filename: r.file_name,
          score: r.score,
          attributes: attributes.get(r.file_id) ?? {},
          content: [{ type: 'text' as const, text: r.content }],
        })),
        has_more: false,
        next_page: null,
      };
    },
  );

  await vectorStoreFilesRoutes(app, ctx);
  await fileBatchesRoutes(app, ctx);
}
