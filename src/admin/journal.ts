/**
 * The request journal: the last API requests of each tenant (method, path, query, headers, body,
 * status, timing), kept in memory in a bounded buffer, so a test can assert what its code sent.
 * Bounded three ways: entries per tenant, tenants, and bytes in all (the oldest entries, of any
 * tenant, go first); docs/reliability.md lists the figures.
 */
import type { AnsweredBy } from '../brains/types.js';
import { compilePathPattern, isRegexPattern } from './path-pattern.js';
import { StreamSummary } from '../streaming/stream-summary.js';
import { SpareChunks, TenantLog, type KeptRequest, type RecordedRequest, type StreamSummarySnapshot } from './journal-log.js';

export type { RecordedRequest } from './journal-log.js';

export interface JournalEntry {
  /** The request id, also sent back in the x-request-id header. */
  id: string;
  object: 'mock.request';
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Request headers, with the values of credentials replaced by '[redacted]'. */
  headers: Record<string, string | string[]>;
  /** The parsed JSON body; null for no body, a body that is not JSON, or one over the size cap. */
  body: unknown;
  /** True when a JSON body was left out for its size. */
  body_truncated: boolean;
  /**
   * What the server answered: the parsed JSON (errors too); a text answer that is not JSON as a string;
   * for a stream (`text/event-stream`) a StreamSummary of its events, not the events themselves; null
   * for no body, a binary one (file content) or one over the size cap.
   */
  response_body: unknown;
  /** True when a response body was left out for its size. */
  response_body_truncated: boolean;
  status: number;
  duration_ms: number;
  /** When the request arrived, in unix milliseconds of the wall clock. */
  timestamp: number;
  /** The run this request created or resumed (create run, create thread and run, submit tool outputs). */
  run_id: string | null;
  /** Who answered the turn this request started; null until the turn is decided, or for other requests. */
  answered_by: AnsweredBy | null;
}

/** Who answered turn `index` of a run, if it has been decided (src/store/run-audit.ts). */
export type TurnLookup = (runId: string, index: number) => AnsweredBy | undefined;

export interface JournalFilter {
  method?: string;
  /** Substring of the path; with `*` a glob, with slashes at both ends a regular expression. */
  path?: string;
  status?: number;
  /** Unix ms, inclusive. */
  since?: number;
  /** Unix ms, exclusive. */
  until?: number;
  limit?: number;
}

export const JOURNAL_CAPACITY = 1000;
/** Tenants whose requests are kept; past this, the tenant that has been quiet the longest is forgotten. */
export const JOURNAL_TENANTS = 100;
/** Bodies larger than this (their text as received, or the answer as sent) are not kept: a journal of uploads would eat the memory. */
export const JOURNAL_BODY_LIMIT = 64 * 1024;
/**
 * What every tenant's entries may weigh together, in the bytes they are kept as (src/admin/journal-log.ts).
 * Without it 100 tenants of 1000 entries with bodies near the cap held ~7 GB, beyond Node's default heap.
 */
export const JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024;

const REDACTED_HEADERS = new Set(['authorization', 'api-key', 'x-admin-key', 'cookie', 'proxy-authorization']);

/** The response to keep: the serialized payload up to the cap (undefined and truncated past it), or the stream's summary. */
export function journalResponse(payload: unknown): { response: string | StreamSummary | undefined; truncated: boolean } {
  if (payload instanceof StreamSummary) return { response: payload, truncated: false };
  if (typeof payload !== 'string' || payload.length === 0) return { response: undefined, truncated: false };
  if (payload.length > JOURNAL_BODY_LIMIT) return { response: undefined, truncated: true };
  return { response: payload, truncated: false };
}

/** The JSON text of a request body to keep: up to the cap; past it, none and truncated. */
export function journalBody(text: string | undefined): { body: string | undefined; truncated: boolean } {
  if (text === undefined) return { body: undefined, truncated: false };
  return text.length > JOURNAL_BODY_LIMIT ? { body: undefined, truncated: true } : { body: text, truncated: false };
}

export class RequestJournal {
  /** The Map's order is the tenants' least recently active first. */
  private readonly byTenant = new Map<string, TenantLog>();
  /** The tenant of the last request: moved to the end of the Map only when another tenant came in between. */
  private lastTenant: string | undefined;
  /** Entries beyond the capacity are dropped in batches of this many, not one by one on every request. */
  private readonly slack: number;
  /** Sum of the bytes of every entry held (src/admin/journal-log.ts). */
  private heldBytes = 0;
  private nextSeq = 0;
  private readonly spares = new SpareChunks();

  constructor(
    readonly capacity = JOURNAL_CAPACITY,
    readonly maxTenants = JOURNAL_TENANTS,
    readonly maxBytes = JOURNAL_LIMIT_BYTES,
  ) {
    this.slack = Math.max(1, Math.floor(capacity / 4));
  }

  /** Bytes of the entries held now (for tests and docs/reliability.md). */
  get bytes(): number {
    return this.heldBytes;
  }

  record(tenant: string, request: RecordedRequest): void {
    let log = this.byTenant.get(tenant);
    if (log === undefined) {
      if (this.byTenant.size >= this.maxTenants) this.forget(this.byTenant.keys().next().value as string);
      log = new TenantLog(this.spares);
      this.byTenant.set(tenant, log);
    } else if (tenant !== this.lastTenant) {
      // Set again, which makes it the most recently active.
      this.byTenant.delete(tenant);
      this.byTenant.set(tenant, log);
    }
    this.lastTenant = tenant;
    this.heldBytes += log.append(request, this.nextSeq++);
    if (log.length >= this.capacity + this.slack) this.heldBytes -= log.dropOldest(log.length - this.capacity);
    if (this.heldBytes > this.maxBytes) this.dropOldest();
  }

