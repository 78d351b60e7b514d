/**
 * A page of messages as the bytes the API sends: what the reply serializer (src/server.ts) makes of
 * the list envelope, kept by the store until the thread's messages change (src/store/message-pages.ts
 * says why), so that a page read again is not read from SQLite and pretty-printed again.
 */
import type { ApiVersion } from '../api-version.js';
import type { Db } from '../../store/database.js';
import { listSerializedMessages, type MessageListQuery } from '../../store/messages.js';
import { listEnvelope } from '../../store/pagination.js';
import { serializeMessageFor } from './serializers.js';

/** Pretty-printed JSON with two-space indentation: what src/server.ts's reply serializer makes of any answer. */
const serializeReply = (payload: unknown) => JSON.stringify(payload, null, 2);

/** The list page of a thread's messages in the caller's API version, serialized. */
export function serializedMessagePage(
  ctx: { db: Db },
  tenant: string,
  threadId: string,
  query: MessageListQuery,
  version: ApiVersion,
): string {
  return listSerializedMessages(ctx.db, tenant, threadId, query, version, (page) =>
    serializeReply(
      listEnvelope(
        page.rows.map((row) => serializeMessageFor(ctx, row, version)),
        page.hasMore,
      ),
    ),
  );
}
