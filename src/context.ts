/**
 * The services one server instance is made of, created in src/server.ts and handed to every route
 * module. Nothing here is global: two servers in one process (tests do this) share nothing.
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
import type { VectorStoreFactory } from './resources/tool-resources.js';

export interface AppContext {
  config: Config;
  db: Db;
  /** The server's clock; every tenant's time is this plus the tenant's own offset (`clocks`). */
  clock: Clock;
  /** Each tenant's view of virtual time: timestamps and timers of a tenant's objects use it. */
  clocks: TenantClocks;
  scheduler: Scheduler;
  bus: EventBus;
  /** Open SSE responses, ended cleanly on shutdown. */
  streams: StreamRegistry;
  engine: RunEngine;
  /** Scenario rules (src/brains/scenarios); the first link of the brain chain (src/brains/chain.ts). */
  scenarios: ScenarioRegistry;
  /** The control API's request journal (src/admin/journal.ts), filled for /v1 and /openai requests. */
  journal: RequestJournal;
  /** Injected HTTP faults per tenant (src/admin/faults.ts), applied before API routes run. */
  faults: FaultInjector;
  log?: FastifyBaseLogger;
  /** Resolves `tool_resources.file_search.vector_stores` helpers; set by the vector store module. */
  createVectorStoreFromHelper?: VectorStoreFactory;
  /** Adds files attached with file_search to the thread's vector store; set by the vector store module. */
  attachFilesToThreadSearch?: (tenant: string, threadId: string, fileIds: string[]) => void;
}
