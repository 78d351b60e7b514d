/**
 * v1's retrieval tool reads the files attached to the assistant (`file_ids`, /assistants/{id}/files)
 * and to the thread's messages (message `file_ids`); v2's file_search reads vector stores only. One
 * engine serves both versions, so when a run that can search is created, those files join the
 * thread's vector store (the one v2 message attachments use, created on first use), and the run's
 * search finds and cites them. Read through v2, the thread then shows that store in
 * tool_resources.file_search, much as OpenAI's v1 -> v2 migration moved retrieval files into stores.
 */
import type { AppContext } from '../../context.js';
import { assistantFileIds, threadMessageFileIds } from '../../store/attached-files.js';
import { findFile } from '../../store/files.js';

export function searchAttachedFiles(
  ctx: AppContext,
  tenant: string,
  threadId: string,
  assistantId: string,
  tools: readonly { type: string }[],
): void {
  // v1's `retrieval` is stored as `file_search` (src/domain/tools.ts).
  if (!tools.some((tool) => tool.type === 'file_search')) return;
  const attached = new Set([...assistantFileIds(ctx.db, assistantId), ...threadMessageFileIds(ctx.db, threadId)]);
  // A file deleted since it was attached is simply not searched (the real API drops it the same way).
  const existing = [...attached].filter((fileId) => findFile(ctx.db, tenant, fileId));
  if (existing.length > 0) ctx.attachFilesToThreadSearch?.(tenant, threadId, existing);
}
