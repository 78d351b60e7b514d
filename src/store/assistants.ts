import { and, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { assistantFiles, assistants, type AssistantRow } from './schema.js';

export type NewAssistant = Omit<AssistantRow, 'seq'>;

export function insertAssistant(db: Db, row: NewAssistant): AssistantRow {
  return db.insert(assistants).values(row).returning().get();
}

export function findAssistant(db: Db, tenant: string, id: string): AssistantRow | undefined {
  return db
    .select()
    .from(assistants)
    .where(and(eq(assistants.id, id), eq(assistants.tenant, tenant)))
    .get();
}

export function updateAssistant(db: Db, tenant: string, id: string, changes: Partial<NewAssistant>): AssistantRow | undefined {
  if (Object.keys(changes).length === 0) return findAssistant(db, tenant, id);
  return db
    .update(assistants)
    .set(changes)
    .where(and(eq(assistants.id, id), eq(assistants.tenant, tenant)))
    .returning()
    .get();
}

export function deleteAssistant(db: Db, tenant: string, id: string): boolean {
  return db.transaction((tx) => {
    const rows = deleteRemembering(tx, LISTED.assistants, and(eq(assistants.id, id), eq(assistants.tenant, tenant)));
    return rows > 0;
  });
}

export function listAssistants(db: Db, tenant: string, query: PageQuery) {
  return listPage<AssistantRow>(db, LISTED.assistants, [[assistants.tenant, tenant]], query);
}

/** v1: the ids of the files attached to an assistant, oldest first. */
export function assistantFileIds(db: Db, assistantId: string): string[] {
  return db
    .select({ fileId: assistantFiles.fileId })
    .from(assistantFiles)
    .where(eq(assistantFiles.assistantId, assistantId))
    .orderBy(assistantFiles.seq)
    .all()
    .map((r) => r.fileId);
}

/** v1: replaces the set of files attached to an assistant (create and modify take `file_ids`). */
export function setAssistantFiles(db: Db, tenant: string, assistantId: string, fileIds: string[], createdAt: number): void {
  // Replacing the list (v1 update with file_ids) keeps cursors into the old one working.
  deleteRemembering(db, LISTED.assistantFiles, eq(assistantFiles.assistantId, assistantId));
  for (const fileId of new Set(fileIds)) {
    db.insert(assistantFiles).values({ tenant, assistantId, fileId, createdAt }).run();
  }
}
