import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deletedRowFields, rememberDeleted } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { messageFiles, messages, type MessageRow } from './schema.js';

export type NewMessage = Omit<MessageRow, 'seq'>;

export function insertMessage(db: Db, row: NewMessage): MessageRow {
  return db.insert(messages).values(row).returning().get();
}

export function findMessage(db: Db, tenant: string, threadId: string, id: string): MessageRow | undefined {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.id, id), eq(messages.threadId, threadId), eq(messages.tenant, tenant)))
    .get();
}

export function findMessageById(db: Db, id: string): MessageRow | undefined {
  return db.select().from(messages).where(eq(messages.id, id)).get();
}

export function updateMessage(db: Db, id: string, changes: Partial<NewMessage>): MessageRow | undefined {
  return db.update(messages).set(changes).where(eq(messages.id, id)).returning().get();
}

export function deleteMessage(db: Db, tenant: string, threadId: string, id: string): boolean {
  return db.transaction((tx) => {
    const rows = tx
      .delete(messages)
      .where(and(eq(messages.id, id), eq(messages.threadId, threadId), eq(messages.tenant, tenant)))
      .returning(deletedRowFields(LISTED.messages))
      .all();
    rememberDeleted(tx, LISTED.messages, rows);
    return rows.length > 0;
  });
}

export function listMessages(db: Db, tenant: string, threadId: string, query: PageQuery & { run_id?: string }) {
  const scope = [
    [messages.threadId, threadId],
    [messages.tenant, tenant],
    [messages.runId, query.run_id || undefined],
  ] as const;
  return listPage<MessageRow>(db, LISTED.messages, scope, query);
}

/** Every message of a thread, oldest first (the prompt the "model" sees). */
export function allMessages(db: Db, threadId: string): MessageRow[] {
  return db.select().from(messages).where(eq(messages.threadId, threadId)).orderBy(asc(messages.seq)).all();
}

/** v1: ids of the files attached to a message, oldest first. */
export function messageFileIds(db: Db, messageId: string): string[] {
  return db
    .select({ fileId: messageFiles.fileId })
    .from(messageFiles)
    .where(eq(messageFiles.messageId, messageId))
    .orderBy(asc(messageFiles.seq))
    .all()
    .map((r) => r.fileId);
}

export function addMessageFiles(db: Db, tenant: string, messageId: string, fileIds: string[], createdAt: number): void {
  for (const fileId of new Set(fileIds)) {
    db.insert(messageFiles).values({ tenant, messageId, fileId, createdAt }).onConflictDoNothing().run();
  }
}
