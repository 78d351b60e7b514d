/**
 * The database schema, in drizzle's TypeScript form. `npm run db:generate` turns changes here into a
 * new SQL migration in migrations/; the server applies pending migrations at start-up.
 *
 * Conventions:
 * - Every API object has a public `id` (OpenAI's format) and a private `seq` (autoincrement). Lists page
 *   and sort by `seq`, which follows creation order even for objects created in the same second.
 * - Every row carries the `tenant` of the API key that created it; every query filters on it.
 * - Parts of an object that the API only reads and writes whole (tools, metadata, content...) are
 *   JSON text columns, decoded by drizzle's `mode: 'json'`.
 * - Children reference parents with ON DELETE CASCADE, so deleting a thread deletes its messages,
 *   runs and steps in the same statement.
 */
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex, blob } from 'drizzle-orm/sqlite-core';

type Json = unknown;
type Metadata = Record<string, string>;

export const assistants = sqliteTable(
  'assistants',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    createdAt: integer('created_at').notNull(),
    model: text('model').notNull(),
    name: text('name'),
    description: text('description'),
    instructions: text('instructions'),
    tools: text('tools', { mode: 'json' }).$type<Json[]>().notNull(),
    toolResources: text('tool_resources', { mode: 'json' }).$type<Json>(),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>().notNull(),
    temperature: real('temperature'),
    topP: real('top_p'),
    responseFormat: text('response_format', { mode: 'json' }).$type<Json>(),
    reasoningEffort: text('reasoning_effort'),
  },
  (t) => [uniqueIndex('assistants_id').on(t.id), index('assistants_tenant_seq').on(t.tenant, t.seq)],
);

export const threads = sqliteTable(
  'threads',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    createdAt: integer('created_at').notNull(),
    toolResources: text('tool_resources', { mode: 'json' }).$type<Json>(),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>().notNull(),
  },
  (t) => [uniqueIndex('threads_id').on(t.id)],
);

