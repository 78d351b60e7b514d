/**
 * POST /__admin/reset: forget the caller's tenant (or, with ?scope=all, every tenant): its objects
 * in every table, its runtime scenarios (with their hit counts and its unmatched mode), faults, request journal and clock offset. File scenarios
 * and the server's clock stay. `scope=all` is a server-wide action: with ADMIN_KEY set it needs the
 * operator's key (src/admin/auth.ts); a tenant's key resets its own tenant only.
 */
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import type { Db } from '../store/database.js';
import { forgetAllMessagePages } from '../store/message-pages.js';
import { forgetCachedThreads } from '../store/threads.js';
import { requireOperator } from './auth.js';

const ResetQuery = Type.Object(
  { scope: Type.Optional(Type.Union([Type.Literal('tenant'), Type.Literal('all')], { default: 'tenant' })) },
  { additionalProperties: false },
);

/**
 * The tables that hold tenant rows, found in the database itself: a table added by a later migration
 * is covered without a change here. Tables without a tenant column (file contents) hang off one that
 * has it and go with it by ON DELETE CASCADE.
 */
function tenantTables(db: Db): string[] {
  const sqlite = db.$client;
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'")
    .all() as { name: string }[];
  return tables
    .map((t) => t.name)
    .filter((name) =>
      (sqlite.prepare(`PRAGMA table_info("${name.replace(/"/g, '""')}")`).all() as { name: string }[]).some((c) => c.name === 'tenant'),
    );
}

/** Deletes the rows of one tenant (all rows with null) in one transaction; returns the count per table. */
export function deleteTenantRows(db: Db, tenant: string | null): Record<string, number> {
  const sqlite = db.$client;
  const deleted: Record<string, number> = {};
  const tables = tenantTables(db);
  sqlite.transaction(() => {
    // Children carry the tenant too, so the order of the deletes does not matter once foreign keys
    // are checked at commit rather than per statement. The rows are counted before any delete: a
    // parent deleted first takes its children with it (ON DELETE CASCADE acts at once, deferred or
    // not), and their own DELETE would then count none. (Table order is creation order, which a
    // migration that rebuilds a table changes: migrations/0005 moved messages after threads.)
    sqlite.pragma('defer_foreign_keys = ON');
    const where = tenant === null ? '' : ' WHERE tenant = ?';
    const args = tenant === null ? [] : [tenant];
    const quoted = (table: string) => `"${table.replace(/"/g, '""')}"`;
    for (const table of tables)
      deleted[table] = sqlite
        .prepare(`SELECT count(*) FROM ${quoted(table)}${where}`)
        .pluck()
        .get(...args) as number;
    for (const table of tables) sqlite.prepare(`DELETE FROM ${quoted(table)}${where}`).run(...args);
  })();
  // The deletes above bypass src/store/threads.ts and src/store/messages.ts.
  forgetCachedThreads(db);
  forgetAllMessagePages(db);
  return deleted;
}

export function resetRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(
    '/__admin/reset',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Forget the tenant's objects, runtime scenarios, faults, journal and clock (?scope=all: every tenant's, needs ADMIN_KEY when set)",
        querystring: ResetQuery,
      },
    },
    async (request) => {
      const scope = request.query.scope ?? 'tenant';
      if (scope === 'all') requireOperator(request, ctx.config);
      const tenant = scope === 'all' ? null : request.call.tenant;
      // Runs first: unfinished ones end `cancelled` (their streams get the final event and `done`), and
      // their timers go: a run timer firing between the delete and its own cancellation would find no row.
      ctx.engine.forgetTenant(tenant);
      const rows = deleteTenantRows(ctx.db, tenant);
      // A tenant's clock goes with its objects: nothing of it is left that the rewind could confuse.
      ctx.clocks.forget(tenant);
      return {
        object: 'mock.reset',
        scope,
        deleted: {
          rows,
          scenarios: ctx.scenarios.forgetTenant(tenant),
          faults: ctx.faults.clear(tenant),
          requests: ctx.journal.clear(tenant),
        },
      };
    },
  );
}
