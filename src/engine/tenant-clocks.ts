/**
 * Each tenant's view of virtual time: the server's clock plus the tenant's own offset.
 *
 * Parallel suites share one server, so a suite that moves time forward (to see its run expire) must
 * not move anyone else's: POST /__admin/clock/advance with a tenant's key grows that tenant's offset
 * only, and only the timers of that tenant fire (src/engine/scheduler.ts). The server's clock (an
 * operator's `?scope=server` advance, or a ManualClock handed in by a test) moves every tenant.
 * Timestamps of a tenant's objects come from its view too, so a run's `expires_at` and the timer
 * that expires it agree.
 */
import type { Clock } from './clock.js';

/** The largest offset a clock may have (the server's, or one tenant's): 100 years. */
export const MAX_CLOCK_OFFSET_MS = 100 * 365 * 24 * 3600 * 1000;

/** Told the tenant whose clock moved, or null when the server's clock moved (every tenant's time). */
export type ClockAdvanceListener = (tenant: string | null) => void;

export class TenantClocks {
  private readonly listeners = new Set<ClockAdvanceListener>();

  /**
   * @param server the server's clock, shared by every tenant
   * @param offsets the tenants' offsets (ms) as stored; a tenant without one has the server's time
   * @param persist stores a tenant's new offset (null: forget it), so a restart keeps it
   */
  constructor(
    readonly server: Clock,
    private readonly offsets = new Map<string, number>(),
    private readonly persist?: (tenant: string | null, offsetMs: number | null) => void,
  ) {}

  /** True when time also moves by itself (then the scheduler uses real timers). */
  get realTime(): boolean {
    return this.server.realTime;
  }

  /** Milliseconds since the epoch in the tenant's time (the server's time without a tenant). */
  nowMs(tenant?: string): number {
    const base = this.server.nowMs();
    if (tenant === undefined) return base;
    return base + (this.offsets.get(tenant) ?? 0);
  }

  /** Unix seconds in the tenant's time, the unit of every `*_at` field. */
  nowSeconds(tenant?: string): number {
    return Math.floor(this.nowMs(tenant) / 1000);
  }

  /** How far the tenant's clock is ahead of the server's. */
  offsetOf(tenant: string): number {
    return this.offsets.get(tenant) ?? 0;
  }

  /** Moves one tenant's clock forward (bounded by MAX_CLOCK_OFFSET_MS); its timers that fall due fire. */
  advance(tenant: string, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('A clock only moves forward.');
    const next = this.offsetOf(tenant) + ms;
    if (next > MAX_CLOCK_OFFSET_MS) throw new RangeError('A clock offset is at most 100 years.');
    this.offsets.set(tenant, next);
    this.persist?.(tenant, next);
    for (const listener of this.listeners) listener(tenant);
  }

  /** Reset: the tenant's clock (every tenant's with null) is the server's again. */
  forget(tenant: string | null): void {
    if (tenant === null) this.offsets.clear();
    else this.offsets.delete(tenant);
    this.persist?.(tenant, null);
  }

  /** Calls `listener` after every advance, of a tenant's clock or of the server's; returns the unsubscribe. */
  onAdvance(listener: ClockAdvanceListener): () => void {
    this.listeners.add(listener);
    const unsubscribeServer = this.server.onAdvance(() => listener(null));
    return () => {
      this.listeners.delete(listener);
      unsubscribeServer();
    };
  }
}