export const messages = sqliteTable(
  'messages',
  {
    // Not AUTOINCREMENT: that rewrote sqlite_sequence on every insert, a fourth page in the WAL of each
    // message create (~7 µs of its ~50 µs of SQLite work, bench/create-sql.ts). The store numbers the
    // rows itself and never hands a number out twice (src/store/message-seq.ts).
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    threadId: text('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    role: text('role').$type<'user' | 'assistant'>().notNull(),
    status: text('status').$type<'in_progress' | 'incomplete' | 'completed'>().notNull(),
    content: text('content', { mode: 'json' }).$type<Json[]>().notNull(),
    attachments: text('attachments', { mode: 'json' }).$type<Json[]>(),
    assistantId: text('assistant_id'),
    runId: text('run_id'),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>().notNull(),
    completedAt: integer('completed_at'),
    incompleteAt: integer('incomplete_at'),
    incompleteDetails: text('incomplete_details', { mode: 'json' }).$type<Json>(),
  },
  (t) => [
    uniqueIndex('messages_id').on(t.id),
    index('messages_thread_seq').on(t.threadId, t.seq),
    // Partial: only a run's own messages have a run_id, and every query by run_id asks `run_id = ?`,
    // which SQLite knows implies IS NOT NULL. A message a caller creates (run_id NULL) then writes one
    // index page fewer to the WAL on commit: a sixth of a create's frames (docs/benchmarks.md).
    index('messages_run')
      .on(t.runId)
      .where(sql`${t.runId} IS NOT NULL`),
  ],
);

export const runs = sqliteTable(
  'runs',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    threadId: text('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    assistantId: text('assistant_id').notNull(),
    createdAt: integer('created_at').notNull(),
    status: text('status').notNull(),
    startedAt: integer('started_at'),
    expiresAt: integer('expires_at'),
    cancelledAt: integer('cancelled_at'),
    failedAt: integer('failed_at'),
    completedAt: integer('completed_at'),
    incompleteAt: integer('incomplete_at'),
    requiredAction: text('required_action', { mode: 'json' }).$type<Json>(),
    lastError: text('last_error', { mode: 'json' }).$type<Json>(),
    model: text('model').notNull(),
    instructions: text('instructions').notNull(),
    tools: text('tools', { mode: 'json' }).$type<Json[]>().notNull(),
    toolResources: text('tool_resources', { mode: 'json' }).$type<Json>(),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>().notNull(),
    temperature: real('temperature'),
    topP: real('top_p'),
    maxPromptTokens: integer('max_prompt_tokens'),
    maxCompletionTokens: integer('max_completion_tokens'),
    truncationStrategy: text('truncation_strategy', { mode: 'json' }).$type<Json>(),
    incompleteDetails: text('incomplete_details', { mode: 'json' }).$type<Json>(),
    usage: text('usage', { mode: 'json' }).$type<Json>(),
    responseFormat: text('response_format', { mode: 'json' }).$type<Json>(),
    toolChoice: text('tool_choice', { mode: 'json' }).$type<Json>(),
    parallelToolCalls: integer('parallel_tool_calls', { mode: 'boolean' }).notNull(),
    reasoningEffort: text('reasoning_effort'),
    /** How many model turns the engine has finished; scenario scripts are indexed by it. */
    turn: integer('turn').notNull().default(0),
    /** Engine-private state (the scenario chosen, include[] of the creating request, ...). */
    engineState: text('engine_state', { mode: 'json' }).$type<Json>(),
  },
  (t) => [uniqueIndex('runs_id').on(t.id), index('runs_thread_seq').on(t.threadId, t.seq), index('runs_status').on(t.status)],
);

export const runSteps = sqliteTable(
  'run_steps',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    threadId: text('thread_id').notNull(),
    assistantId: text('assistant_id').notNull(),
    createdAt: integer('created_at').notNull(),
    type: text('type').$type<'message_creation' | 'tool_calls'>().notNull(),
    status: text('status').notNull(),
    stepDetails: text('step_details', { mode: 'json' }).$type<Json>().notNull(),
    lastError: text('last_error', { mode: 'json' }).$type<Json>(),
    cancelledAt: integer('cancelled_at'),
    completedAt: integer('completed_at'),
    expiredAt: integer('expired_at'),
    failedAt: integer('failed_at'),
    usage: text('usage', { mode: 'json' }).$type<Json>(),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>(),
  },
  (t) => [uniqueIndex('run_steps_id').on(t.id), index('run_steps_run_seq').on(t.runId, t.seq)],
);

/**
 * What the control API tells about a run beyond the API's own object (GET /__admin/runs/{id}): every
 * status it went through, and who answered each of its turns. Kept apart from `runs` so that the
 * API's run reads and writes stay as they were; a row appears with the run's first status.
 */
export const runAudit = sqliteTable('run_audit', {
  runId: text('run_id')
    .primaryKey()
    .references(() => runs.id, { onDelete: 'cascade' }),
  tenant: text('tenant').notNull(),
  /** [{ status, at }], oldest first; `at` in unix seconds of the (virtual) clock. */
  history: text('history', { mode: 'json' }).$type<Json[]>().notNull(),
  /** [{ index, step_id, answered_by }], by turn index. */
  turns: text('turns', { mode: 'json' }).$type<Json[]>().notNull(),
});

export const files = sqliteTable(
  'files',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    createdAt: integer('created_at').notNull(),
    bytes: integer('bytes').notNull(),
    filename: text('filename').notNull(),
    purpose: text('purpose').notNull(),
    status: text('status').notNull(),
    statusDetails: text('status_details'),
    expiresAt: integer('expires_at'),
  },
  (t) => [uniqueIndex('files_id').on(t.id), index('files_tenant_seq').on(t.tenant, t.seq)],
);

/** File bytes live apart from the metadata rows so that listing files never reads them. */
export const fileContents = sqliteTable('file_contents', {
  fileId: text('file_id')
    .primaryKey()
    .references(() => files.id, { onDelete: 'cascade' }),
  data: blob('data', { mode: 'buffer' }).notNull(),
});

export const vectorStores = sqliteTable(
  'vector_stores',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    createdAt: integer('created_at').notNull(),
    name: text('name'),
    status: text('status').notNull(),
    lastActiveAt: integer('last_active_at'),
    expiresAfter: text('expires_after', { mode: 'json' }).$type<Json>(),
    expiresAt: integer('expires_at'),
    metadata: text('metadata', { mode: 'json' }).$type<Metadata>().notNull(),
  },
  (t) => [uniqueIndex('vector_stores_id').on(t.id), index('vector_stores_tenant_seq').on(t.tenant, t.seq)],
);

