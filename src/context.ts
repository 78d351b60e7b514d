/**
 * The services one server instance is made of, each built once by the app factory (src/server.ts)
 * and handed to the route modules and the engine; nothing is set on them afterwards. Nothing here is
 * global: two servers in one process (tests do this) share nothing.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ScenarioRegistry } from './brains/scenarios/registry.js';
import type { FaultInjector } from './admin/faults.js';
import type { RequestJournal } from './admin/journal.js';
import type { Config } from './config.js';
import type { Clock } from './engine/clock.js';
import type { Scheduler } from './engine/scheduler.js';
import type { TenantClocks } from './engine/tenant-clocks.js';
import type { RunEngine } from './engine/run-engine.js';
import type { EventBus } from './streaming/event-bus.js';
import type { StreamRegistry } from './streaming/sse.js';
import type { Db } from './store/database.js';

/** Every service but the engine: what the engine itself is built from. */
export interface AppServices {
  readonly config: Config;
  readonly db: Db;
  /** The server's clock; every tenant's time is this plus the tenant's own offset (`clocks`). */
  readonly clock: Clock;
  /** Each tenant's view of virtual time: timestamps and timers of a tenant's objects use it. */
  readonly clocks: TenantClocks;
  readonly scheduler: Scheduler;
  readonly bus: EventBus;
  /** Open SSE responses, ended cleanly on shutdown. */
  readonly streams: StreamRegistry;
  /** Scenario rules (src/brains/scenarios); the first link of the brain chain (src/brains/chain.ts). */
  readonly scenarios: ScenarioRegistry;
  /** The control API's request journal (src/admin/journal.ts), filled for /v1 and /openai requests. */
  readonly journal: RequestJournal;
  /** Injected HTTP faults per tenant (src/admin/faults.ts), applied before API routes run. */
  readonly faults: FaultInjector;
  readonly log?: FastifyBaseLogger;
}

export interface AppContext extends AppServices {
  readonly engine: RunEngine;
}
