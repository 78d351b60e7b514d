/**
 * Vector stores. What the API shows as `file_counts`, `usage_bytes` and (partly) `status` is not
 * stored on the store row: it is derived from `vector_store_files` at read time, so it can never
 * drift from the files themselves. `storeUsage` computes it for a whole page of stores in one
 * aggregate query.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { vectorStoreFiles, vectorStores, type VectorStoreRow } from './schema.js';

export type NewVectorStore = Omit<VectorStoreRow, 'seq'>;

export type VectorStoreFileStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled';

export interface FileCounts {
  in_progress: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

export interface StoreUsage {
  fileCounts: FileCounts;
  usageBytes: number;
}

export function emptyCounts(): FileCounts {
  return { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
}

export function insertVectorStore(db: Db, row: NewVectorStore): VectorStoreRow {
  return db.insert(vectorStores).values(row).returning().get();
}

export function findVectorStore(db: Db, tenant: string, id: string): VectorStoreRow | undefined {
  return db
    .select()
    .from(vectorStores)
    .where(and(eq(vectorStores.id, id), eq(vectorStores.tenant, tenant)))
    .get();
}

export function updateVectorStore(db: Db, tenant: string, id: string, changes: Partial<NewVectorStore>): VectorStoreRow | undefined {
  if (Object.keys(changes).length === 0) return findVectorStore(db, tenant, id);
  return db
    .update(vectorStores)
    .set(changes)
    .where(and(eq(vectorStores.id, id), eq(vectorStores.tenant, tenant)))
    .returning()
    .get();
}

/** Deletes the store; its files, batches and chunks go with it (ON DELETE CASCADE). */
export function deleteVectorStore(db: Db, tenant: string, id: string): boolean {
  return db.transaction((tx) => {
    const rows = deleteRemembering(tx, LISTED.vectorStores, and(eq(vectorStores.id, id), eq(vectorStores.tenant, tenant)));
    return rows > 0;
  });
}

export function listVectorStores(db: Db, tenant: string, query: PageQuery) {
  return listPage<VectorStoreRow>(db, LISTED.vectorStores, [[vectorStores.tenant, tenant]], query);
}

/**
 * Marks stores as used now. `expires_at` follows `last_active_at` when the store expires relative to
 * it (the only anchor the API has), so both move together.
 */
export function touchVectorStores(db: Db, tenant: string, ids: string[], nowSeconds: number): void {
  if (ids.length === 0) return;
  db.update(vectorStores)
    .set({
      lastActiveAt: nowSeconds,
      expiresAt: sql`CASE WHEN ${vectorStores.expiresAfter} IS NULL THEN NULL
        ELSE ${nowSeconds} + 86400 * json_extract(${vectorStores.expiresAfter}, '$.days') END`,
    })
    .where(and(eq(vectorStores.tenant, tenant), inArray(vectorStores.id, ids)))
    .run();
}

/** `expires_at` for an `expires_after` policy anchored at `last_active_at`. */
export function expiresAtFor(expiresAfter: { days: number } | null | undefined, lastActiveAt: number): number | null {
  return expiresAfter ? lastActiveAt + expiresAfter.days * 86400 : null;
}

/** file_counts and usage_bytes of each store, in one grouped query over vector_store_files. */
export function storeUsage(db: Db, storeIds: string[]): Map<string, StoreUsage> {
  const out = new Map<string, StoreUsage>();
  for (const id of storeIds) out.set(id, { fileCounts: emptyCounts(), usageBytes: 0 });
  if (storeIds.length === 0) return out;
  const rows = db
    .select({
      storeId: vectorStoreFiles.vectorStoreId,
      status: vectorStoreFiles.status,
      n: sql<number>`count(*)`,
      bytes: sql<number>`coalesce(sum(${vectorStoreFiles.usageBytes}), 0)`,
    })
    .from(vectorStoreFiles)
    .where(inArray(vectorStoreFiles.vectorStoreId, storeIds))
    .groupBy(vectorStoreFiles.vectorStoreId, vectorStoreFiles.status)
    .all();
  for (const row of rows) {
    const usage = out.get(row.storeId);
    if (!usage) continue;
    addCount(usage.fileCounts, row.status, row.n);
    usage.usageBytes += row.bytes;
  }
  return out;
}

export function addCount(counts: FileCounts, status: string, n: number): void {
  if (status === 'in_progress' || status === 'completed' || status === 'failed' || status === 'cancelled') counts[status] += n;
  counts.total += n;
}
