import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type PageQuery } from './pagination.js';
import { deletedRowFields, rememberDeleted } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { messageFiles, messages, type MessageRow } from './schema.js';

export type NewMessage = Omit<MessageRow, 'seq'>;

/**
 * One prepared INSERT rather than drizzle's `insert().values().returning()`: drizzle built the SQL text
 * again on every call, which was a third of a message create's CPU (a `node --cpu-prof` of
 * bench/http.ts). The text is fixed, so SQLite compiles it once (src/store/database.ts keeps it).
 */
const INSERT_MESSAGE = `INSERT INTO messages (id, tenant, thread_id, created_at, role, status, content, attachments, assistant_id,
  run_id, metadata, completed_at, incomplete_at, incomplete_details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A JSON column's text as drizzle writes it: SQL NULL stays NULL. */
const jsonText = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export function insertMessage(db: Db, row: NewMessage): MessageRow {
  const content = JSON.stringify(row.content);
  const attachments = jsonText(row.attachments);
  const metadata = JSON.stringify(row.metadata);
  const incompleteDetails = jsonText(row.incompleteDetails);
  const { lastInsertRowid } = db.$client
    .prepare(INSERT_MESSAGE)
    .run(
      row.id,
      row.tenant,
      row.threadId,
      row.createdAt,
      row.role,
      row.status,
      content,
      attachments,
      row.assistantId ?? null,
      row.runId ?? null,
      metadata,
      row.completedAt ?? null,
      row.incompleteAt ?? null,
      incompleteDetails,
    );
  // The row as a read would return it (what `returning()` gave): JSON columns parsed from the stored
  // text, so the caller gets copies, never the objects it passed in.
  return {
    seq: Number(lastInsertRowid),
    id: row.id,
    tenant: row.tenant,
    threadId: row.threadId,
    createdAt: row.createdAt,
    role: row.role,
    status: row.status,
    content: JSON.parse(content) as MessageRow['content'],
    attachments: attachments === null ? null : (JSON.parse(attachments) as MessageRow['attachments']),
    assistantId: row.assistantId ?? null,
    runId: row.runId ?? null,
    metadata: JSON.parse(metadata) as MessageRow['metadata'],
    completedAt: row.completedAt ?? null,
    incompleteAt: row.incompleteAt ?? null,
    incompleteDetails: incompleteDetails === null ? null : (JSON.parse(incompleteDetails) as MessageRow['incompleteDetails']),
  };
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

/** A run's assistant messages still in progress end `incomplete` with this reason; returns them as stored. */
export function closeOpenMessagesOfRun(db: Db, runId: string, reason: string, now: number): MessageRow[] {
  const open = db
    .select()
    .from(messages)
    .where(and(eq(messages.runId, runId), eq(messages.status, 'in_progress')))
    .all();
  return open.map((m) => updateMessage(db, m.id, { status: 'incomplete', incompleteAt: now, incompleteDetails: { reason } })!);
}