  private forget(tenant: string): void {
    const log = this.byTenant.get(tenant);
    if (log) this.heldBytes -= log.dropOldest(log.length);
    this.byTenant.delete(tenant);
    if (tenant === this.lastTenant) this.lastTenant = undefined;
  }

  /**
   * Over the byte budget: drops the oldest entries of all tenants, in arrival order, down to 7/8 of
   * the budget, so that the next requests do not each pay for a drop.
   */
  private dropOldest(): void {
    const target = Math.floor((this.maxBytes * 7) / 8);
    while (this.heldBytes > target) {
      let oldestTenant: string | undefined;
      let oldestSeq = Infinity;
      let secondSeq = Infinity;
      for (const [tenant, log] of this.byTenant) {
        const seq = log.length > 0 ? log.seqAt(0) : Infinity;
        if (seq < oldestSeq) {
          secondSeq = oldestSeq;
          [oldestSeq, oldestTenant] = [seq, tenant];
        } else if (seq < secondSeq) secondSeq = seq;
      }
      if (oldestTenant === undefined) return;
      const log = this.byTenant.get(oldestTenant)!;
      // Every entry of that tenant older than the next tenant's oldest goes in one drop.
      let count = 1;
      let bytes = log.sizeAt(0);
      while (count < log.length && log.seqAt(count) < secondSeq && this.heldBytes - bytes > target) {
        bytes += log.sizeAt(count);
        count++;
      }
      this.heldBytes -= log.dropOldest(count);
      if (log.length === 0) this.forget(oldestTenant);
    }
  }

  /** Newest first. `turns` tells who answered the turn a run request started (looked up as the entry is read). */
  query(tenant: string, filter: JournalFilter = {}, turns: TurnLookup = () => undefined): JournalEntry[] {
    return this.matching(tenant, filter).map((e) => toEntry(e, turns));
  }

  /** How many kept requests match the filter (its limit aside): WireMock-style verification. */
  count(tenant: string, filter: JournalFilter = {}): number {
    return this.matching(tenant, { ...filter, limit: undefined }).length;
  }

  private matching(tenant: string, filter: JournalFilter): KeptRequest[] {
    const method = filter.method?.toUpperCase();
    const path = filter.path ? pathFilter(filter.path) : undefined;
    const out: KeptRequest[] = [];
    const log = this.byTenant.get(tenant);
    if (log === undefined) return out;
    const limit = filter.limit ?? this.capacity;
    const oldest = Math.max(0, log.length - this.capacity);
    for (let i = log.length - 1; i >= oldest && out.length < limit; i--) {
      const e = log.read(i);
      if (method && e.method !== method) continue;
      if (path && !path(pathOf(e.url))) continue;
      if (filter.status !== undefined && e.status !== filter.status) continue;
      if (filter.since !== undefined && e.timestamp < filter.since) continue;
      if (filter.until !== undefined && e.timestamp >= filter.until) continue;
      out.push(e);
    }
    return out;
  }

  /** Forgets a tenant's entries (every tenant's with null); returns how many there were. */
  clear(tenant: string | null): number {
    const kept = (log: TenantLog | undefined) => Math.min(log?.length ?? 0, this.capacity);
    if (tenant !== null) {
      const n = kept(this.byTenant.get(tenant));
      this.forget(tenant);
      return n;
    }
    let n = 0;
    for (const log of this.byTenant.values()) n += kept(log);
    this.byTenant.clear();
    this.lastTenant = undefined;
    this.heldBytes = 0;
    return n;
  }
}

function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function toEntry(r: KeptRequest, turns: TurnLookup): JournalEntry {
  return {
    id: r.id,
    object: 'mock.request',
    method: r.method,
    path: pathOf(r.url),
    query: parseQuery(r.url),
    headers: redactHeaders(r.headers),
    body: requestBody(r.body),
    body_truncated: r.body_truncated,
    response_body: responseBody(r.response),
    response_body_truncated: r.response_truncated ?? false,
    status: r.status,
    duration_ms: r.duration_ms,
    timestamp: r.timestamp,
    run_id: r.run?.runId ?? null,
    answered_by: r.run ? (turns(r.run.runId, r.run.fromTurn) ?? null) : null,
  };
}

/** The JSON text the client sent, parsed only now (an empty body is `{}`, as the routes saw it). */
function requestBody(text: string | undefined): unknown {
  if (text === undefined) return null;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null; // not kept by the hook; a text that no longer parses would be a bug, not a 500
  }
}

/** Parsed only here, when a test reads the journal: most entries are never read. */
function responseBody(response: string | StreamSummarySnapshot | undefined): unknown {
  if (response === undefined) return null;
  if (typeof response !== 'string') return response;
  try {
    return JSON.parse(response) as unknown;
  } catch {
    return response; // a text answer (file content of a text file)
  }
}

function pathFilter(filter: string): (path: string) => boolean {
  if (filter.includes('*') || isRegexPattern(filter)) return compilePathPattern(filter);
  return (path) => path.includes(filter);
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = REDACTED_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value;
  }
  return out;
}

/** `a=1&b=2&b=3` -> { a: '1', b: ['2', '3'] }, from the raw URL so even unrouted requests have it. */
export function parseQuery(url: string): Record<string, string | string[]> {
  const at = url.indexOf('?');
  const out: Record<string, string | string[]> = {};
  if (at < 0) return out;
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
