/**
 * v1 only: /threads/{thread_id}/messages/{message_id}/files — list and retrieve (Azure spec
 * operations ListMessageFiles, GetMessageFile). Files are attached when the message is created
 * (v1 `file_ids`); the same rows back the message's v1 `file_ids`. A v2 caller gets 400 `invalid_beta`.
 */
import { MessageFileObject, serializeMessageFile } from '../../../../domain/messages/serializers.js';
import type { AppContext } from '../../../../context.js';
import { MessageFileParams, MessageParams } from '../../../params.js';
import type { TypedApp } from '../../../typed-app.js';
import { notFound } from '../../../../domain/errors.js';
import { ListOf, ListQuery } from '../../../../domain/schemas.js';
import { findMessageFile, listMessageFiles } from '../../../../store/attached-files.js';
import { listEnvelope } from '../../../../store/pagination.js';
import { requireV1 } from '../../assistants/files.js';
import { docs } from '../../common.js';
import { checkId } from '../../../../domain/ids.js';
import { requireMessage } from './messages.js';
import { requireThread } from '../threads.js';

const TAG = 'Message files (v1)';

export async function messageFilesRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  app.get(
    '/threads/:thread_id/messages/:message_id/files',
    {
      preValidation: requireV1,
      schema: {
        ...docs(TAG, 'List the files of a message (v1)'),
        params: MessageParams,
        querystring: ListQuery,
        response: { 200: ListOf(MessageFileObject) },
      },
    },
    async (request) => {
      const { tenant } = request.call;
      const { thread_id, message_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      const message = requireMessage(ctx, tenant, thread_id, message_id);
      const page = listMessageFiles(ctx.db, message.id, request.query);
      return listEnvelope(page.rows.map(serializeMessageFile), page.hasMore);
    },
  );

  app.get(
    '/threads/:thread_id/messages/:message_id/files/:file_id',
    {
      preValidation: requireV1,
      schema: { ...docs(TAG, 'Retrieve a message file (v1)'), params: MessageFileParams, response: { 200: MessageFileObject } },
    },
    async (request) => {
      const { tenant } = request.call;
      const { thread_id, message_id, file_id } = request.params;
      requireThread(ctx, tenant, thread_id);
      const message = requireMessage(ctx, tenant, thread_id, message_id);
      const row = findMessageFile(ctx.db, message.id, checkId('file_id', file_id));
      if (!row) throw notFound('message file', file_id);
      return serializeMessageFile(row);
    },
  );
}
