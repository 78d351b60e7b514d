/**
 * Rows to API objects: `vector_store`, `vector_store.file`, `vector_store.files_batch`. Counts,
 * usage and statuses derived from the files are passed in, computed by one grouped query per page.
 */
import type { VectorStoreFileBatchRow, VectorStoreFileRow, VectorStoreRow } from '../../store/schema.js';
import type { FileCounts, StoreUsage } from '../../store/vector-stores.js';
import { DEFAULT_CHUNKING } from '../../retrieval/chunking.js';

export type VectorStoreStatus = 'expired' | 'in_progress' | 'completed';
export type BatchStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed';

/** `expired` past `expires_at`; else `in_progress` while any file is being indexed; else `completed`. */
export function vectorStoreStatus(row: VectorStoreRow, counts: FileCounts, nowSeconds: number): VectorStoreStatus {
  if (row.expiresAt !== null && nowSeconds >= row.expiresAt) return 'expired';
  return counts.in_progress > 0 ? 'in_progress' : 'completed';
}

export function serializeVectorStore(row: VectorStoreRow, usage: StoreUsage, nowSeconds: number) {
  return {
    id: row.id,
    object: 'vector_store' as const,
    created_at: row.createdAt,
    name: row.name,
    usage_bytes: usage.usageBytes,
    file_counts: usage.fileCounts,
    status: vectorStoreStatus(row, usage.fileCounts, nowSeconds),
    last_active_at: row.lastActiveAt,
    metadata: row.metadata,
    expires_after: row.expiresAfter ?? null,
    expires_at: row.expiresAt,
  };
}

export function serializeVectorStoreFile(row: VectorStoreFileRow) {
  return {
    id: row.fileId,
    object: 'vector_store.file' as const,
    usage_bytes: row.usageBytes,
    created_at: row.createdAt,
    vector_store_id: row.vectorStoreId,
    status: row.status,
    last_error: row.lastError ?? null,
    chunking_strategy: row.chunkingStrategy ?? { type: 'static', static: DEFAULT_CHUNKING },
    attributes: row.attributes ?? {},
  };
}

/**
 * A cancelled batch stays cancelled; otherwise it is `in_progress` while any of its files is, then
 * `failed` if every file failed, else `completed` (the SDK's poller tells callers to look at
 * `file_counts.failed` for partial failures).
 */
export function batchStatus(row: VectorStoreFileBatchRow, counts: FileCounts): BatchStatus {
  if (row.status === 'cancelled') return 'cancelled';
  if (counts.in_progress > 0) return 'in_progress';
  if (counts.total > 0 && counts.failed === counts.total) return 'failed';
  return 'completed';
}

export function serializeBatch(row: VectorStoreFileBatchRow, counts: FileCounts) {
  return {
    id: row.id,
    object: 'vector_store.files_batch' as const,
    created_at: row.createdAt,
    vector_store_id: row.vectorStoreId,
    status: batchStatus(row, counts),
    file_counts: counts,
  };
}
