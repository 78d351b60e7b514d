import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { listPage, type Page, type PageQuery } from './pagination.js';
import { deletedRowFields, rememberDeleted } from './deleted-cursors.js';
import { LISTED } from './lists.js';
import { takeMessageSeq } from './message-seq.js';
import { forgetMessagePages, keepMessagePage, keptMessagePage } from './message-pages.js';
import { messageFiles, messages, type MessageRow } from './schema.js';

export type NewMessage = Omit<MessageRow, 'seq'>;

/**
 * One prepared INSERT rather than drizzle's `insert().values().returning()`: drizzle built the SQL text
 * again on every call, which was a third of a message create's CPU (a `node --cpu-prof` of
 * bench/http.ts). The text is fixed, so SQLite compiles it once (src/store/database.ts keeps it).
 */
const INSERT_MESSAGE = `INSERT INTO messages (seq, id, tenant, thread_id, created_at, role, status, content, attachments, assistant_id,
  run_id, metadata, completed_at, incomplete_at, incomplete_details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A JSON column's text as drizzle writes it: SQL NULL stays NULL. */
const jsonText = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export function insertMessage(db: Db, row: NewMessage): MessageRow {
  const content = JSON.stringify(row.content);
  const attachments = jsonText(row.attachments);
  const metadata = JSON.stringify(row.metadata);
  const incompleteDetails = jsonText(row.incompleteDetails);
  forgetMessagePages(db, row.threadId);
  const seq = takeMessageSeq(db);
  db.$client
    .prepare(INSERT_MESSAGE)
    .run(
      seq,
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
    seq,
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
  const row = db.update(messages).set(changes).where(eq(messages.id, id)).returning().get();
  if (row) forgetMessagePages(db, row.threadId);
  return row;
}

export function deleteMessage(db: Db, tenant: string, threadId: string, id: string): boolean {
  forgetMessagePages(db, threadId);
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

export type MessageListQuery = PageQuery & { run_id?: string };

export function listMessages(db: Db, tenant: string, threadId: string, query: MessageListQuery): Page<MessageRow> {
  const scope = [
    [messages.threadId, threadId],
    [messages.tenant, tenant],
    [messages.runId, query.run_id || undefined],
  ] as const;
  return listPage<MessageRow>(db, LISTED.messages, scope, query);
}

/**
 * A page of messages serialized by `serialize`, from the pages kept in memory when there is one
 * (src/store/message-pages.ts says why and when they are dropped), else read, serialized and kept.
 * `view` names what `serialize` makes of a page (the API version): each view's pages are kept apart.
 */
export function listSerializedMessages(
  db: Db,
  tenant: string,
  threadId: string,
  query: MessageListQuery,
  view: string,
  serialize: (page: Page<MessageRow>) => string,
): string {
  // Every input of the page, as listPage reads it (a cursor that is not a string is no cursor).
  const cursor = (value: unknown) => (typeof value === 'string' ? value : '');
  const key = [view, tenant, query.limit ?? 20, query.order ?? 'desc', cursor(query.after), cursor(query.before), query.run_id || ''].join(
    '\n',
  );
  const kept = keptMessagePage(db, threadId, key);
  if (kept !== undefined) return kept;
  const page = listMessages(db, tenant, threadId, query);
  const text = serialize(page);
  if (!page.fromRememberedCursor) keepMessagePage(db, threadId, key, text);
  return text;
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
  // The message's v1 `file_ids` change.
  const threadId = findMessageById(db, messageId)?.threadId;
  if (threadId !== undefined) forgetMessagePages(db, threadId);
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
