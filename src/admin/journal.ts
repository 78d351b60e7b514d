/**
 * The request journal: the last API requests of each tenant (method, path, query, headers, body,
 * status, timing), kept in memory in a bounded buffer, so a test can assert what its code sent.
 * Bounded three ways: entries per tenant, tenants, and bytes in all (the oldest entries, of any
 * tenant, go first); docs/reliability.md lists the figures.
 */
import type { AnsweredBy } from '../brains/types.js';
import { compilePathPattern, isRegexPattern } from './path-pattern.js';
import { StreamSummary } from '../streaming/stream-summary.js';

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
/** Bodies larger than this (serialized) are not kept: a journal of uploads would eat the memory. */
export const JOURNAL_BODY_LIMIT = 64 * 1024;
/**
 * What every tenant's entries may weigh together, by the estimate of entryBytes. Without it 100
 * tenants of 1000 entries with bodies near the cap held ~7 GB, beyond Node's default heap.
 */
export const JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** An entry's fixed cost beyond its texts (the object, its id, numbers, the headers object). */
const ENTRY_OVERHEAD_BYTES = 512;

const REDACTED_HEADERS = new Set(['authorization', 'api-key', 'x-admin-key', 'cookie', 'proxy-authorization']);

/**
 * What the hook keeps of a request: its raw parts, turned into a JournalEntry (query parsed, headers
 * redacted) only when a test asks for it. Most entries are never read, and building every entry up
 * front was a measurable share of a thread retrieve (bench/http.ts).
 */
export interface RecordedRequest {
  id: string;
  method: string;
  /** Path and query string, as received. */
  url: string;
  /** Node's request headers object, kept as it is (nothing writes to it after the response). */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  body_truncated: boolean;
  /**
   * The response as Fastify serialized it (kept as the same string, parsed only when the journal is
   * read), or the summary of a stream; undefined for no body or one left out.
   */
  response?: string | StreamSummary;
  response_truncated?: boolean;
  status: number;
  duration_ms: number;
  timestamp: number;
  /** Set for requests that created or resumed a run. */
  run?: { runId: string; fromTurn: number };
  /** Estimated weight in memory (entryBytes); set by record(). */
  bytes?: number;
  /** Arrival order across tenants; set by record(). */
  seq?: number;
}

/** The response to keep: the serialized payload up to the cap (null and truncated past it), or the stream's summary. */
export function journalResponse(payload: unknown): { response: string | StreamSummary | undefined; truncated: boolean; bytes: number } {
  if (payload instanceof StreamSummary) return { response: payload, truncated: false, bytes: payload.bytes };
  if (typeof payload !== 'string' || payload.length === 0) return { response: undefined, truncated: false, bytes: 0 };
  if (payload.length > JOURNAL_BODY_LIMIT) return { response: undefined, truncated: true, bytes: 0 };
  return { response: payload, truncated: false, bytes: payload.length };
}

/** The estimate the byte budget counts: the serialized bodies, the URL, the header texts and a fixed overhead. */
export function entryBytes(request: RecordedRequest, bodyBytes: number): number {
  let bytes = ENTRY_OVERHEAD_BYTES + bodyBytes + request.url.length + request.method.length;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    bytes += name.length + (Array.isArray(value) ? value.reduce((n, v) => n + v.length, 0) : value.length);
  }
  return bytes;
}

export class RequestJournal {
  /** Oldest first within a tenant; the Map's order is the tenants' least recently active first. */
  private readonly byTenant = new Map<string, RecordedRequest[]>();
  /** Entries beyond the capacity are dropped in batches of this many, not one by one on every request. */
  private readonly slack: number;
  /** Sum of the `bytes` of every entry held. */
  private heldBytes = 0;
  private nextSeq = 0;

  constructor(
    readonly capacity = JOURNAL_CAPACITY,
    readonly maxTenants = JOURNAL_TENANTS,
    readonly maxBytes = JOURNAL_LIMIT_BYTES,
  ) {
    this.slack = Math.max(1, Math.floor(capacity / 4));
  }

  /** Estimated bytes held now (for tests and docs/reliability.md). */
  get bytes(): number {
    return this.heldBytes;
  }

