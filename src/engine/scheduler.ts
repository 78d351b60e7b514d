import type { Clock } from './clock.js';
import { TenantClocks } from './tenant-clocks.js';

interface Entry {
  dueMs: number;
  fn: () => void;
  /** The tenant on whose clock `dueMs` is measured; none: the server's clock. */
  tenant?: string;
  timer?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}

/**
 * Keyed timers on a Clock. One pending job per key (scheduling a key again replaces its job), which
 * is how the run engine keeps exactly one next step per run. Jobs due now run on the next turn of the
 * event loop, never synchronously, so a caller can finish its own work (answer the HTTP request,
 * subscribe a stream) before the job runs.
 *
 * A job of a tenant is timed on that tenant's clock (src/engine/tenant-clocks.ts): the tenant's clock
 * advance re-arms that tenant's jobs only, the server's clock advance re-arms every job.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private readonly clocks: TenantClocks;
  private closed = false;

  constructor(time: Clock | TenantClocks) {
    this.clocks = time instanceof TenantClocks ? time : new TenantClocks(time);
    this.unsubscribe = this.clocks.onAdvance((tenant) => this.rearm(tenant));
  }

  /** Runs `fn` after `delayMs` of the tenant's time (the server's without a tenant). */
  after(key: string, delayMs: number, fn: () => void, tenant?: string): void {
    this.at(key, this.clocks.nowMs(tenant) + Math.max(0, delayMs), fn, tenant);
  }

  /** Runs `fn` when the tenant's time (the server's without a tenant) reaches `dueMs`. */
  at(key: string, dueMs: number, fn: () => void, tenant?: string): void {
    if (this.closed) return;
    this.cancel(key);
    const entry: Entry = { dueMs, fn, tenant };
    this.entries.set(key, entry);
    this.arm(key, entry);
  }

  cancel(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.disarm(entry);
    this.entries.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stops every timer; later `at`/`after` calls are ignored. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) this.disarm(entry);
    this.entries.clear();
    this.unsubscribe();
  }

  private arm(key: string, entry: Entry): void {
    const delay = entry.dueMs - this.clocks.nowMs(entry.tenant);
    if (delay <= 0) {
      entry.immediate = setImmediate(() => this.fire(key, entry));
    } else if (this.clocks.realTime) {
      // Node caps timers at 2^31-1 ms; re-arming on expiry handles longer waits.
      entry.timer = setTimeout(() => this.fire(key, entry), Math.min(delay, 2_147_483_647));
      entry.timer.unref();
    }
    // A manual clock with a future due time waits for clock.advance().
  }

  private disarm(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.immediate) clearImmediate(entry.immediate);
    entry.timer = undefined;
    entry.immediate = undefined;
  }

  /** After a clock moved: the tenant's jobs (every job, for the server's clock) are timed again. */
  private rearm(tenant: string | null): void {
    for (const [key, entry] of this.entries) {
      if (tenant !== null && entry.tenant !== tenant) continue;
      this.disarm(entry);
      this.arm(key, entry);
    }
  }

  private fire(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    entry.timer = undefined;
    entry.immediate = undefined;
    if (entry.dueMs > this.clocks.nowMs(entry.tenant)) {
      this.arm(key, entry); // woke early (timer cap or clock skew)
      return;
    }
    this.entries.delete(key);
    entry.fn();
  }
}
