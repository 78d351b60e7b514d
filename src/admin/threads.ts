/**
 * GET /__admin/threads: the caller's tenant's threads, newest first, cursor-paginated like every
 * list of the API (limit, order, after, before). The public API has no way to list threads; the
 * web inspector (docs/ui.md) and a test that wants to see what its code created use this one.
 */
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import { ListQuery } from '../domain/schemas.js';
import { serializeThread } from '../domain/threads/serializers.js';
import { listEnvelope, listPage } from '../store/pagination.js';
import { LISTED } from '../store/lists.js';
import { threads } from '../store/schema.js';
import type { ThreadRow } from '../store/schema.js';

export function threadListRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/__admin/threads',
    {
      schema: {
        tags: ['admin'],
        summary: "List the tenant's threads (cursor-paginated: limit, order, after, before)",
        querystring: ListQuery,
      },
    },
    async (request) => {
      const { tenant, apiVersion } = request.call;
      const page = listPage<ThreadRow>(ctx.db, LISTED.threads, [[threads.tenant, tenant]], request.query);
      return listEnvelope(
        page.rows.map((row) => serializeThread(row, apiVersion)),
        page.hasMore,
      );
    },
  );
}
