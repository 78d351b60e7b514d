/**
 * Indexing of files attached to vector stores: a file is attached `in_progress`; a scheduler job
 * (keyed `vsfile:<tenant>:<store>:<file>`, on the tenant's clock, so a ManualClock holds it until advanced)
 * reads its bytes, chunks them and inserts the chunks (the FTS triggers index them), and marks it
 * `completed` with its usage, all in one transaction. A file that is not text is marked `failed`.
 * Jobs are state-driven: a job whose file is no longer in progress (cancelled, detached, deleted)
 * does nothing, and a restarted server schedules every file still in progress again. Every job and
 * every look-up here is scoped by tenant: a run of one tenant that names another tenant's store (ids
 * stored before the create-time checks existed) can neither cancel nor run that tenant's jobs.
 */
import type { AppContext } from '../context.js';
import { unsupportedFileError, indexingServerError } from '../domain/errors.js';
import type { Db } from '../store/database.js';
import { fileContent } from '../store/files.js';
import {
  findStoreFile,
  pendingFilesOfStore,
  pendingStoreFiles,
  replaceChunks,
  updateStoreFile,
  type StoreFileKey,
} from '../store/vector-store-files.js';
import { chunkText, DEFAULT_CHUNKING, extractText, type StaticChunking } from './chunking.js';

/** Time a file spends `in_progress` before it is indexed (virtual ms), so pollers see the real lifecycle. */
export const INDEXING_DELAY_MS = 5;

export function indexingJobKey(key: StoreFileKey): string {
  return `vsfile:${key.tenant}:${key.vectorStoreId}:${key.fileId}`;
}

export function scheduleIndexing(ctx: AppContext, key: StoreFileKey, delayMs = INDEXING_DELAY_MS): void {
  ctx.scheduler.after(indexingJobKey(key), delayMs, () => runIndexingJob(ctx, key), key.tenant);
}

export function cancelIndexing(ctx: AppContext, tenant: string, vectorStoreId: string, fileIds: string[]): void {
  for (const fileId of fileIds) ctx.scheduler.cancel(indexingJobKey({ tenant, vectorStoreId, fileId }));
}

/** Schedules every file left `in_progress` (by a stopped server) again. */
export function resumeVectorStoreProcessing(ctx: AppContext): number {
  const pending = pendingStoreFiles(ctx.db);
  for (const key of pending) scheduleIndexing(ctx, key);
  return pending.length;
}

/**
 * Indexes now, synchronously, every file of these stores still waiting for its job, and drops the
 * jobs. For the run engine before a file_search: the real API makes a run wait until the thread's
 * vector store is ready, so a file attached to a message is searchable by the run that follows it,
 * however quickly that run was created.
 */
export function indexPendingFiles(ctx: AppContext, tenant: string, vectorStoreIds: string[]): void {
  for (const vectorStoreId of new Set(vectorStoreIds)) {
    for (const fileId of pendingFilesOfStore(ctx.db, tenant, vectorStoreId)) {
      const key = { tenant, vectorStoreId, fileId };
      ctx.scheduler.cancel(indexingJobKey(key));
      runIndexingJob(ctx, key);
    }
  }
}

export type IndexOutcome = 'completed' | 'failed' | 'skipped';

/** Indexes one vector store file now, in one transaction. */
export function indexStoreFile(db: Db, key: StoreFileKey): IndexOutcome {
  return db.transaction(() => {
    const row = findStoreFile(db, key);
    if (!row || row.status !== 'in_progress') return 'skipped';
    const data = fileContent(db, key.tenant, key.fileId);
    const text = data ? extractText(data) : undefined;
    if (text === undefined) {
      updateStoreFile(db, key, { status: 'failed', lastError: unsupportedFileError(), usageBytes: 0 });
      return 'failed';
    }
    replaceChunks(db, key, chunkText(text, staticOf(row.chunkingStrategy)));
    updateStoreFile(db, key, { status: 'completed', lastError: null, usageBytes: Buffer.byteLength(text, 'utf8') });
    return 'completed';
  });
}

function runIndexingJob(ctx: AppContext, key: StoreFileKey): void {
  try {
    indexStoreFile(ctx.db, key);
  } catch {
    // A job runs outside any request: an exception here would take the process down. The file is
    // marked failed instead (unless the database itself is gone, e.g. the server is closing).
    try {
      updateStoreFile(ctx.db, key, { status: 'failed', lastError: indexingServerError() });
    } catch {
      /* nothing left to record the failure in */
    }
  }
}

/** The static parameters of a stored chunking strategy (always stored as `static`, see the routes). */
function staticOf(strategy: unknown): StaticChunking {
  const value = (strategy as { static?: Partial<StaticChunking> } | null)?.static;
  if (value && typeof value.max_chunk_size_tokens === 'number' && typeof value.chunk_overlap_tokens === 'number') {
    return { max_chunk_size_tokens: value.max_chunk_size_tokens, chunk_overlap_tokens: value.chunk_overlap_tokens };
  }
  return DEFAULT_CHUNKING;
}
