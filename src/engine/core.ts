/**
 * What the engine's parts share: the app's services, the runs in progress, the publisher, the brain
 * chain, and the two scheduling entry points. Built once by RunEngine (./run-engine.ts).
 */
import type { Brain } from '../brains/brain.js';
import type { AppServices } from '../context.js';
import type { RunRow } from '../store/schema.js';
import type { RunPublisher } from './publishing.js';
import type { Phase, RunTasks } from './tasks.js';

export interface EngineCore {
  readonly ctx: AppServices;
  readonly tasks: RunTasks;
  readonly publish: RunPublisher;
  /** What decides each turn (src/brains/chain.ts). */
  readonly brain: Brain;
  /** True once the engine stopped: nothing is scheduled or carried out any more. */
  readonly stopped: boolean;
  /** Schedules the run's next phase (on its tenant's clock; held for an advance in manual mode). */
  schedule(run: Pick<RunRow, 'id' | 'tenant'>, phase: Phase, delayMs: number): void;
  /** Carries out a phase now; never throws or rejects (an error fails the run). */
  runPhase(runId: string, phase: Phase): void | Promise<void>;
}

/** The run's tenant's time in seconds: each tenant has its own view of virtual time. */
export function nowFor(core: EngineCore, tenant: string): number {
  return core.ctx.clocks.nowSeconds(tenant);
}
