/**
 * Files attached to vector stores, the batches that attach them, and the chunks indexing produces.
 * A vector store file has no id of its own: it is the pair (vector store, file).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { chunks, vectorStoreFileBatches, vectorStoreFiles, type VectorStoreFileBatchRow, type VectorStoreFileRow } from './schema.js';
import { addCount, emptyCounts, type FileCounts, type VectorStoreFileStatus } from './vector-stores.js';

export type NewVectorStoreFile = Omit<VectorStoreFileRow, 'seq' | 'usageBytes' | 'lastError' | 'status'>;
export type NewFileBatch = Omit<VectorStoreFileBatchRow, 'seq'>;

export interface StoreFileKey {
  tenant: string;
  vectorStoreId: string;
  fileId: string;
}

/**
 * Attaches a file to a store, in progress. Attaching a file that is already there starts over: its
 * old chunks are dropped and it is indexed again with the new chunking strategy (keeping its place
 * in the list), so indexing stays idempotent and never duplicates chunks.
 */
export function attachFile(db: Db, row: NewVectorStoreFile): VectorStoreFileRow {
  return db.transaction(() => {
    db.delete(chunks)
      .where(and(eq(chunks.vectorStoreId, row.vectorStoreId), eq(chunks.fileId, row.fileId)))
      .run();
    return db
      .insert(vectorStoreFiles)
      .values({ ...row, status: 'in_progress', usageBytes: 0, lastError: null })
      .onConflictDoUpdate({
        target: [vectorStoreFiles.vectorStoreId, vectorStoreFiles.fileId],
        set: {
          batchId: row.batchId,
          status: 'in_progress',
          usageBytes: 0,
          lastError: null,
          chunkingStrategy: row.chunkingStrategy,
          attributes: row.attributes,
        },
      })
      .returning()
      .get();
  });
}

export function findStoreFile(db: Db, key: StoreFileKey): VectorStoreFileRow | undefined {
  return db.select().from(vectorStoreFiles).where(storeFileWhere(key)).get();
}

export function updateStoreFile(db: Db, key: StoreFileKey, changes: Partial<VectorStoreFileRow>): VectorStoreFileRow | undefined {
  return db.update(vectorStoreFiles).set(changes).where(storeFileWhere(key)).returning().get();
}

/** Removes the file from the store with its chunks (the file itself stays). */
export function detachFile(db: Db, key: StoreFileKey): boolean {
  return db.transaction(() => {
    db.delete(chunks)
      .where(and(eq(chunks.vectorStoreId, key.vectorStoreId), eq(chunks.fileId, key.fileId), eq(chunks.tenant, key.tenant)))
      .run();
    return deleteRemembering(db, LISTED.vectorStoreFiles, storeFileWhere(key)) > 0;
  });
}

export interface StoreFileFilter {
  status?: VectorStoreFileStatus;
  batchId?: string;
}

export function listStoreFiles(db: Db, tenant: string, vectorStoreId: string, filter: StoreFileFilter, query: PageQuery) {
  const scope = [
    [vectorStoreFiles.vectorStoreId, vectorStoreId],
    [vectorStoreFiles.tenant, tenant],
    [vectorStoreFiles.status, filter.status || undefined],
    [vectorStoreFiles.batchId, filter.batchId || undefined],
  ] as const;
  return listPage<VectorStoreFileRow>(db, LISTED.vectorStoreFiles, scope, query);
}

/** The attributes of every file of a store (attribute filters are evaluated on them). */
export function storeFileAttributes(db: Db, tenant: string, vectorStoreId: string): { fileId: string; attributes: unknown }[] {
  return db
    .select({ fileId: vectorStoreFiles.fileId, attributes: vectorStoreFiles.attributes })
    .from(vectorStoreFiles)
    .where(and(eq(vectorStoreFiles.vectorStoreId, vectorStoreId), eq(vectorStoreFiles.tenant, tenant)))
    .all();
}

/** Every file still waiting to be indexed, across tenants: what a restarted server must pick up. */
export function pendingStoreFiles(db: Db): StoreFileKey[] {
  return db
    .select({ tenant: vectorStoreFiles.tenant, vectorStoreId: vectorStoreFiles.vectorStoreId, fileId: vectorStoreFiles.fileId })
    .from(vectorStoreFiles)
    .where(eq(vectorStoreFiles.status, 'in_progress'))
    .orderBy(vectorStoreFiles.seq)
    .all();
}

