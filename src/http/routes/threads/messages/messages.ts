/**
 * /threads/{thread_id}/messages: create, list, retrieve, modify, delete.
 */
import { serializeMessageFor } from '../../../../domain/messages/serializers.js';
import type { AppContext } from '../../../../context.js';
import { MessageParams, ThreadParams } from '../../../params.js';
import type { TypedApp } from '../../../typed-app.js';
import { notFound, threadLockedForMessages } from '../../../../domain/errors.js';
import { DeletedObject } from '../../../../domain/schemas.js';
import { deleteMessage, findMessage, updateMessage } from '../../../../store/messages.js';
import { activeRunId } from '../../../../store/runs.js';
import { committed, inWriteBatch } from '../../../../store/write-batch.js';
import type { MessageRow } from '../../../../store/schema.js';
import { docs } from '../../common.js';
import { checkId } from '../../../../domain/ids.js';
import { requireThread } from '../threads.js';
import { insertInputMessages, MessageInput } from '../../../../domain/messages/input.js';
import { ListMessagesQuery, ModifyMessageBody } from '../../../../domain/messages/schemas.js';
import { serializedMessagePage } from '../../../../domain/messages/serialized-page.js';

export function requireMessage(ctx: AppContext, tenant: string, threadId: string, messageId: string): MessageRow {
  const row = findMessage(ctx.db, tenant, threadId, checkId('message_id', messageId));
  if (!row) throw notFound('message', messageId);
  return row;
}

export async function messagesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.post(
    '/threads/:thread_id/messages',
    { schema: { ...docs('Messages', 'Create a message'), params: ThreadParams, body: MessageInput } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id } = request.params;
      const { body } = request;
      // The thread is read before the write transaction, not in it: a read inside a transaction never
      // fills the thread cache (src/store/threads.ts), so every create read the row from SQLite again
      // (a `node --cpu-prof` of bench/http.ts). Nothing can run in between: better-sqlite3 is
      // synchronous and nothing here awaits, so the thread checked is the thread written to.
      requireThread(ctx, tenant, thread_id);
      // Committed with the other creates of this turn of the event loop (src/store/write-batch.ts), and
      // answered once that commit is done.
      const row = inWriteBatch(ctx.db, () => {
        const active = activeRunId(ctx.db, thread_id);
        if (active !== undefined) throw threadLockedForMessages(thread_id, active);
        return insertInputMessages(ctx, tenant, thread_id, [body], apiVersion)[0];
      });
      await committed(ctx.db);
      return serializeMessageFor(ctx, row, apiVersion);
    },
  );

  app.get(
    '/threads/:thread_id/messages',
    { schema: { ...docs('Messages', 'List messages'), params: ThreadParams, querystring: ListMessagesQuery } },
    async (request, reply) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      // Already serialized, often a page the store kept (src/store/message-pages.ts): sent as it is,
      // with the type Fastify gives the reply serializer's JSON.
      reply.type('application/json; charset=utf-8');
      return serializedMessagePage(ctx, tenant, thread_id, request.query, apiVersion);
    },
  );

  app.get(
    '/threads/:thread_id/messages/:message_id',
    { schema: { ...docs('Messages', 'Retrieve a message'), params: MessageParams } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, message_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      return serializeMessageFor(ctx, requireMessage(ctx, tenant, thread_id, message_id), apiVersion);
    },
  );

  app.post(
    '/threads/:thread_id/messages/:message_id',
    { schema: { ...docs('Messages', 'Modify a message'), params: MessageParams, body: ModifyMessageBody } },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const { thread_id, message_id } = request.params;
      const { body } = request;
      requireThread(ctx, tenant, thread_id);
      const current = requireMessage(ctx, tenant, thread_id, message_id);
      const row = body.metadata !== undefined ? updateMessage(ctx.db, current.id, { metadata: body.metadata ?? {} })! : current;
      return serializeMessageFor(ctx, row, apiVersion);
    },
  );

  app.delete(
    '/threads/:thread_id/messages/:message_id',
    {
      schema: {
        ...docs('Messages', 'Delete a message'),
        params: MessageParams,
        response: { 200: DeletedObject('thread.message.deleted') },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { thread_id, message_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      requireMessage(ctx, tenant, thread_id, message_id);
      deleteMessage(ctx.db, tenant, thread_id, message_id);
      return { id: message_id, object: 'thread.message.deleted', deleted: true };
    },
  );
}
