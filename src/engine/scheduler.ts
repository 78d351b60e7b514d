import type { Clock } from './clock.js';

interface Entry {
  dueMs: number;
  fn: () => void;
  timer?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}

/**
 * Keyed timers on a Clock. One pending job per key (scheduling a key again replaces its job), which
 * is how the run engine keeps exactly one next step per run. Jobs due now run on the next turn of the
 * event loop, never synchronously, so a caller can finish its own work (answer the HTTP request,
 * subscribe a stream) before the job runs.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly clock: Clock) {
    this.unsubscribe = clock.onAdvance(() => this.rearmAll());
  }

  after(key: string, delayMs: number, fn: () => void): void {
    this.at(key, this.clock.nowMs() + Math.max(0, delayMs), fn);
  }

  at(key: string, dueMs: number, fn: () => void): void {
    if (this.closed) return;
    this.cancel(key);
    const entry: Entry = { dueMs, fn };
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
    const delay = entry.dueMs - this.clock.nowMs();
    if (delay <= 0) {
      entry.immediate = setImmediate(() => this.fire(key, entry));
    } else if (this.clock.realTime) {
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

  private rearmAll(): void {
    for (const [key, entry] of this.entries) {
      this.disarm(entry);
      this.arm(key, entry);
    }
  }

  private fire(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    entry.timer = undefined;
    entry.immediate = undefined;
    if (entry.dueMs > this.clock.nowMs()) {
      this.arm(key, entry); // woke early (timer cap or clock skew)
      return;
    }
    this.entries.delete(key);
    entry.fn();
  }
}
