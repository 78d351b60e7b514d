/**
 * The typed control client: every /__admin operation as a method, so a test never hand-rolls a
 * fetch call. Request types are derived from the routes' own TypeBox schemas (the ones that validate
 * the requests and make the OpenAPI document) or, for scenarios, the scenario format's types; answer
 * types are the server's own (faults, journal entries, the run audit). The operations come from one
 * table (operations.ts) that a test keeps equal to the control routes of the served OpenAPI document.
 *
 *   const admin = new AdminClient({ baseURL: 'http://127.0.0.1:4141', apiKey: 'sk-test' });
 *   await admin.scenarios.add({ name: 'hello', match: { message: 'hi' }, turns: [{ text: 'Hello!' }] });
 *   expect(await admin.requests.count({ method: 'POST', path: '/v1/threads/runs' })).toBe(1);
 *
 * Every call sends `Authorization: Bearer <apiKey>` (the key names the tenant the call acts on) and,
 * when given, `x-admin-key: <adminKey>`. A non-2xx answer throws an AdminApiError (./errors.ts).
 */
import type { Static } from '@sinclair/typebox';
import type { EventsQuery } from '../admin/events.js';
import type { FaultBody } from '../admin/fault-routes.js';
import type { Fault } from '../admin/faults.js';
import type { JournalEntry } from '../admin/journal.js';
import type { CountQuery, RequestsQuery } from '../admin/requests.js';
import type { UnmatchedBody } from '../admin/scenarios.js';
import type { ScenarioSpec } from '../brains/scenarios/format.js';
import type { ScenarioListing } from '../brains/scenarios/registry.js';
import type { UnmatchedMode } from '../brains/scenarios/unmatched.js';
import type { AnsweredBy } from '../brains/types.js';
import type { StatusChange, TurnRecord } from '../store/run-audit.js';
import { errorFor } from './errors.js';
import { ADMIN_OPERATIONS, type AdminOperation } from './operations.js';
import { readSse } from './sse.js';

export type { AnsweredBy, Fault, JournalEntry, ScenarioListing, ScenarioSpec, StatusChange, TurnRecord, UnmatchedMode };

/** The body of POST /__admin/faults, from the route's schema. */
export type FaultSpec = Static<typeof FaultBody>;
/** The filters of GET /__admin/requests (`path`: a substring, a glob with `*`, or `/regex/`), from the route's schema. */
export type RequestFilter = Static<typeof RequestsQuery>;
/** The filters of GET /__admin/requests/count. */
export type RequestCountFilter = Static<typeof CountQuery>;
/** The filters of GET /__admin/events. */
export type EventsFilter = Static<typeof EventsQuery>;

