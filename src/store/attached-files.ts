/**
 * v1 only: files attached to assistants (`/assistants/{id}/files`) and to messages
 * (`/threads/{id}/messages/{id}/files`). The attachment is a row of its own (with the time it was
 * made); its public id is the file's id, so lists page by file id within one assistant or message.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type Page, type PageQuery } from './pagination.js';
import { deleteRemembering } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { assistantFiles, messageFiles, messages } from './schema.js';

export interface AttachedFileRow {
  fileId: string;
  /** The assistant's or the message's id. */
  ownerId: string;
  createdAt: number;
}

type AssistantFileRow = typeof assistantFiles.$inferSelect;
type MessageFileRow = typeof messageFiles.$inferSelect;

const fromAssistant = (r: AssistantFileRow): AttachedFileRow => ({ fileId: r.fileId, ownerId: r.assistantId, createdAt: r.createdAt });
const fromMessage = (r: MessageFileRow): AttachedFileRow => ({ fileId: r.fileId, ownerId: r.messageId, createdAt: r.createdAt });

// ---- assistant files ------------------------------------------------------------------------------

export function findAssistantFile(db: Db, assistantId: string, fileId: string): AttachedFileRow | undefined {
  const row = db
    .select()
    .from(assistantFiles)
    .where(and(eq(assistantFiles.assistantId, assistantId), eq(assistantFiles.fileId, fileId)))
    .get();
  return row ? fromAssistant(row) : undefined;
}

export function countAssistantFiles(db: Db, assistantId: string): number {
  return db.select({ fileId: assistantFiles.fileId }).from(assistantFiles).where(eq(assistantFiles.assistantId, assistantId)).all().length;
}

/** Attaches a file; attaching it again keeps the first attachment (and its `created_at`). */
export function attachAssistantFile(db: Db, tenant: string, assistantId: string, fileId: string, createdAt: number): AttachedFileRow {
  db.insert(assistantFiles).values({ tenant, assistantId, fileId, createdAt }).onConflictDoNothing().run();
  return findAssistantFile(db, assistantId, fileId)!;
}

export function detachAssistantFile(db: Db, assistantId: string, fileId: string): boolean {
  return db.transaction((tx) => {
    const rows = deleteRemembering(
      tx,
      LISTED.assistantFiles,
      and(eq(assistantFiles.assistantId, assistantId), eq(assistantFiles.fileId, fileId)),
    );
    return rows > 0;
  });
}

export function listAssistantFiles(db: Db, assistantId: string, query: PageQuery): Page<AttachedFileRow> {
  const page = listPage<AssistantFileRow>(db, LISTED.assistantFiles, [[assistantFiles.assistantId, assistantId]], query);
  return { rows: page.rows.map(fromAssistant), hasMore: page.hasMore };
}

/** Every file attached to the assistant, oldest attachment first. */
export function assistantFileIds(db: Db, assistantId: string): string[] {
  return db
    .select({ fileId: assistantFiles.fileId })
    .from(assistantFiles)
    .where(eq(assistantFiles.assistantId, assistantId))
    .orderBy(asc(assistantFiles.seq))
    .all()
    .map((r) => r.fileId);
}

// ---- message files --------------------------------------------------------------------------------

export function findMessageFile(db: Db, messageId: string, fileId: string): AttachedFileRow | undefined {
  const row = db
    .select()
    .from(messageFiles)
    .where(and(eq(messageFiles.messageId, messageId), eq(messageFiles.fileId, fileId)))
    .get();
  return row ? fromMessage(row) : undefined;
}

export function listMessageFiles(db: Db, messageId: string, query: PageQuery): Page<AttachedFileRow> {
  const page = listPage<MessageFileRow>(db, LISTED.messageFiles, [[messageFiles.messageId, messageId]], query);
  return { rows: page.rows.map(fromMessage), hasMore: page.hasMore };
}

/** Every file attached to a message of the thread, oldest attachment first, each once. */
export function threadMessageFileIds(db: Db, threadId: string): string[] {
  const rows = db
    .select({ fileId: messageFiles.fileId })
    .from(messageFiles)
    .innerJoin(messages, eq(messages.id, messageFiles.messageId))
    .where(eq(messages.threadId, threadId))
    .orderBy(asc(messageFiles.seq))
    .all();
  return [...new Set(rows.map((r) => r.fileId))];
}
