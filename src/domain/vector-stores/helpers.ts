/**
 * The two AppContext hooks through which other resources create and fill vector stores:
 * - `createVectorStoreFromHelper`: `tool_resources.file_search.vector_stores` on assistants and
 *   threads (create a store from file ids, use its id).
 * - `attachFilesToThreadSearch`: message attachments with the file_search tool go into the thread's
 *   vector store, created on first use, as the real API does.
 * Both run inside the caller's transaction (nested transactions are savepoints).
 */
import type { AppContext } from '../../context.js';
import { notFound } from '../errors.js';
import { findThread, updateThread } from '../../store/threads.js';
import { findStoreFile } from '../../store/vector-store-files.js';
import { findVectorStore } from '../../store/vector-stores.js';
import type { StoredToolResources } from '../tool-resources.js';
import { attachFiles, createVectorStore, normalizeChunking, type ChunkingInput } from './operations.js';

/**
 * "Vector stores created using thread helpers (like tool_resources.file_search.vector_stores in
 * Threads or message.attachments in Messages) have a default expiration policy of 7 days after they
 * were last active" (OpenAI file_search guide). The assistant helper cannot be told apart from the
 * thread helper through the hook's signature, so only attachment stores get it here.
 */
const THREAD_STORE_EXPIRY = { anchor: 'last_active_at' as const, days: 7 };

export function installVectorStoreHooks(ctx: AppContext): void {
  ctx.createVectorStoreFromHelper = (tenant, spec) =>
    createVectorStore(ctx, tenant, {
      file_ids: spec.file_ids,
      // Validated by the ToolResources request schema (ChunkingStrategyRequest).
      chunking_strategy: spec.chunking_strategy as ChunkingInput,
      metadata: spec.metadata,
    }).id;

  ctx.attachFilesToThreadSearch = (tenant, threadId, fileIds) => attachToThread(ctx, tenant, threadId, fileIds);
}

function attachToThread(ctx: AppContext, tenant: string, threadId: string, fileIds: string[]): void {
  ctx.db.transaction(() => {
    const thread = findThread(ctx.db, tenant, threadId);
    if (!thread) throw notFound('thread', threadId);
    const resources = (thread.toolResources ?? {}) as StoredToolResources;
    let storeId = resources.file_search?.vector_store_ids?.[0];
    if (!storeId || !findVectorStore(ctx.db, tenant, storeId)) {
      storeId = createVectorStore(ctx, tenant, { expires_after: THREAD_STORE_EXPIRY }).id;
      updateThread(ctx.db, tenant, threadId, { toolResources: { ...resources, file_search: { vector_store_ids: [storeId] } } });
    }
    const vectorStoreId = storeId;
    // A file attached again in a later message is already indexed: leave it as it is.
    const fresh = [...new Set(fileIds)].filter((fileId) => !findStoreFile(ctx.db, { tenant, vectorStoreId, fileId }));
    const chunking = normalizeChunking(undefined);
    attachFiles(
      ctx,
      tenant,
      vectorStoreId,
      fresh.map((fileId) => ({ fileId, chunking, attributes: null })),
      null,
      'attachments',
    );
  });
}
