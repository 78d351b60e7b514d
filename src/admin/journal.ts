/**
 * The request journal: the last API requests of each tenant (method, path, query, headers, body,
 * status, timing), kept in memory in a bounded buffer, so a test can assert what its code sent.
 */
import { compilePathPattern, isRegexPattern } from './path-pattern.js';
import { TenantLists } from '../util/tenant-lists.js';

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
  status: number;
  duration_ms: number;
  /** When the request arrived, in unix milliseconds of the wall clock. */
  timestamp: number;
}

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
/** Bodies larger than this (serialized) are not kept: a journal of uploads would eat the memory. */
export const JOURNAL_BODY_LIMIT = 64 * 1024;

const REDACTED_HEADERS = new Set(['authorization', 'api-key', 'x-admin-key', 'cookie', 'proxy-authorization']);

export class RequestJournal {
  private readonly byTenant = new TenantLists<JournalEntry>();

  constructor(readonly capacity = JOURNAL_CAPACITY) {}

  record(tenant: string, entry: JournalEntry): void {
    const entries = this.byTenant.get(tenant) ?? [];
    entries.push(entry);
    // Oldest first in storage; past the capacity the oldest go.
    if (entries.length > this.capacity) entries.splice(0, entries.length - this.capacity);
    this.byTenant.set(tenant, entries);
  }

  /** Newest first. */
  query(tenant: string, filter: JournalFilter = {}): JournalEntry[] {
    const method = filter.method?.toUpperCase();
    const path = filter.path ? pathFilter(filter.path) : undefined;
    const out: JournalEntry[] = [];
    const entries = this.byTenant.get(tenant) ?? [];
    const limit = filter.limit ?? this.capacity;
    for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = entries[i];
      if (method && e.method !== method) continue;
      if (path && !path(e.path)) continue;
      if (filter.status !== undefined && e.status !== filter.status) continue;
      if (filter.since !== undefined && e.timestamp < filter.since) continue;
      if (filter.until !== undefined && e.timestamp >= filter.until) continue;
      out.push(e);
    }
    return out;
  }

  /** Forgets a tenant's entries (every tenant's with null); returns how many. */
  clear(tenant: string | null): number {
    return this.byTenant.clear(tenant);
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
export function journalBody(body: unknown, contentType: string | undefined): { body: unknown; truncated: boolean } {
  if (body === undefined || body === null || !contentType?.toLowerCase().includes('json')) return { body: null, truncated: false };
  const size = JSON.stringify(body)?.length ?? 0;
  return size > JOURNAL_BODY_LIMIT ? { body: null, truncated: true } : { body, truncated: false };
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
