/**
 * Settings, from (in order of precedence) the options passed in-process or as CLI flags, the
 * environment, and the defaults below. DESIGN.md fixes PORT, HOST, DB_PATH, API_KEY, SCENARIOS and
 * LOG_LEVEL; the rest are this project's own.
 */
import type { Clock } from './engine/clock.js';
import { UNMATCHED_MODES, type UnmatchedMode } from './brains/scenarios/unmatched.js';
import { DEFAULT_BACKEND_TIMEOUT_MS, parseBackendUrl, parseModelMap, type BackendSettings } from './brains/backend/settings.js';

export type RunMode = 'auto' | 'manual';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** SQLite file; ':memory:' for a throw-away database. */
  dbPath?: string;
  /** Accepted API keys (comma-separated in API_KEY). Empty: any key, or none, is accepted. */
  apiKeys?: string[];
  /** When set, server-wide control (reset of every tenant, the server's clock, scenario reload) requires this key in `x-admin-key`. */
  adminKey?: string;
  /** Scenario file or folder. */
  scenarios?: string;
  logLevel?: string;
  /** `manual`: runs wait for POST /__admin/runs/{id}/advance before each step. */
  runMode?: RunMode;
  /** Pause between streamed deltas, in milliseconds (0: as fast as possible). */
  streamDelayMs?: number;
  /** Tokens per streamed text delta. */
  streamChunkTokens?: number;
  /** A stream whose client has not read for this long (while data waits) is cut, in milliseconds. */
  streamStallTimeoutMs?: number;
  /** Value of the `openai-poll-after-ms` header that tells SDK pollers when to ask again. */
  pollAfterMs?: number;
  /** Largest JSON body accepted, in bytes. */
  bodyLimitBytes?: number;
  /** Largest uploaded file accepted, in bytes. */
  uploadLimitBytes?: number;
  /** Mustache template of the default reply; `{{message}}` is the last user message. */
  defaultReply?: string;
  /** Estimated bytes the request journal keeps, every tenant together; the oldest entries go first. */
  journalLimitBytes?: number;
  /** How long a client may take to send a request's headers, in ms (0: no limit). */
  headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, headers and body, in ms (0: no limit). Responses (streams) are not limited. */
  requestTimeoutMs?: number;
  /** A turn no scenario matches: `default` reply, or `error` (the run fails naming the closest scenario). */
  unmatched?: UnmatchedMode;
  /** Base URL of a Chat Completions server that answers runs (docs/model-backends.md); unset: no model. */
  modelBackendUrl?: string;
  /** Its API key (`Authorization: Bearer`). */
  modelBackendKey?: string;
  /** Run model to backend model: `gpt-4o=llama3.2:3b,*=qwen2.5:7b`, or the same as an object. */
  modelMap?: string | Record<string, string>;
  /** How long the backend may stay silent before the turn fails, in ms. */
  modelBackendTimeoutMs?: number;
  /** Append every turn the backend answers to this scenario file. */
  recordTo?: string;
  /** Replace the clock (tests): a ManualClock stands still until advanced. */
  clock?: Clock;
  /** Log to this destination instead of stdout (tests pass a stream or `false` to silence). */
  logger?: boolean;
  /** Pretty logs; default: when stdout is a terminal. */
  prettyLogs?: boolean;
}

export interface Config {
  port: number;
  host: string;
  dbPath: string;
  apiKeys: string[];
  adminKey: string | undefined;
  scenarios: string | undefined;
  logLevel: string;
  runMode: RunMode;
  streamDelayMs: number;
  streamChunkTokens: number;
  streamStallTimeoutMs: number;
  pollAfterMs: number;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  defaultReply: string | undefined;
  journalLimitBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  unmatched: UnmatchedMode;
  /** The model backend, when MODEL_BACKEND_URL is set. */
  modelBackend: BackendSettings | undefined;
  recordTo: string | undefined;
  clock: Clock | undefined;
  logger: boolean;
  prettyLogs: boolean;
}

export const DEFAULTS = {
  port: 4141,
  host: '127.0.0.1',
  dbPath: './data/assistants-mock.db',
  logLevel: 'info',
  runMode: 'auto' as RunMode,
  streamDelayMs: 0,
  streamChunkTokens: 1,
  streamStallTimeoutMs: 10_000,
  pollAfterMs: 5,
  bodyLimitBytes: 32 * 1024 * 1024,
  uploadLimitBytes: 512 * 1024 * 1024,
  journalLimitBytes: 64 * 1024 * 1024,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
};

