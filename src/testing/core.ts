/**
 * `assistants-mock/testing`: the runner-neutral core of the test helpers. The vitest, node:test and
 * Jest entries (vitest.ts, node-test.ts, jest.ts) only hand it their hook functions.
 *
 * What it does for a test file: one server for the file (or the one a global setup started, whose
 * root URL arrives in ASSISTANTS_MOCK_URL or the `url` option); before each test a fresh API key,
 * so each test is its own tenant (objects, scenarios, faults, journal, strict mode); after each test
 * a reset of that tenant.
 */
import { randomUUID } from 'node:crypto';
import { AdminClient } from '../client/admin-client.js';
import type { ServerOptions } from '../config.js';

/** The environment variable that hands a running server's root URL to test files. */
export const URL_ENV = 'ASSISTANTS_MOCK_URL';

export interface AssistantsMockOptions {
  /** Root URL of a running server to use; default: ASSISTANTS_MOCK_URL, else a server is started for the file. */
  url?: string;
  /** Options of the server started for the file (default: a free port, an in-memory database, no logs). */
  server?: ServerOptions;
  /** One API key for every test instead of a fresh one each (for a server whose API_KEY accepts only listed keys). */
  apiKey?: string;
  /** Sent as x-admin-key by `admin` (a server with ADMIN_KEY set). */
  adminKey?: string;
  /** Reset the test's tenant after each test (default true). */
  reset?: boolean;
}

/** What a test uses; read it inside tests and hooks (the values change from test to test). */
export interface AssistantsMock {
  /** Root URL of the server, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Base URL for OpenAI clients: `${url}/v1`. */
  readonly baseURL: string;
  /** The current test's API key: its tenant. */
  readonly apiKey: string;
  /** The control API, acting on the current test's tenant. */
  readonly admin: AdminClient;
}

/** The hooks of a test runner, as vitest, node:test and Jest name them (node:test's `before`/`after` passed as these). */
export interface RunnerHooks {
  beforeAll(fn: () => Promise<void>): void;
  afterAll(fn: () => Promise<void>): void;
  beforeEach(fn: () => Promise<void>): void;
  afterEach(fn: () => Promise<void>): void;
}

/** A server, started and stopped by the harness, or one that runs elsewhere. */
interface ServerLease {
  url: string;
  close(): Promise<void>;
}

/**
 * The harness without a runner: `start` once per file, `beginTest` / `endTest` around each test,
 * `stop` at the end. registerAssistantsMock wires these to a runner's hooks.
 */
export class AssistantsMockHarness implements AssistantsMock {
  private server: ServerLease | undefined;
  private current: { apiKey: string; admin: AdminClient } | undefined;

  constructor(private readonly options: AssistantsMockOptions = {}) {}

  async start(): Promise<void> {
    if (this.server) return;
    const url = this.options.url ?? process.env[URL_ENV];
    if (url) {
      this.server = { url: url.replace(/\/+$/, '').replace(/\/v1$/, ''), close: async () => undefined };
      return;
    }
    // Loaded only here: a suite that points at a running server never loads the server's code.
    const { startServer } = await import('../server.js');
    const started = await startServer({ port: 0, dbPath: ':memory:', logger: false, ...this.options.server });
    this.server = { url: started.url, close: () => started.close() };
  }

  async beginTest(): Promise<void> {
    const apiKey = this.options.apiKey ?? `sk-test-${randomUUID()}`;
    this.current = { apiKey, admin: new AdminClient({ baseURL: this.url, apiKey, adminKey: this.options.adminKey }) };
  }

  async endTest(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (current && this.options.reset !== false) await current.admin.reset();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  get url(): string {
    if (!this.server) throw new Error('assistants-mock: `url` is set once the before-all hook has run (use it inside tests and hooks).');
    return this.server.url;
  }

  get baseURL(): string {
    return `${this.url}/v1`;
  }

  get apiKey(): string {
    return this.test().apiKey;
  }

  get admin(): AdminClient {
    return this.test().admin;
  }

  private test() {
    if (!this.current)
      throw new Error('assistants-mock: `apiKey` and `admin` belong to a test: use them inside tests and beforeEach/afterEach hooks.');
    return this.current;
  }
}

/** Registers the harness on a runner's hooks and returns what tests read. */
export function registerAssistantsMock(hooks: RunnerHooks, options: AssistantsMockOptions = {}): AssistantsMock {
  const harness = new AssistantsMockHarness(options);
  hooks.beforeAll(() => harness.start());
  hooks.beforeEach(() => harness.beginTest());
  hooks.afterEach(() => harness.endTest());
  hooks.afterAll(() => harness.stop());
  return harness;
}

/**
 * For a global setup (one server for the whole run): starts a server and puts its root URL into
 * ASSISTANTS_MOCK_URL, which test workers started afterwards inherit. Returns the stop function.
 */
export async function startSharedServer(options: ServerOptions = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const { startServer } = await import('../server.js');
  const server = await startServer({ port: 0, dbPath: ':memory:', logger: false, ...options });
  process.env[URL_ENV] = server.url;
  return {
    url: server.url,
    stop: async () => {
      if (process.env[URL_ENV] === server.url) delete process.env[URL_ENV];
      await server.close();
    },
  };
}