export interface AdminClientOptions {
  /** Root URL of the server (`http://127.0.0.1:4141`); a trailing `/v1` is ignored. */
  baseURL: string;
  /** API key of the tenant the calls act on; absent: the tenant of requests without a key. */
  apiKey?: string;
  /** Sent as `x-admin-key` when the server requires ADMIN_KEY. */
  adminKey?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** A run as the API shows it; the fields a test most often reads are typed. */
export interface MockRun {
  id: string;
  object: 'thread.run';
  thread_id: string;
  assistant_id: string;
  status: string;
  last_error: { code: string; message: string } | null;
  [field: string]: unknown;
}

/** GET /__admin/runs/{run_id}. */
export interface RunInspection {
  object: 'mock.run';
  run: MockRun;
  history: StatusChange[];
  turns: TurnRecord[];
}

export interface ClockState {
  object: 'mock.clock';
  /** Whose clock: the caller's tenant's, or the server's (operator only when ADMIN_KEY is set). */
  scope: 'tenant' | 'server';
  now: number;
  now_ms: number;
  offset_ms: number | null;
  /** The tenant's own offset on top of the server's (tenant scope only). */
  tenant_offset_ms?: number;
  real_time: boolean;
}

/** GET /__admin/threads: a page of the tenant's threads. */
export interface ThreadPage {
  object: 'list';
  data: { id: string; object: 'thread'; created_at: number; metadata: Record<string, string>; [field: string]: unknown }[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface UnmatchedState {
  object: 'mock.unmatched';
  mode: UnmatchedMode;
  /** `tenant`: set through the control API; `server`: UNMATCHED. */
  source: 'tenant' | 'server';
}

export interface ResetResult {
  object: 'mock.reset';
  scope: 'tenant' | 'all';
  deleted: { rows: Record<string, number>; scenarios: number; faults: number; requests: number };
}

/** One frame of the event feed: a run event (`thread.run.completed`, ...) or `mock.run.turn`. */
export interface AdminEvent {
  event: string;
  data: unknown;
}

/** The event feed: iterate it; `ready` resolves once the server is sending (events from then on arrive). */
export interface AdminEventStream extends AsyncIterable<AdminEvent> {
  ready: Promise<void>;
  close(): void;
}

type Query = Record<string, string | number | undefined>;

export class AdminClient {
  readonly baseURL: string;
  private readonly options: AdminClientOptions;

  constructor(options: AdminClientOptions) {
    this.options = options;
    this.baseURL = options.baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  /** The same server, acting on the tenant of another API key. */
  withApiKey(apiKey: string): AdminClient {
    return new AdminClient({ ...this.options, apiKey });
  }

  /** Forgets the tenant's objects, runtime scenarios, faults and journal; `all` every tenant's. */
  reset(options: { scope?: 'tenant' | 'all' } = {}): Promise<ResetResult> {
    return this.call('reset', { query: { scope: options.scope } });
  }

  readonly scenarios = {
    /** Adds runtime rules (one, several, or a scenario file's `{ scenarios: [...] }`); a known name is replaced. */
    add: async (input: ScenarioSpec | ScenarioSpec[] | { scenarios: ScenarioSpec[] }): Promise<ScenarioListing[]> =>
      (await this.call<{ data: ScenarioListing[] }>('scenarios.add', { body: Array.isArray(input) ? { scenarios: input } : input })).data,
    /** The tenant's rules in precedence order, with their hit counts. */
    list: async (): Promise<ScenarioListing[]> => (await this.call<{ data: ScenarioListing[] }>('scenarios.list')).data,
    get: (name: string): Promise<ScenarioListing> => this.call('scenarios.get', { params: { name } }),
    remove: (name: string): Promise<{ name: string; deleted: true }> => this.call('scenarios.remove', { params: { name } }),
    /** Removes every runtime rule of the tenant; returns how many. */
    clear: async (): Promise<number> => (await this.call<{ deleted: number }>('scenarios.clear')).deleted,
    /** Reads the SCENARIOS files again. */
    reload: (): Promise<{ path: string; count: number }> => this.call('scenarios.reload'),
    /** The JSON Schema of the scenario format. */
    schema: (): Promise<Record<string, unknown>> => this.call('scenarios.schema'),
  };

  /** Strict mode for the tenant: `error` fails a run no scenario matches; null follows the server. */
  readonly unmatched = {
    get: (): Promise<UnmatchedState> => this.call('unmatched.get'),
    set: (mode: Static<typeof UnmatchedBody>['mode']): Promise<UnmatchedState> => this.call('unmatched.set', { body: { mode } }),
  };

  readonly faults = {
    add: (spec: FaultSpec): Promise<Fault> => this.call('faults.add', { body: spec }),
    list: async (): Promise<Fault[]> => (await this.call<{ data: Fault[] }>('faults.list')).data,
    remove: (faultId: string): Promise<{ id: string; deleted: true }> => this.call('faults.remove', { params: { fault_id: faultId } }),
    clear: async (): Promise<number> => (await this.call<{ deleted: number }>('faults.clear')).deleted,
  };

  readonly requests = {
    /** The tenant's API requests, newest first. */
    list: async (filter: RequestFilter = {}): Promise<JournalEntry[]> =>
      (await this.call<{ data: JournalEntry[] }>('requests.list', { query: { ...filter } })).data,
    /** How many API requests match: `expect(await admin.requests.count({ method: 'POST', path: '/v1/threads' })).toBe(1)`. */
    count: async (filter: RequestCountFilter = {}): Promise<number> =>
      (await this.call<{ count: number }>('requests.count', { query: { ...filter } })).count,
    clear: async (): Promise<number> => (await this.call<{ deleted: number }>('requests.clear')).deleted,
  };

  /** The tenant's own virtual clock; `{ scope: 'server' }` the server's (needs the admin key when ADMIN_KEY is set). */
  readonly clock = {
    get: (options: { scope?: 'tenant' | 'server' } = {}): Promise<ClockState> =>
      this.call('clock.get', { query: { scope: options.scope } }),
    /** Moves the virtual clock forward: a number is seconds. */
    advance: (by: number | { seconds?: number; ms?: number }, options: { scope?: 'tenant' | 'server' } = {}): Promise<ClockState> =>
      this.call('clock.advance', { body: typeof by === 'number' ? { seconds: by } : by, query: { scope: options.scope } }),
  };

  readonly threads = {
    /** The tenant's threads, newest first (the API itself cannot list them). */
    list: (page: { limit?: number; order?: 'asc' | 'desc'; after?: string; before?: string } = {}): Promise<ThreadPage> =>
      this.call('threads.list', { query: { ...page } }),
  };

  readonly runs = {
    /** The run, every status it went through, and who answered each turn. */
    get: (runId: string): Promise<RunInspection> => this.call('runs.get', { params: { run_id: runId } }),
    /** RUN_MODE=manual: performs the run's next step. */
    advance: (runId: string): Promise<MockRun> => this.call('runs.advance', { params: { run_id: runId } }),
    complete: (runId: string): Promise<MockRun> => this.call('runs.complete', { params: { run_id: runId } }),
    fail: (runId: string): Promise<MockRun> => this.call('runs.fail', { params: { run_id: runId } }),
    expire: (runId: string): Promise<MockRun> => this.call('runs.expire', { params: { run_id: runId } }),
    /** Ends the run now with the given status. */
    forceEnd: (runId: string, status: 'completed' | 'failed' | 'expired'): Promise<MockRun> =>
      status === 'completed' ? this.runs.complete(runId) : status === 'failed' ? this.runs.fail(runId) : this.runs.expire(runId),
  };

  /**
   * The tenant's run events as they happen (no replay): `for await (const { event, data } of admin.events())`.
   * Leaving the loop (or `close()`) ends the connection.
   */
  events(filter: EventsFilter = {}): AdminEventStream {
    const controller = new AbortController();
    const { method, path } = ADMIN_OPERATIONS.events;
    const response = this.fetchOnce(method, path, { query: filter, signal: controller.signal, accept: 'text/event-stream' });
    const ready = response.then(() => undefined);
    ready.catch(() => undefined); // a failure surfaces on iteration too; no unhandled rejection here
    async function* frames(): AsyncGenerator<AdminEvent> {
      const res = await response;
      if (!res.body) return;
      try {
        for await (const frame of readSse(res.body)) yield { event: frame.event, data: parseData(frame.data) };
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      }
    }
    return {
      ready,
      close: () => controller.abort(),
      [Symbol.asyncIterator]: () => {
        const iterator = frames();
        return {
          next: () => iterator.next(),
          return: async (value?: unknown) => {
            controller.abort();
            return iterator.return(value as undefined);
          },
        };
      },
    };
  }

  // ---- transport ----------------------------------------------------------------------------------

  private async call<T>(
    operation: AdminOperation,
    request: { params?: Record<string, string>; query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const { method } = ADMIN_OPERATIONS[operation];
    let path: string = ADMIN_OPERATIONS[operation].path;
    for (const [name, value] of Object.entries(request.params ?? {})) path = path.replace(`{${name}}`, encodeURIComponent(value));
    const response = await this.fetchOnce(method, path, request);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** One request; throws the AdminApiError of a non-2xx answer. */
  private async fetchOnce(
    method: string,
    path: string,
    request: { query?: Query; body?: unknown; signal?: AbortSignal; accept?: string },
  ): Promise<Response> {
    const url = new URL(this.baseURL + path);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: request.accept ?? 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (this.options.adminKey) headers['x-admin-key'] = this.options.adminKey;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const fetchImpl = this.options.fetch ?? fetch;
    const response = await fetchImpl(url, {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
    if (response.ok) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    throw errorFor(response.status, body, `${method} ${path}`);
  }
}

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