/** The in-progress files of a store (to cancel their indexing jobs when the store is deleted). */
export function pendingFilesOfStore(db: Db, tenant: string, vectorStoreId: string): string[] {
  return db
    .select({ fileId: vectorStoreFiles.fileId })
    .from(vectorStoreFiles)
    .where(
      and(
        eq(vectorStoreFiles.vectorStoreId, vectorStoreId),
        eq(vectorStoreFiles.tenant, tenant),
        eq(vectorStoreFiles.status, 'in_progress'),
      ),
    )
    .all()
    .map((r) => r.fileId);
}

/** Replaces the chunks of one file in one store; the FTS triggers index them. */
export function replaceChunks(db: Db, key: StoreFileKey, texts: string[]): void {
  db.delete(chunks)
    .where(and(eq(chunks.vectorStoreId, key.vectorStoreId), eq(chunks.fileId, key.fileId)))
    .run();
  if (texts.length === 0) return;
  // Inserted in slices: SQLite caps the number of bound parameters per statement.
  const rows = texts.map((text, chunkIndex) => ({ ...key, chunkIndex, text }));
  for (let i = 0; i < rows.length; i += 500)
    db.insert(chunks)
      .values(rows.slice(i, i + 500))
      .run();
}

export function chunkTexts(db: Db, key: StoreFileKey): string[] {
  return db
    .select({ text: chunks.text })
    .from(chunks)
    .where(and(eq(chunks.vectorStoreId, key.vectorStoreId), eq(chunks.fileId, key.fileId), eq(chunks.tenant, key.tenant)))
    .orderBy(chunks.chunkIndex)
    .all()
    .map((r) => r.text);
}

// ---- batches --------------------------------------------------------------------------------------

export function insertBatch(db: Db, row: NewFileBatch): VectorStoreFileBatchRow {
  return db.insert(vectorStoreFileBatches).values(row).returning().get();
}

export function findBatch(db: Db, tenant: string, vectorStoreId: string, id: string): VectorStoreFileBatchRow | undefined {
  return db
    .select()
    .from(vectorStoreFileBatches)
    .where(
      and(
        eq(vectorStoreFileBatches.id, id),
        eq(vectorStoreFileBatches.vectorStoreId, vectorStoreId),
        eq(vectorStoreFileBatches.tenant, tenant),
      ),
    )
    .get();
}

export function setBatchStatus(db: Db, id: string, status: string): void {
  db.update(vectorStoreFileBatches).set({ status }).where(eq(vectorStoreFileBatches.id, id)).run();
}

/** file_counts of each batch, in one grouped query. */
export function batchCounts(db: Db, batchIds: string[]): Map<string, FileCounts> {
  const out = new Map<string, FileCounts>();
  for (const id of batchIds) out.set(id, emptyCounts());
  if (batchIds.length === 0) return out;
  const rows = db
    .select({ batchId: vectorStoreFiles.batchId, status: vectorStoreFiles.status, n: sql<number>`count(*)` })
    .from(vectorStoreFiles)
    .where(inArray(vectorStoreFiles.batchId, batchIds))
    .groupBy(vectorStoreFiles.batchId, vectorStoreFiles.status)
    .all();
  for (const row of rows) {
    const counts = row.batchId ? out.get(row.batchId) : undefined;
    if (counts) addCount(counts, row.status, row.n);
  }
  return out;
}

/** Marks the batch's files that are still in progress as cancelled; returns their ids. */
export function cancelBatchFiles(db: Db, batchId: string): string[] {
  return db
    .update(vectorStoreFiles)
    .set({ status: 'cancelled' })
    .where(and(eq(vectorStoreFiles.batchId, batchId), eq(vectorStoreFiles.status, 'in_progress')))
    .returning({ fileId: vectorStoreFiles.fileId })
    .all()
    .map((r) => r.fileId);
}

function storeFileWhere(key: StoreFileKey) {
  return and(
    eq(vectorStoreFiles.vectorStoreId, key.vectorStoreId),
    eq(vectorStoreFiles.fileId, key.fileId),
    eq(vectorStoreFiles.tenant, key.tenant),
  );
}