/** The environment variables read, for --help and the README. */
export const ENVIRONMENT = {
  PORT: 'port to listen on (default 4141; 0 picks a free port)',
  HOST: 'address to bind (default 127.0.0.1; the Docker image uses 0.0.0.0)',
  DB_PATH: 'SQLite file (default ./data/assistants-mock.db; :memory: allowed)',
  API_KEY: 'accepted API key(s), comma-separated; unset accepts any key',
  ADMIN_KEY: 'operator key for server-wide control; unset leaves it open',
  SCENARIOS: 'scenario file or folder (YAML or JSON)',
  LOG_LEVEL: 'fatal | error | warn | info | debug | trace | silent (default info)',
  RUN_MODE: 'auto | manual (manual: runs wait for POST /__admin/runs/{id}/advance)',
  STREAM_DELAY_MS: 'pause between streamed deltas in ms (default 0)',
  STREAM_CHUNK_TOKENS: 'tokens per streamed text delta (default 1)',
  STREAM_STALL_TIMEOUT_MS: 'cut a stream whose client has read nothing for this long while data waits, in ms (default 10000)',
  POLL_AFTER_MS: 'openai-poll-after-ms header value (default 5)',
  BODY_LIMIT_BYTES: 'largest JSON body (default 33554432)',
  UPLOAD_LIMIT_BYTES: 'largest uploaded file (default 536870912)',
  DEFAULT_REPLY: 'mustache template of the default reply ({{message}}: the last user message)',
  JOURNAL_LIMIT_BYTES: 'bytes the request journal keeps, all tenants together, oldest dropped first (default 67108864)',
  HEADERS_TIMEOUT_MS: 'time a client has to send the request headers, in ms (default 30000; 0: none)',
  REQUEST_TIMEOUT_MS: 'time a client has to send a whole request, in ms (default 120000; 0: none; streams are not cut)',
  UNMATCHED:
    'default | error: a turn no scenario matches gets the default reply, or fails the run naming the closest scenario (default: default)',
  MODEL_BACKEND_URL: 'base URL of a Chat Completions server that answers runs, e.g. http://127.0.0.1:11434/v1 (unset: no model)',
  MODEL_BACKEND_KEY: "the model backend's API key (sent as a bearer token)",
  MODEL_MAP: "run model to the backend's model, e.g. gpt-4o=llama3.2:3b,*=qwen2.5:7b (unmapped: the run's model)",
  MODEL_BACKEND_TIMEOUT_MS: 'fail a turn whose backend stays silent this long, in ms (default 120000)',
  RECORD_TO: 'append every turn the model backend answers to this scenario file (replay it with SCENARIOS)',
} as const;

type Env = Record<string, string | undefined>;

