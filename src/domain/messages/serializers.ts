/** The message object as the API shows it, in the v1 or v2 shape; v1's message files too. */
import { Type } from '@sinclair/typebox';
import type { AttachedFileRow } from '../../store/attached-files.js';
import type { Db } from '../../store/database.js';
import { messageFileIds } from '../../store/messages.js';
import type { MessageRow } from '../../store/schema.js';
import type { ApiVersion } from '../api-version.js';

// Object literals, not `{ ...common, ... }`: on Node 20 that spread costs microseconds per object
// (measured: 5.8 µs against 0.03 µs), which a page of 100 messages pays a hundred times.
export function serializeMessage(row: MessageRow, version: ApiVersion, fileIds: string[] = []) {
  if (version === 'v1') {
    return {
      id: row.id,
      object: 'thread.message' as const,
      created_at: row.createdAt,
      assistant_id: row.assistantId,
      thread_id: row.threadId,
      run_id: row.runId,
      role: row.role,
      content: v1Content(row.content),
      file_ids: fileIds,
      status: row.status,
      incomplete_details: row.incompleteDetails ?? null,
      completed_at: row.completedAt,
      incomplete_at: row.incompleteAt,
      metadata: row.metadata,
    };
  }
  return {
    id: row.id,
    object: 'thread.message' as const,
    created_at: row.createdAt,
    assistant_id: row.assistantId,
    thread_id: row.threadId,
    run_id: row.runId,
    role: row.role,
    content: row.content,
    attachments: row.attachments ?? [],
    metadata: row.metadata,
    status: row.status,
    incomplete_details: row.incompleteDetails ?? null,
    completed_at: row.completedAt,
    incomplete_at: row.incompleteAt,
  };
}

interface TextPart {
  type: 'text';
  text: { value: string; annotations: { type: string; start_index: number; file_citation?: Record<string, unknown> }[] };
}

/**
 * v1 file citations carry the quoted text (`file_citation.quote`, required in the Azure spec and in
 * v1-era clients such as openai-kotlin); v2 dropped it. The quote is the quoted passage just before
 * the citation marker (`"..."【4:0†file】`), or empty when there is none.
 */
export function v1Content(content: unknown[]): unknown[] {
  return content.map((part) => {
    const p = part as TextPart;
    if (p.type !== 'text' || !p.text.annotations.some((a) => a.type === 'file_citation')) return part;
    const annotations = p.text.annotations.map((a) => {
      if (a.type !== 'file_citation' || !a.file_citation || 'quote' in a.file_citation) return a;
      return { ...a, file_citation: { ...a.file_citation, quote: quoteBefore(p.text.value, a.start_index) } };
    });
    return { ...p, text: { ...p.text, annotations } };
  });
}

function quoteBefore(text: string, index: number): string {
  const before = text.slice(0, index);
  if (!before.endsWith('"')) return '';
  const open = before.lastIndexOf('"', before.length - 2);
  return open >= 0 ? before.slice(open + 1, -1) : '';
}

export function serializeMessageFor(ctx: { db: Db }, row: MessageRow, version: ApiVersion) {
  return serializeMessage(row, version, version === 'v1' ? messageFileIds(ctx.db, row.id) : []);
}

export const MessageFileObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('thread.message.file'),
  created_at: Type.Integer(),
  message_id: Type.String(),
});

export function serializeMessageFile(row: AttachedFileRow) {
  return { id: row.fileId, object: 'thread.message.file' as const, created_at: row.createdAt, message_id: row.ownerId };
}
