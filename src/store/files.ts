/**
 * Uploaded files: metadata rows in `files`, bytes in `file_contents` (a BLOB in the same SQLite file,
 * so a file's content never lives under a name a client chose, and a backup of the database file is
 * a backup of everything).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { forgetAllMessagePages } from './message-pages.js';
import { assistantFiles, chunks, fileContents, files, messageFiles, vectorStoreFiles, type FileRow } from './schema.js';

export type NewFile = Omit<FileRow, 'seq'>;

/** Inserts the metadata row and the bytes together. */
export function insertFile(db: Db, row: NewFile, data: Buffer): FileRow {
  return db.transaction((tx) => {
    const inserted = tx.insert(files).values(row).returning().get();
    tx.insert(fileContents).values({ fileId: row.id, data }).run();
    return inserted;
  });
}

export function findFile(db: Db, tenant: string, id: string): FileRow | undefined {
  return db
    .select()
    .from(files)
    .where(and(eq(files.id, id), eq(files.tenant, tenant)))
    .get();
}

/** The ids among `ids` that exist for this tenant (to refuse unknown ids before writing anything). */
export function existingFileIds(db: Db, tenant: string, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = db
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.tenant, tenant), inArray(files.id, ids)))
    .all();
  return new Set(rows.map((r) => r.id));
}

/** The stored bytes, or undefined when the file does not exist for this tenant. */
export function fileContent(db: Db, tenant: string, id: string): Buffer | undefined {
  const row = db
    .select({ data: fileContents.data })
    .from(fileContents)
    .innerJoin(files, eq(files.id, fileContents.fileId))
    .where(and(eq(files.id, id), eq(files.tenant, tenant)))
    .get();
  return row?.data;
}

export function listFiles(db: Db, tenant: string, query: PageQuery & { purpose?: string }) {
  // An empty purpose filters nothing, as an absent one.
  const scope = [
    [files.tenant, tenant],
    [files.purpose, query.purpose || undefined],
  ] as const;
  return listPage<FileRow>(db, LISTED.files, scope, query);
}

/**
 * Deletes a file and detaches it from every vector store of its tenant: the vector store file rows
 * and their chunks go in the same transaction (chunks are not children of files in the schema, so no
 * cascade would remove them). Returns the vector stores it was detached from, so the caller can
 * cancel pending indexing jobs.
 */
export function deleteFile(db: Db, tenant: string, id: string): { deleted: boolean; detachedFrom: string[] } {
  return db.transaction((tx) => {
    const attached = tx
      .select({ storeId: vectorStoreFiles.vectorStoreId })
      .from(vectorStoreFiles)
      .where(and(eq(vectorStoreFiles.fileId, id), eq(vectorStoreFiles.tenant, tenant)))
      .all()
      .map((r) => r.storeId);
    tx.delete(chunks)
      .where(and(eq(chunks.fileId, id), eq(chunks.tenant, tenant)))
      .run();
    // Each list the file leaves remembers where it stood, so cursors into those lists keep working.
    deleteRemembering(tx, LISTED.vectorStoreFiles, and(eq(vectorStoreFiles.fileId, id), eq(vectorStoreFiles.tenant, tenant)));
    // v1 attachments name the file too: a deleted file leaves no stale `file_ids`, nor a kept page of
    // messages that still shows it (a file delete is rare: every kept page goes).
    forgetAllMessagePages(db);
    deleteRemembering(tx, LISTED.assistantFiles, and(eq(assistantFiles.fileId, id), eq(assistantFiles.tenant, tenant)));
    deleteRemembering(tx, LISTED.messageFiles, and(eq(messageFiles.fileId, id), eq(messageFiles.tenant, tenant)));
    // file_contents goes with the row (ON DELETE CASCADE).
    const removed = deleteRemembering(tx, LISTED.files, and(eq(files.id, id), eq(files.tenant, tenant)));
    return { deleted: removed > 0, detachedFrom: attached };
  });
}
