/**
 * The app factory: one Fastify instance with its database, clock, scheduler, event bus and run
 * engine. `buildApp` is for route-level tests (supertest, inject); `startServer` listens on a port
 * and is what the CLI and in-process users call.
 */
import type { ServerOptions as HttpServerOptions } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { resolveConfig, type Config, type ServerOptions } from './config.js';
import type { AppContext, AppServices } from './context.js';
import { SystemClock } from './engine/clock.js';
import { Scheduler } from './engine/scheduler.js';
import { RunEngine } from './engine/run-engine.js';
import type { Brain } from './brains/brain.js';
import { BrainChain } from './brains/chain.js';
import { createBackendBrain } from './brains/backend/index.js';
import { DefaultBehavior } from './brains/defaults.js';
import { EventBus } from './streaming/event-bus.js';
import { StreamRegistry } from './streaming/sse.js';
import { closeDatabase, openDatabase } from './store/database.js';
import { newRequestId } from './util/ids.js';
import { trackConnections } from './http/connections.js';
import { installRequestHooks } from './http/request-hooks.js';
import { lazyChildLoggerFactory } from './http/lazy-logger.js';
import { createLogDestination, loggerOptions } from './http/log-destination.js';
import { docsPageRoutes } from './http/docs-page.js';
import { registerOpenApi } from './http/openapi.js';
import { uiRoutes } from './http/ui-route.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './http/error-handler.js';
import { invalidJson, jsonTooDeep } from './http/errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './http/json-depth.js';
import { validatorCompiler } from './http/validation.js';
import { runWhenIdle } from './http/idle-work.js';
import { registerApiRoutes } from './http/routes/index.js';
import { rewriteForRouter } from './http/router-rewrite.js';
import { registerAdmin } from './admin/index.js';
import { resumeVectorStoreProcessing } from './retrieval/ingest.js';
import { createAdminServices } from './admin/services.js';
import { adminRequestHookParts } from './admin/request-hook-parts.js';
import { loadServerClockOffset, loadTenantClockOffsets, saveTenantClockOffset } from './store/clock-offsets.js';
import { TenantClocks } from './engine/tenant-clocks.js';
import { VERSION } from './version.js';
import type { AdminClient } from './client/admin-client.js';
import { countTokens } from './brains/tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

export interface RunningServer {
  /** Base of the server, e.g. `http://127.0.0.1:4141`; OpenAI clients use `${url}/v1`. */
  url: string;
  port: number;
  app: FastifyInstance;
  /**
   * The control API of this server (src/client/admin-client.ts), acting on the tenant of the first
   * of `apiKeys` (or of requests without a key); `admin.withApiKey(key)` for another tenant.
   */
  admin: AdminClient;
  close(): Promise<void>;
}

/** Pretty-printed JSON with two-space indentation, as the real service answers (ERRORS.md). */
const serialize = (payload: unknown) => JSON.stringify(payload, null, 2);

/**
 * Our compilers from the start (the setters in buildApp install the same ones): without them Fastify
 * loads its default Ajv and fast-json-stringify compilers at start-up, never to use them. Fastify types
 * these factories for its own compilers' arguments, which ours ignore.
 */
const OUR_COMPILERS = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => () => serialize,
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