export const vectorStoreFileBatches = sqliteTable(
  'vector_store_file_batches',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    tenant: text('tenant').notNull(),
    vectorStoreId: text('vector_store_id')
      .notNull()
      .references(() => vectorStores.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    status: text('status').notNull(),
  },
  (t) => [uniqueIndex('vector_store_file_batches_id').on(t.id)],
);

export const vectorStoreFiles = sqliteTable(
  'vector_store_files',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** The file's id: a vector store file has no id of its own. */
    fileId: text('file_id').notNull(),
    tenant: text('tenant').notNull(),
    vectorStoreId: text('vector_store_id')
      .notNull()
      .references(() => vectorStores.id, { onDelete: 'cascade' }),
    batchId: text('batch_id'),
    createdAt: integer('created_at').notNull(),
    status: text('status').notNull(),
    usageBytes: integer('usage_bytes').notNull().default(0),
    lastError: text('last_error', { mode: 'json' }).$type<Json>(),
    chunkingStrategy: text('chunking_strategy', { mode: 'json' }).$type<Json>(),
    attributes: text('attributes', { mode: 'json' }).$type<Json>(),
  },
  (t) => [
    uniqueIndex('vector_store_files_store_file').on(t.vectorStoreId, t.fileId),
    index('vector_store_files_store_seq').on(t.vectorStoreId, t.seq),
    index('vector_store_files_batch').on(t.batchId),
  ],
);

/** Chunks of files indexed into vector stores; `chunks_fts` (an FTS5 table, see migrations) indexes `text`. */
export const chunks = sqliteTable(
  'chunks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    vectorStoreId: text('vector_store_id')
      .notNull()
      .references(() => vectorStores.id, { onDelete: 'cascade' }),
    fileId: text('file_id').notNull(),
    chunkIndex: integer('chunk_index').notNull(),
    text: text('text').notNull(),
  },
  (t) => [index('chunks_store_file').on(t.vectorStoreId, t.fileId)],
);

/** v1 only: files attached to an assistant (`/assistants/{id}/files`). */
export const assistantFiles = sqliteTable(
  'assistant_files',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    assistantId: text('assistant_id')
      .notNull()
      .references(() => assistants.id, { onDelete: 'cascade' }),
    fileId: text('file_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('assistant_files_pair').on(t.assistantId, t.fileId)],
);

/** v1 only: files attached to a message (`/threads/{id}/messages/{id}/files`). */
export const messageFiles = sqliteTable(
  'message_files',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    fileId: text('file_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('message_files_pair').on(t.messageId, t.fileId)],
);

/**
 * Where deleted objects stood in their lists, so a cursor naming one keeps its place (the clean-up
 * loop "list, delete each" pages with `after` = the last id of a page it has just deleted).
 * `list` is the listed table, `owner` the value of the column that names the list the row was in
 * (its tenant, thread, run, vector store, assistant or message), `position` its `seq` there.
 * Written in the transaction of the delete (src/store/deleted-cursors.ts), capped in size.
 */
export const deletedCursors = sqliteTable(
  'deleted_cursors',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    list: text('list').notNull(),
    owner: text('owner').notNull(),
    id: text('id').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('deleted_cursors_key').on(t.list, t.owner, t.id)],
);

/** Key-value state that must survive a restart (the virtual clock's offset, ...). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<Json>().notNull(),
  updatedAt: integer('updated_at')
    .notNull()
    .default(sql`(unixepoch())`),
});

export type AssistantRow = typeof assistants.$inferSelect;
export type ThreadRow = typeof threads.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type RunStepRow = typeof runSteps.$inferSelect;
export type RunAuditRow = typeof runAudit.$inferSelect;
export type FileRow = typeof files.$inferSelect;
export type VectorStoreRow = typeof vectorStores.$inferSelect;
export type VectorStoreFileRow = typeof vectorStoreFiles.$inferSelect;
export type VectorStoreFileBatchRow = typeof vectorStoreFileBatches.$inferSelect;
