/**
 * What domain rules and retrieval need from the app, as interfaces that the services the app factory
 * builds (src/server.ts) satisfy: the database, each tenant's time and a queue of delayed jobs. They
 * are declared here, not imported from the engine, so that the domain depends on nothing above it.
 */
import type { Db } from '../store/database.js';

/** Each tenant's view of virtual time (src/engine/tenant-clocks.ts). */
export interface TenantTime {
  nowSeconds(tenant?: string): number;
}

/** Jobs run later on a tenant's clock, replaced or cancelled by key (src/engine/scheduler.ts). */
export interface JobQueue {
  after(key: string, delayMs: number, fn: () => void, tenant?: string): void;
  cancel(key: string): void;
}

export interface DomainServices {
  db: Db;
  clocks: TenantTime;
  scheduler: JobQueue;
}
