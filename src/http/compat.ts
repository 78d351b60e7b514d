/**
 * The compatibility layer every API request passes first: which surface it came through (/v1 for
 * OpenAI clients, /openai for Azure clients), which Assistants version it speaks (OpenAI-Beta header
 * or Azure api-version), who is calling (API key -> tenant), and the headers the SDKs read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiVersion } from '../domain/api-version.js';
import type { StreamSummary } from '../streaming/stream-summary.js';
import type { Config } from '../config.js';
import { incorrectApiKey, invalidBetaHeader, missingApiKey, missingApiVersion, unsupportedApiVersion } from './errors.js';

export type Surface = 'openai' | 'azure' | 'admin' | 'other';

export interface CallContext {
  surface: Surface;
  apiVersion: ApiVersion;
  /** Objects belong to the tenant of the key that created them; other keys get 404s. */
  tenant: string;
  startedAt: bigint;
  /** The run this request created or resumed, and the turn it started: the journal shows who answered it. */
  drivenRun?: { runId: string; fromTurn: number };
  /** What the journal keeps of the answer: the payload Fastify serialized (onSend), or a stream's summary. */
  response?: string | StreamSummary;
  /**
   * The JSON text of the body, set by the JSON parser once it parsed: the journal keeps this text, not
   * the parsed object (one string to hold rather than an object graph, and no re-serializing).
   */
  bodyText?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    call: CallContext;
  }
}

/** Azure api-versions and the Assistants version each speaks (issue: 2024-02-15 and 03-01 speak v1). */
export const AZURE_API_VERSIONS: Record<string, ApiVersion> = {
  '2024-02-15-preview': 'v1',
  '2024-03-01-preview': 'v1',
  '2024-05-01-preview': 'v2',
  '2024-07-01-preview': 'v2',
  '2024-08-01-preview': 'v2',
  '2024-09-01-preview': 'v2',
  '2024-10-01-preview': 'v2',
  '2024-10-21': 'v2',
  '2024-12-01-preview': 'v2',
  '2025-01-01-preview': 'v2',
  '2025-03-01-preview': 'v2',
  '2025-04-01-preview': 'v2',
};

export const ANONYMOUS_TENANT = 'anonymous';

/**
 * The path of the route Fastify matched, its parameters filled in: `//v1//threads/%74hread_1` is
 * `/v1/threads/thread_1`, however the client spelled it, and an Azure request's is under /openai
 * (it was routed to the /v1 route: src/http/router-rewrite.ts). Without a matched route, the raw path.
 */
export function routedPath(request: FastifyRequest): string {
  const { url } = request.routeOptions;
  if (url === undefined) return request.url.split('?')[0];
  const surfaced = request.call?.surface === 'azure' ? url.replace(/^\/v1(?=\/|$)/, '/openai') : url;
  return surfaced.replace(/:(\w+)/g, (_match, name: string) => {
    const value = fieldOf(request.params, name);
    return typeof value === 'string' ? value : '';
  });
}

/**
 * A field of a request part in code that runs for every route (hooks), where no route schema types
 * the part: whatever the client sent, to be checked by the caller.
 */
function fieldOf(part: unknown, name: string): unknown {
  return typeof part === 'object' && part !== null ? Reflect.get(part, name) : undefined;
}

/** The key a request carries: `Authorization: Bearer KEY` (OpenAI SDKs) or `api-key: KEY` (Azure). */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1].trim();
  }
  return undefined;
}

/** Hashing a key costs more than the rest of a retrieve's compatibility checks: remember a few. */
const tenantCache = new Map<string, string>();
const TENANT_CACHE_SIZE = 1024;

export function tenantOf(key: string | undefined): string {
  if (!key) return ANONYMOUS_TENANT;
  let tenant = tenantCache.get(key);
  if (tenant === undefined) {
    tenant = 'key_' + createHash('sha256').update(key).digest('hex').slice(0, 24);
    if (tenantCache.size >= TENANT_CACHE_SIZE) tenantCache.clear();
    tenantCache.set(key, tenant);
  }
  return tenant;
}

/** Compares two keys in constant time. */
export function keysEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws the real 401 when API_KEY is set and the request does not carry one of its keys. */
export function authenticate(request: FastifyRequest, config: Config): string | undefined {
  const key = apiKeyOf(request);
  if (config.apiKeys.length === 0) return key;
  if (!key) throw missingApiKey();
  if (!config.apiKeys.some((k) => keysEqual(k, key))) throw incorrectApiKey(key);
  return key;
}

/** `OpenAI-Beta: assistants=v2` (or absent) is v2; `assistants=v1` is v1; another assistants value is a 400. */
export function versionFromBetaHeader(request: FastifyRequest): ApiVersion {
  const raw = request.headers['openai-beta'];
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (!value) return 'v2';
  for (const part of value.split(',').map((s) => s.trim())) {
    const match = /^assistants=(.*)$/.exec(part);
    if (!match) continue;
    if (match[1] === 'v2') return 'v2';
    if (match[1] === 'v1') return 'v1';
    throw invalidBetaHeader(part);
  }
  return 'v2';
}

export function versionFromAzureQuery(request: FastifyRequest): ApiVersion {
  const value = fieldOf(request.query, 'api-version');
  if (value === undefined || value === '') throw missingApiVersion();
  const version = AZURE_API_VERSIONS[String(value)];
  if (!version) throw unsupportedApiVersion(String(value), Object.keys(AZURE_API_VERSIONS));
  return version;
}

/** Headers on every response, as the real service sends them (LIMITS.md section 5). */
export function setStandardHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  reply.header('openai-version', '2020-10-01');
  const started = request.call?.startedAt;
  if (started !== undefined) {
    reply.header('openai-processing-ms', String(Number((process.hrtime.bigint() - started) / 1_000_000n)));
  }
}