  record(tenant: string, request: RecordedRequest, bodyBytes = 0): void {
    let entries = this.byTenant.get(tenant);
    if (entries) {
      this.byTenant.delete(tenant); // set again below, which makes it the most recently active
    } else {
      entries = [];
      if (this.byTenant.size >= this.maxTenants) this.forget(this.byTenant.keys().next().value as string);
    }
    this.byTenant.set(tenant, entries);
    request.bytes = entryBytes(request, bodyBytes);
    request.seq = this.nextSeq++;
    this.heldBytes += request.bytes;
    entries.push(request);
    if (entries.length >= this.capacity + this.slack) this.drop(entries, entries.length - this.capacity);
    if (this.heldBytes > this.maxBytes) this.dropOldest();
  }

  /** Removes the first `count` (oldest) entries of one tenant's list. */
  private drop(entries: RecordedRequest[], count: number): void {
    for (const removed of entries.splice(0, count)) this.heldBytes -= removed.bytes ?? 0;
  }

  private forget(tenant: string): void {
    const entries = this.byTenant.get(tenant);
    if (entries) this.drop(entries, entries.length);
    this.byTenant.delete(tenant);
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
      for (const [tenant, entries] of this.byTenant) {
        const seq = entries[0]?.seq ?? Infinity;
        if (seq < oldestSeq) [oldestSeq, oldestTenant] = [seq, tenant];
      }
      if (oldestTenant === undefined) return;
      const entries = this.byTenant.get(oldestTenant)!;
      // Every entry of that tenant older than the next tenant's oldest goes in one splice.
      let count = 1;
      let secondSeq = Infinity;
      for (const [tenant, other] of this.byTenant) if (tenant !== oldestTenant) secondSeq = Math.min(secondSeq, other[0]?.seq ?? Infinity);
      let bytes = entries[0].bytes ?? 0;
      while (count < entries.length && (entries[count].seq ?? 0) < secondSeq && this.heldBytes - bytes > target) {
        bytes += entries[count].bytes ?? 0;
        count++;
      }
      this.drop(entries, count);
      if (entries.length === 0) this.byTenant.delete(oldestTenant);
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

  private matching(tenant: string, filter: JournalFilter): RecordedRequest[] {
    const method = filter.method?.toUpperCase();
    const path = filter.path ? pathFilter(filter.path) : undefined;
    const out: RecordedRequest[] = [];
    const entries = this.byTenant.get(tenant) ?? [];
    const limit = filter.limit ?? this.capacity;
    const oldest = Math.max(0, entries.length - this.capacity);
    for (let i = entries.length - 1; i >= oldest && out.length < limit; i--) {
      const e = entries[i];
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
    const kept = (entries: RecordedRequest[] | undefined) => Math.min(entries?.length ?? 0, this.capacity);
    if (tenant !== null) {
      const n = kept(this.byTenant.get(tenant));
      this.forget(tenant);
      return n;
    }
    let n = 0;
    for (const entries of this.byTenant.values()) n += kept(entries);
    this.byTenant.clear();
    this.heldBytes = 0;
    return n;
  }
}

function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function toEntry(r: RecordedRequest, turns: TurnLookup): JournalEntry {
  return {
    id: r.id,
    object: 'mock.request',
    method: r.method,
    path: pathOf(r.url),
    query: parseQuery(r.url),
    headers: redactHeaders(r.headers),
    body: r.body,
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

/** Parsed only here, when a test reads the journal: most entries are never read. */
function responseBody(response: string | StreamSummary | undefined): unknown {
  if (response === undefined) return null;
  if (typeof response !== 'string') return { ...response, sequence: response.sequence.map((item) => ({ ...item })) };
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

/** The body to keep: JSON values up to the cap; anything else (multipart uploads, text) as null. */
export function journalBody(body: unknown, contentType: string | undefined): { body: unknown; truncated: boolean; bytes: number } {
  if (body === undefined || body === null || !contentType?.toLowerCase().includes('json'))
    return { body: null, truncated: false, bytes: 0 };
  let size: number;
  try {
    size = JSON.stringify(body)?.length ?? 0;
  } catch {
    // Too deep (or cyclic) to copy: the request is still kept, without its body.
    return { body: null, truncated: true, bytes: 0 };
  }
  return size > JOURNAL_BODY_LIMIT ? { body: null, truncated: true, bytes: 0 } : { body, truncated: false, bytes: size };
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