/** What the app is built from: the server's settings, and services a program (or a test) hands in. */
export interface AppOptions extends ServerOptions {
  /**
   * The brain that answers turns no scenario plays (a model backend, src/brains/brain.ts); skipped
   * for runs whose run or assistant metadata has `mock_backend: "off"`. Unset: the built-in defaults.
   */
  backendBrain?: Brain;
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const config = resolveConfig(options);
  // Before the database opens: a bad scenario file stops the start with nothing left open.
  const admin = createAdminServices(config);
  const db = openDatabase(config.dbPath);
  const clock = config.clock ?? new SystemClock(loadServerClockOffset(db));
  const clocks = new TenantClocks(clock, loadTenantClockOffsets(db), (tenant, offsetMs) => saveTenantClockOffset(db, tenant, offsetMs));
  const logDestination = createLogDestination(config);
  const app = Fastify({
    logger: loggerOptions(config, logDestination),
    genReqId: () => newRequestId(),
    childLoggerFactory: lazyChildLoggerFactory,
    // One log line per request comes from our onResponse hook (with tenant and timing).
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    ...timeoutOptions(config),
    clientErrorHandler,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 500 },
    // Each API route is registered once: /openai is routed as /v1 and HEAD as GET (src/http/router-rewrite.ts).
    rewriteUrl: rewriteForRouter,
    exposeHeadRoutes: false,
    frameworkErrors: frameworkErrorHandler,
    ajv: undefined,
    schemaController: { compilersFactory: OUR_COMPILERS },
  });
  const services: AppServices = {
    config,
    db,
    clock,
    clocks,
    scheduler: new Scheduler(clocks),
    bus: new EventBus(),
    streams: new StreamRegistry(config.streamStallTimeoutMs),
    ...admin,
    log: app.log,
  };
  const brain = new BrainChain({
    scenarios: services.scenarios,
    // A brain handed in (tests, programs) wins; else the model backend of MODEL_BACKEND_URL, if any.
    backend: options.backendBrain ?? createBackendBrain(config, db, { warn: (obj, msg) => app.log.warn(obj, msg) }),
    defaults: new DefaultBehavior(config.defaultReply),
  });
  const ctx: AppContext = { ...services, engine: new RunEngine(services, brain) };
  app.decorate('ctx', ctx);
  app.decorate('logDestination', logDestination);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => serialize);
  app.setReplySerializer(serialize);
  installJsonParser(app);
  installErrorHandling(app, config.bodyLimitBytes);
  installRequestHooks(app, config, adminRequestHookParts(ctx));

  registerOpenApi(app, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'assistants-mock',
        version: VERSION,
        description:
          'A local stand-in for the OpenAI Assistants API (v1 and v2). OpenAI clients use /v1, Azure clients /openai; /__admin is the control API.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'api-key' },
        },
      },
    },
  });
  docsPageRoutes(app);
  uiRoutes(app);

  app.get('/healthz', { schema: { hide: true }, config: { public: true } }, async () => ({ status: 'ok', version: VERSION }));
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  await registerApiRoutes(app, ctx);
  await registerAdmin(app, ctx);

  let stopIdleWork = () => {};
  app.addHook('onReady', async () => {
    // Work left by a stopped server: vector store files still waiting for indexing, then unfinished runs.
    resumeVectorStoreProcessing(ctx);
    await ctx.engine.start();
    // Load the tokenizer (~0.3 s, else loaded by the first run that counts tokens) in idle time after the
    // first answer, never in front of it (src/http/idle-work.ts). Validators compile on first use.
    const loadTokenizer = () => {
      countTokens('warm up');
      return false; // one piece: nothing left
    };
    stopIdleWork = runWhenIdle(app.server, [loadTokenizer]);
  });
  // Streams are long-lived responses: end them first, or closing would wait for them; and connections
  // without a request in flight must not hold the close either (src/http/connections.ts).
  const connections = trackConnections(app.server);
  app.addHook('preClose', async () => {
    ctx.streams.closeAll();
    connections.closeIdle();
  });
  app.addHook('onClose', async () => {
    stopIdleWork();
    ctx.engine.stop();
    ctx.scheduler.close();
    closeDatabase(db);
  });
  return app;
}

export async function startServer(options: AppOptions = {}): Promise<RunningServer> {
  const app = await buildApp(options);
  const { port, host } = app.ctx.config;
  try {
    await app.listen({ port, host });
  } catch (error) {
    // A port in use (say) must not leave the database open and the engine running.
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${actualPort}`;
  const { apiKeys, adminKey } = app.ctx.config;
  // Loaded here, not with the module: the CLI builds the app without it (a few ms of its start-up).
  const { AdminClient } = await import('./client/admin-client.js');
  return {
    url,
    port: actualPort,
    app,
    admin: new AdminClient({ baseURL: url, apiKey: apiKeys[0], adminKey }),
    close: () => app.close(),
  };
}

/**
 * Timeouts for receiving a request (docs/reliability.md, "Limits and timeouts"). Node applies both
 * until the request has been received, never to the response, so a long SSE stream is not cut. Node
 * checks them on an interval (30 s by default), made shorter here so that they fire near their time.
 */
function timeoutOptions(config: Config): { requestTimeout: number; http: HttpServerOptions } {
  const set = [config.headersTimeoutMs, config.requestTimeoutMs].filter((ms) => ms > 0);
  const interval = Math.min(5_000, Math.max(50, Math.floor(Math.min(...set, 10_000) / 4)));
  return {
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      // 0 is "no limit" for the request timeout but not for this one in Node: the request timeout (which
      // covers the headers too) or a day stands for it.
      headersTimeout: config.headersTimeoutMs || config.requestTimeoutMs || 86_400_000,
      connectionsCheckingInterval: interval,
    },
  };
}

/** JSON bodies: an empty body counts as `{}`; a broken one gets the real "could not parse" 400, a too deep one a 400 too. */
function installJsonParser(app: FastifyInstance): void {
  // Only JSON (and multipart, for files) is accepted: anything else is a 415, as documented.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      request.call.bodyText = text;
      return done(null, {});
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return done(jsonTooDeep(MAX_JSON_DEPTH), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(invalidJson(), undefined);
    }
    // For the request journal: the text as it came, only once it parsed (src/http/compat.ts, CallContext).
    request.call.bodyText = text;
    done(null, parsed);
  });
}
