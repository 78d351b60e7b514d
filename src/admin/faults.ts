/**
 * Fault injection: per-tenant rules that make matching API requests slow, or fail with the status
 * and body the real service would send (429 with retry-after, 500, 503, ...), a number of times or
 * with a probability. Probabilities draw from a seeded generator per fault, so tests repeat exactly.
 */
import { randomBytes } from 'node:crypto';
import { invalidParam, type ApiError } from '../domain/errors.js';
import { injectedFault } from './errors.js';
import { compilePathPattern, type PathTest } from './path-pattern.js';
import { randomSeed, seededRandom, type Random } from '../util/prng.js';
import { TenantLists } from '../util/tenant-lists.js';

export interface FaultSpec {
  /** HTTP method; absent or '*' for any. */
  method?: string;
  /** Exact path, glob with `*`, or `/regex/`; absent for every API request. */
  path?: string;
  /** Status to answer with; absent for a latency-only fault. */
  status?: number;
  /** Fire this many times, then stop; absent for no limit. */
  count?: number;
  /** Chance in [0, 1] that a matching request is hit; absent for always. */
  probability?: number;
  /** Added delay (real milliseconds) before the answer. */
  latency_ms?: number;
  /** Seconds for retry-after / retry-after-ms; default 1 on a 429, absent otherwise. */
  retry_after?: number;
  /** Replaces the error message of the body. */
  error?: string;
  /** Seed of the generator behind `probability`. */
  seed?: number;
}

/** A fault as the control API shows it. */
export interface Fault {
  id: string;
  object: 'mock.fault';
  created_at: number;
  method: string;
  path: string;
  status: number | null;
  count: number | null;
  /** Firings left (null: no limit). An exhausted fault stays listed with 0 until deleted. */
  remaining: number | null;
  probability: number | null;
  latency_ms: number;
  retry_after: number | null;
  error: string | null;
  seed: number;
  /** How many requests it has hit so far. */
  hits: number;
}

interface Entry {
  fault: Fault;
  matchesPath: PathTest;
  random: Random;
}

/** What the injector decided for one request. */
export interface FaultOutcome {
  latencyMs: number;
  error?: ApiError;
  faultIds: string[];
}

const DEFAULT_RETRY_AFTER_429 = 1;

export class FaultInjector {
  private readonly byTenant = new TenantLists<Entry>();

  /** Validates and stores a fault; throws a 400 ApiError for a spec that cannot work. */
  add(tenant: string, spec: FaultSpec, nowSeconds: number): Fault {
    if (spec.status === undefined && !spec.latency_ms) {
      throw invalidParam('status', 'a fault needs a status, a latency_ms, or both.');
    }
    const path = spec.path ?? '*';
    let matchesPath: PathTest;
    try {
      matchesPath = compilePathPattern(path);
    } catch (error) {
      throw invalidParam('path', `not a valid regular expression (${(error as Error).message}).`);
    }
    const seed = spec.seed ?? randomSeed();
    const retryAfter = spec.retry_after ?? (spec.status === 429 ? DEFAULT_RETRY_AFTER_429 : undefined);
    const fault: Fault = {
      id: `fault_${randomBytes(12).toString('hex')}`,
      object: 'mock.fault',
      created_at: nowSeconds,
      method: spec.method && spec.method !== '*' ? spec.method.toUpperCase() : '*',
      path,
      status: spec.status ?? null,
      count: spec.count ?? null,
      remaining: spec.count ?? null,
      probability: spec.probability ?? null,
      latency_ms: spec.latency_ms ?? 0,
      retry_after: retryAfter ?? null,
      error: spec.error ?? null,
      seed,
      hits: 0,
    };
    const entries = this.byTenant.get(tenant) ?? [];
    entries.push({ fault, matchesPath, random: seededRandom(seed) });
    this.byTenant.set(tenant, entries);
    return { ...fault };
  }

  list(tenant: string): Fault[] {
    return (this.byTenant.get(tenant) ?? []).map((e) => ({ ...e.fault }));
  }

  remove(tenant: string, id: string): boolean {
    const entries = this.byTenant.get(tenant) ?? [];
    const kept = entries.filter((e) => e.fault.id !== id);
    if (kept.length === entries.length) return false;
    this.byTenant.set(tenant, kept);
    return true;
  }

  /** Removes a tenant's faults (every tenant's with null); returns how many. */
  clear(tenant: string | null): number {
    return this.byTenant.clear(tenant);
  }

  /** Whether any fault is set for the tenant: the common case, no fault, costs one Map lookup. */
  any(tenant: string): boolean {
    return (this.byTenant.get(tenant)?.length ?? 0) > 0;
  }

  /**
   * Decides a request's fate and uses up what fired. Faults are tried in creation order: each one
   * that fires adds its latency; the first that fires with a status ends the request with it.
   */
  take(tenant: string, method: string, path: string): FaultOutcome | undefined {
    const entries = this.byTenant.get(tenant);
    if (!entries?.length) return undefined;
    const outcome: FaultOutcome = { latencyMs: 0, faultIds: [] };
    for (const { fault, matchesPath, random } of entries) {
      if (fault.remaining === 0) continue;
      if (fault.method !== '*' && fault.method !== method.toUpperCase()) continue;
      if (!matchesPath(path)) continue;
      if (fault.probability !== null && random() >= fault.probability) continue;
      fault.hits += 1;
      if (fault.remaining !== null) fault.remaining -= 1;
      outcome.faultIds.push(fault.id);
      outcome.latencyMs += fault.latency_ms;
      if (fault.status !== null) {
        outcome.error = injectedFault(fault.status, retryHeaders(fault.retry_after), fault.error ?? undefined);
        break;
      }
    }
    return outcome.faultIds.length > 0 ? outcome : undefined;
  }
}

/** The SDKs prefer retry-after-ms (exact, may be fractional) and fall back to retry-after (seconds). */
function retryHeaders(seconds: number | null): Record<string, string> {
  if (seconds === null) return {};
  return { 'retry-after': String(Math.ceil(seconds)), 'retry-after-ms': String(Math.round(seconds * 1000)) };
}
