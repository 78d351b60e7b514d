/**
 * What the vector store routes and the AppContext hooks have in common: loading objects of the
 * caller's tenant (or the real 404), normalizing chunking strategies, creating a store and attaching
 * files to it. Everything here runs synchronously inside the caller's transaction, if any.
 */
import type { AppContext } from '../../context.js';
import { chunkOverlapTooLarge, notFound } from '../errors.js';
import { DEFAULT_CHUNKING, type StaticChunking } from '../../retrieval/chunking.js';
import { scheduleIndexing } from '../../retrieval/ingest.js';
import { existingFileIds } from '../../store/files.js';
import type { VectorStoreFileBatchRow, VectorStoreFileRow, VectorStoreRow } from '../../store/schema.js';
import { attachFile, findBatch, findStoreFile } from '../../store/vector-store-files.js';
import { expiresAtFor, findVectorStore, insertVectorStore, storeUsage, touchVectorStores } from '../../store/vector-stores.js';
import { newId } from '../../util/ids.js';
import { checkId } from '../ids.js';
import type { Attributes, ExpiresAfter } from './schemas.js';
import { serializeVectorStore } from './serializers.js';

/** What a stored chunking strategy looks like: always `static` with its numbers (`auto` resolved). */
export interface StoredChunking {
  type: 'static';
  static: StaticChunking;
}

/** A request's `chunking_strategy` (src/domain/schemas.ts ChunkingStrategyRequest). */
export type ChunkingInput = { type: 'auto' } | { type: 'static'; static: StaticChunking } | undefined | null;

export function requireStore(ctx: AppContext, tenant: string, id: string): VectorStoreRow {
  const row = findVectorStore(ctx.db, tenant, checkId('vector_store_id', id));
  if (!row) throw notFound('vector store', id);
  return row;
}

export function requireStoreFile(ctx: AppContext, tenant: string, vectorStoreId: string, fileId: string): VectorStoreFileRow {
  const row = findStoreFile(ctx.db, { tenant, vectorStoreId, fileId: checkId('file_id', fileId) });
  if (!row) throw notFound('vector store file', fileId);
  return row;
}

export function requireBatch(ctx: AppContext, tenant: string, vectorStoreId: string, batchId: string): VectorStoreFileBatchRow {
  const row = findBatch(ctx.db, tenant, vectorStoreId, checkId('batch_id', batchId));
  if (!row) throw notFound('file batch', batchId);
  return row;
}

/** The store as the API shows it, with its counts and usage. */
export function vectorStoreView(ctx: AppContext, row: VectorStoreRow) {
  const usage = storeUsage(ctx.db, [row.id]).get(row.id)!;
  return serializeVectorStore(row, usage, ctx.clocks.nowSeconds(row.tenant));
}

/** `auto` (or nothing) is the documented default, 800 tokens with 400 of overlap; `static` is checked. */
export function normalizeChunking(input: ChunkingInput, param = 'chunking_strategy'): StoredChunking {
  if (!input || input.type === 'auto') return { type: 'static', static: { ...DEFAULT_CHUNKING } };
  const { max_chunk_size_tokens, chunk_overlap_tokens } = input.static;
  if (chunk_overlap_tokens > max_chunk_size_tokens / 2) throw chunkOverlapTooLarge(param, chunk_overlap_tokens, max_chunk_size_tokens);
  return { type: 'static', static: { max_chunk_size_tokens, chunk_overlap_tokens } };
}

export interface AttachSpec {
  fileId: string;
  chunking: StoredChunking;
  attributes: Attributes | null;
}

/**
 * Attaches files to a store, each `in_progress` with its indexing job scheduled. Unknown file ids
 * are refused (404) before anything is written.
 */
export function attachFiles(
  ctx: AppContext,
  tenant: string,
  vectorStoreId: string,
  specs: AttachSpec[],
  batchId: string | null,
  param: string,
): VectorStoreFileRow[] {
  const known = existingFileIds(
    ctx.db,
    tenant,
    specs.map((s) => s.fileId),
  );
  const missing = specs.find((s) => !known.has(s.fileId));
  if (missing) throw notFound('file', missing.fileId, param);
  const now = ctx.clocks.nowSeconds(tenant);
  const rows = ctx.db.transaction(() => {
    const attached = specs.map((spec) =>
      attachFile(ctx.db, {
        tenant,
        vectorStoreId,
        fileId: spec.fileId,
        batchId,
        createdAt: now,
        chunkingStrategy: spec.chunking,
        attributes: spec.attributes ?? {},
      }),
    );
    touchVectorStores(ctx.db, tenant, [vectorStoreId], now);
    return attached;
  });
  for (const row of rows) scheduleIndexing(ctx, { tenant, vectorStoreId, fileId: row.fileId });
  return rows;
}

export interface NewStoreInput {
  name?: string | null;
  file_ids?: string[];
  chunking_strategy?: ChunkingInput;
  expires_after?: ExpiresAfter | null;
  metadata?: Record<string, string> | null;
}

/** Creates a store and attaches its initial files (create endpoint, tool_resources helpers, attachments). */
export function createVectorStore(ctx: AppContext, tenant: string, input: NewStoreInput): VectorStoreRow {
  const chunking = normalizeChunking(input.chunking_strategy);
  const now = ctx.clocks.nowSeconds(tenant);
  const fileIds = [...new Set(input.file_ids ?? [])];
  return ctx.db.transaction(() => {
    const store = insertVectorStore(ctx.db, {
      id: newId('vectorStore'),
      tenant,
      createdAt: now,
      name: input.name ?? null,
      // Shown status is derived from the files at read time; the column records the state at creation.
      status: fileIds.length > 0 ? 'in_progress' : 'completed',
      lastActiveAt: now,
      expiresAfter: input.expires_after ?? null,
      expiresAt: expiresAtFor(input.expires_after, now),
      metadata: input.metadata ?? {},
    });
    attachFiles(
      ctx,
      tenant,
      store.id,
      fileIds.map((fileId) => ({ fileId, chunking, attributes: null })),
      null,
      'file_ids',
    );
    return store;
  });
}
