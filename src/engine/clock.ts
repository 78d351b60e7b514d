/**
 * Time, as the whole server sees it. Every timestamp the API shows and every timer the scheduler sets
 * comes from a Clock, so a test can move time forward (POST /__admin/clock/advance, or a ManualClock
 * in-process) and see a run expire without waiting ten minutes.
 */
export interface Clock {
  /** Milliseconds since the epoch, in this clock's (possibly shifted) time. */
  nowMs(): number;
  /** Unix seconds, the unit of every `*_at` field of the API. */
  nowSeconds(): number;
  /** Move time forward. Timers that fall due fire at once. */
  advance(ms: number): void;
  /** True when time also moves by itself (then the scheduler uses real timers for future work). */
  readonly realTime: boolean;
  /** Called after every `advance`, so the scheduler can fire what fell due. */
  onAdvance(listener: () => void): () => void;
}

abstract class BaseClock implements Clock {
  private readonly listeners = new Set<() => void>();
  abstract readonly realTime: boolean;
  abstract nowMs(): number;
  protected abstract shift(ms: number): void;

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('A clock only moves forward.');
    this.shift(ms);
    for (const listener of this.listeners) listener();
  }

  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Wall-clock time plus an offset that only grows. The default. */
export class SystemClock extends BaseClock {
  readonly realTime = true;
  constructor(private offsetMs = 0) {
    super();
  }
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
  protected shift(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Time that stands still until a test advances it. Work due "now" still runs at once. */
export class ManualClock extends BaseClock {
  readonly realTime = false;
  constructor(private currentMs = Date.now()) {
    super();
  }
  nowMs(): number {
    return this.currentMs;
  }
  protected shift(ms: number): void {
    this.currentMs += ms;
  }
}
