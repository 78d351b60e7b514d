/**
 * The tables the API lists, each with the column that names the list a row belongs to. Lists page by
 * `seq` (src/store/pagination.ts); deletes remember where a row stood (src/store/deleted-cursors.ts).
 */
import type { ListedTable } from './deleted-cursors.js';
import {
  assistantFiles,
  assistants,
  files,
  messageFiles,
  messages,
  runSteps,
  runs,
  threads,
  vectorStoreFiles,
  vectorStores,
} from './schema.js';

export const LISTED = {
  assistants: { table: assistants, seq: assistants.seq, id: assistants.id, owner: assistants.tenant, tenant: assistants.tenant },
  // Threads are listed by the control API only (GET /__admin/threads).
  threads: { table: threads, seq: threads.seq, id: threads.id, owner: threads.tenant, tenant: threads.tenant },
  files: { table: files, seq: files.seq, id: files.id, owner: files.tenant, tenant: files.tenant },
  vectorStores: {
    table: vectorStores,
    seq: vectorStores.seq,
    id: vectorStores.id,
    owner: vectorStores.tenant,
    tenant: vectorStores.tenant,
  },
  messages: { table: messages, seq: messages.seq, id: messages.id, owner: messages.threadId, tenant: messages.tenant },
  runs: { table: runs, seq: runs.seq, id: runs.id, owner: runs.threadId, tenant: runs.tenant },
  runSteps: { table: runSteps, seq: runSteps.seq, id: runSteps.id, owner: runSteps.runId, tenant: runSteps.tenant },
  // A vector store file has no id of its own: it is listed by its file's id (also for a batch's files).
  vectorStoreFiles: {
    table: vectorStoreFiles,
    seq: vectorStoreFiles.seq,
    id: vectorStoreFiles.fileId,
    owner: vectorStoreFiles.vectorStoreId,
    tenant: vectorStoreFiles.tenant,
  },
  assistantFiles: {
    table: assistantFiles,
    seq: assistantFiles.seq,
    id: assistantFiles.fileId,
    owner: assistantFiles.assistantId,
    tenant: assistantFiles.tenant,
  },
  messageFiles: {
    table: messageFiles,
    seq: messageFiles.seq,
    id: messageFiles.fileId,
    owner: messageFiles.messageId,
    tenant: messageFiles.tenant,
  },
} satisfies Record<string, ListedTable>;
