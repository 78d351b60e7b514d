/**
 * /threads: create (with initial messages), retrieve, modify, delete.
 */
import { serializeThread } from '../../../domain/threads/serializers.js';
import type { AppContext } from '../../../context.js';
import { ThreadParams } from '../../params.js';
import type { TypedApp } from '../../typed-app.js';
import type { ApiVersion } from '../../../domain/api-version.js';
import { notFound } from '../../../domain/errors.js';
import { DeletedObject } from '../../../domain/schemas.js';
import type { ThreadRow } from '../../../store/schema.js';
import { deleteThread, findThread, insertThread, updateThread } from '../../../store/threads.js';
import { newId } from '../../../util/ids.js';
import { docs } from '../common.js';
import { checkId } from '../../../domain/ids.js';
import { insertInputMessages } from '../../../domain/messages/input.js';
import { normalizeToolResources } from '../../../domain/tool-resources.js';
import { CreateThreadBody, ModifyThreadBody } from '../../../domain/threads/schemas.js';

export function requireThread(ctx: AppContext, tenant: string, id: string): ThreadRow {
  const row = findThread(ctx.db, tenant, checkId('thread_id', id));
  if (!row) throw notFound('thread', id);
  return row;
}

/** Inserts a thread and its initial messages; call inside a transaction. */
export function createThreadWithMessages(ctx: AppContext, tenant: string, body: CreateThreadBody, version: ApiVersion): ThreadRow {
  const thread = insertThread(ctx.db, {
    id: newId('thread'),
    tenant,
    createdAt: ctx.clocks.nowSeconds(tenant),
    toolResources: normalizeToolResources(body.tool_resources, tenant, ctx),
    metadata: body.metadata ?? {},
  });
  insertInputMessages(ctx, tenant, thread.id, body.messages ?? [], version);
  // Attachments with file_search may have given the thread a vector store: read it back.
  return findThread(ctx.db, tenant, thread.id) ?? thread;
}

export async function threadsRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post('/threads', { schema: { ...docs('Threads', 'Create a thread'), body: CreateThreadBody } }, async (request) => {
    const { tenant, apiVersion } = request.call;
    const { body } = request;
    const thread = ctx.db.transaction(() => createThreadWithMessages(ctx, tenant, body, apiVersion));
    return serializeThread(thread, apiVersion);
  });

  app.get('/threads/:thread_id', { schema: { ...docs('Threads', 'Retrieve a thread'), params: ThreadParams } }, async (request) => {
    const { tenant, apiVersion } = request.call;
    const { thread_id } = request.params;
    return serializeThread(requireThread(ctx, tenant, thread_id), apiVersion);
  });

  app.post(
    '/threads/:thread_id',
    { schema: { ...docs('Threads', 'Modify a thread'), params: ThreadParams, body: ModifyThreadBody } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id } = request.params;
      const { body } = request;
      requireThread(ctx, tenant, thread_id);
      const changes: Partial<ThreadRow> = {};
      if (body.metadata !== undefined) changes.metadata = body.metadata ?? {};
      if (body.tool_resources !== undefined) {
        changes.toolResources = normalizeToolResources(body.tool_resources, tenant, ctx);
      }
      const row = ctx.db.transaction(() => updateThread(ctx.db, tenant, thread_id, changes)!);
      return serializeThread(row, apiVersion);
    },
  );

  app.delete(
    '/threads/:thread_id',
    {
      schema: { ...docs('Threads', 'Delete a thread'), params: ThreadParams, response: { 200: DeletedObject('thread.deleted') } },
    },
    async (request) => {
      const { tenant } = request.call;
      const { thread_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      ctx.engine.forgetThread(thread_id);
      deleteThread(ctx.db, tenant, thread_id);
      return { id: thread_id, object: 'thread.deleted', deleted: true };
    },
  );
}