export function resolveConfig(options: ServerOptions = {}, env: Env = process.env): Config {
  const runMode = options.runMode ?? (env.RUN_MODE as RunMode | undefined) ?? DEFAULTS.runMode;
  if (runMode !== 'auto' && runMode !== 'manual') throw new Error(`RUN_MODE must be auto or manual, not '${String(runMode)}'.`);
  const unmatched = options.unmatched ?? ((env.UNMATCHED || undefined) as UnmatchedMode | undefined) ?? 'default';
  if (!UNMATCHED_MODES.includes(unmatched)) throw new Error(`UNMATCHED must be default or error, not '${String(unmatched)}'.`);
  return {
    port: options.port ?? int('PORT', env.PORT) ?? DEFAULTS.port,
    host: options.host ?? env.HOST ?? DEFAULTS.host,
    dbPath: options.dbPath ?? env.DB_PATH ?? DEFAULTS.dbPath,
    apiKeys: options.apiKeys ?? splitList(env.API_KEY),
    adminKey: options.adminKey ?? (env.ADMIN_KEY || undefined),
    scenarios: options.scenarios ?? (env.SCENARIOS || undefined),
    logLevel: options.logLevel ?? env.LOG_LEVEL ?? DEFAULTS.logLevel,
    runMode,
    streamDelayMs: options.streamDelayMs ?? int('STREAM_DELAY_MS', env.STREAM_DELAY_MS) ?? DEFAULTS.streamDelayMs,
    streamChunkTokens: Math.max(
      1,
      options.streamChunkTokens ?? int('STREAM_CHUNK_TOKENS', env.STREAM_CHUNK_TOKENS) ?? DEFAULTS.streamChunkTokens,
    ),
    streamStallTimeoutMs:
      options.streamStallTimeoutMs ?? int('STREAM_STALL_TIMEOUT_MS', env.STREAM_STALL_TIMEOUT_MS) ?? DEFAULTS.streamStallTimeoutMs,
    pollAfterMs: options.pollAfterMs ?? int('POLL_AFTER_MS', env.POLL_AFTER_MS) ?? DEFAULTS.pollAfterMs,
    bodyLimitBytes: options.bodyLimitBytes ?? int('BODY_LIMIT_BYTES', env.BODY_LIMIT_BYTES) ?? DEFAULTS.bodyLimitBytes,
    uploadLimitBytes: options.uploadLimitBytes ?? int('UPLOAD_LIMIT_BYTES', env.UPLOAD_LIMIT_BYTES) ?? DEFAULTS.uploadLimitBytes,
    defaultReply: options.defaultReply ?? (env.DEFAULT_REPLY || undefined),
    journalLimitBytes: options.journalLimitBytes ?? int('JOURNAL_LIMIT_BYTES', env.JOURNAL_LIMIT_BYTES) ?? DEFAULTS.journalLimitBytes,
    ...timeouts(options, env),
    unmatched,
    ...backend(options, env),
    clock: options.clock,
    logger: options.logger ?? true,
    prettyLogs: options.prettyLogs ?? Boolean(process.stdout.isTTY),
  };
}

/**
 * Node refuses a headers timeout longer than the request timeout (both cover the headers); with both
 * set, the headers one is capped at the request one.
 */
function timeouts(options: ServerOptions, env: Env): { headersTimeoutMs: number; requestTimeoutMs: number } {
  const requestTimeoutMs = options.requestTimeoutMs ?? int('REQUEST_TIMEOUT_MS', env.REQUEST_TIMEOUT_MS) ?? DEFAULTS.requestTimeoutMs;
  const headers = options.headersTimeoutMs ?? int('HEADERS_TIMEOUT_MS', env.HEADERS_TIMEOUT_MS) ?? DEFAULTS.headersTimeoutMs;
  return { requestTimeoutMs, headersTimeoutMs: requestTimeoutMs > 0 && headers > 0 ? Math.min(headers, requestTimeoutMs) : headers };
}

/**
 * The model backend's settings. Without MODEL_BACKEND_URL there is no backend: the other settings given
 * as flags (or in-process options) are then a mistake worth stopping for, while the same names in the
 * environment are ignored, since other tools may use them (a RECORD_TO of a test helper, say).
 */
function backend(options: ServerOptions, env: Env): { modelBackend: BackendSettings | undefined; recordTo: string | undefined } {
  const url = options.modelBackendUrl ?? (env.MODEL_BACKEND_URL || undefined);
  if (!url) {
    const stray = [
      options.modelMap !== undefined && 'MODEL_MAP',
      options.modelBackendKey !== undefined && 'MODEL_BACKEND_KEY',
      options.recordTo !== undefined && 'RECORD_TO',
    ].filter(Boolean);
    if (stray.length > 0)
      throw new Error(`${stray.join(', ')} ${stray.length > 1 ? 'need' : 'needs'} MODEL_BACKEND_URL (the model backend).`);
    return { modelBackend: undefined, recordTo: undefined };
  }
  const key = options.modelBackendKey ?? (env.MODEL_BACKEND_KEY || undefined);
  const modelMap = parseModelMap(options.modelMap ?? (env.MODEL_MAP || undefined));
  const timeoutMs =
    options.modelBackendTimeoutMs ?? int('MODEL_BACKEND_TIMEOUT_MS', env.MODEL_BACKEND_TIMEOUT_MS) ?? DEFAULT_BACKEND_TIMEOUT_MS;
  const recordTo = options.recordTo ?? (env.RECORD_TO || undefined);
  return { modelBackend: { url: parseBackendUrl(url), key, modelMap, timeoutMs: timeoutMs || DEFAULT_BACKEND_TIMEOUT_MS }, recordTo };
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not '${value}'.`);
  return n;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
