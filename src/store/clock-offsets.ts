/**
 * The virtual clocks' offsets, kept in the settings table so a restart does not move time backwards
 * under runs created after an advance: the server's under `clock_offset_ms`, each tenant's under
 * `clock_offset_ms:<tenant>` (src/engine/tenant-clocks.ts).
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { settings } from './schema.js';

const SERVER_KEY = 'clock_offset_ms';
const TENANT_PREFIX = 'clock_offset_ms:';
/** Keys of tenants' offsets (a prefix test: LIKE would read the `_` of the prefix as a wildcard). */
const isTenantKey = sql`substr(${settings.key}, 1, ${TENANT_PREFIX.length}) = ${TENANT_PREFIX}`;

function save(db: Db, key: string, offsetMs: number): void {
  db.insert(settings)
    .values({ key, value: offsetMs })
    .onConflictDoUpdate({ target: settings.key, set: { value: offsetMs } })
    .run();
}

export function loadServerClockOffset(db: Db): number {
  const row = db.select().from(settings).where(eq(settings.key, SERVER_KEY)).get();
  return typeof row?.value === 'number' ? row.value : 0;
}

export function saveServerClockOffset(db: Db, offsetMs: number): void {
  save(db, SERVER_KEY, offsetMs);
}

export function loadTenantClockOffsets(db: Db): Map<string, number> {
  const offsets = new Map<string, number>();
  for (const row of db.select().from(settings).where(isTenantKey).all()) {
    if (typeof row.value === 'number') offsets.set(row.key.slice(TENANT_PREFIX.length), row.value);
  }
  return offsets;
}

/** Stores a tenant's offset; null deletes it (every tenant's, with a null tenant). */
export function saveTenantClockOffset(db: Db, tenant: string | null, offsetMs: number | null): void {
  if (tenant !== null && offsetMs !== null) return save(db, TENANT_PREFIX + tenant, offsetMs);
  if (tenant === null) db.delete(settings).where(isTenantKey).run();
  else
    db.delete(settings)
      .where(eq(settings.key, TENANT_PREFIX + tenant))
      .run();
}
