/**
 * The `assistants-mock` command (started by src/launcher/cli.ts, which runs this module's bundle). Every setting is a flag; a flag wins over its environment variable,
 * which wins over the default (resolveConfig in config.ts owns that order, so the CLI passes only the
 * flags actually given). The banner goes to stderr so that stdout carries nothing but log lines.
 */
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import { ENVIRONMENT, resolveConfig, type Config, type ServerOptions } from './config.js';
import { flushLogs } from './http/log-destination.js';
import { installShutdown } from './shutdown.js';
import { formatModelMap } from './brains/backend/settings.js';
import { VERSION } from './version.js';

const NAME = 'assistants-mock';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Below Docker's default 10 s stop timeout, so a `docker stop` never ends in SIGKILL. */
const DEFAULT_GRACE_MS = 5_000;

/**
 * One flag per environment variable of config.ts. Keyed by ENVIRONMENT's names, so adding a variable
 * there without a flag here fails to compile: every setting stays a flag.
 */
interface FlagSpec {
  flags: string;
  /** The ServerOptions field the flag sets. */
  option: keyof ServerOptions;
  // Method syntax: parsers with a typed `previous` (keyList) still fit.
  parse?(value: string, previous: unknown): unknown;
  choices?: readonly string[];
}

const FLAGS: Record<keyof typeof ENVIRONMENT, FlagSpec> = {
  PORT: { flags: '-p, --port <number>', option: 'port', parse: port },
  HOST: { flags: '--host <address>', option: 'host' },
  DB_PATH: { flags: '--db <path>', option: 'dbPath' },
  API_KEY: { flags: '--api-key <key>', option: 'apiKeys', parse: keyList },
  ADMIN_KEY: { flags: '--admin-key <key>', option: 'adminKey' },
  SCENARIOS: { flags: '--scenarios <path>', option: 'scenarios' },
  LOG_LEVEL: { flags: '--log-level <level>', option: 'logLevel', choices: LOG_LEVELS },
  RUN_MODE: { flags: '--run-mode <mode>', option: 'runMode', choices: ['auto', 'manual'] },
  STREAM_DELAY_MS: { flags: '--stream-delay-ms <ms>', option: 'streamDelayMs', parse: wholeNumber },
  STREAM_CHUNK_TOKENS: { flags: '--stream-chunk-tokens <n>', option: 'streamChunkTokens', parse: wholeNumber },
  STREAM_STALL_TIMEOUT_MS: { flags: '--stream-stall-timeout-ms <ms>', option: 'streamStallTimeoutMs', parse: wholeNumber },
  POLL_AFTER_MS: { flags: '--poll-after-ms <ms>', option: 'pollAfterMs', parse: wholeNumber },
  BODY_LIMIT_BYTES: { flags: '--body-limit-bytes <n>', option: 'bodyLimitBytes', parse: wholeNumber },
  UPLOAD_LIMIT_BYTES: { flags: '--upload-limit-bytes <n>', option: 'uploadLimitBytes', parse: wholeNumber },
  DEFAULT_REPLY: { flags: '--default-reply <template>', option: 'defaultReply' },
  JOURNAL_LIMIT_BYTES: { flags: '--journal-limit-bytes <n>', option: 'journalLimitBytes', parse: wholeNumber },
  HEADERS_TIMEOUT_MS: { flags: '--headers-timeout-ms <ms>', option: 'headersTimeoutMs', parse: wholeNumber },
  REQUEST_TIMEOUT_MS: { flags: '--request-timeout-ms <ms>', option: 'requestTimeoutMs', parse: wholeNumber },
  UNMATCHED: { flags: '--unmatched <mode>', option: 'unmatched', choices: ['default', 'error'] },
  MODEL_BACKEND_URL: { flags: '--model-backend-url <url>', option: 'modelBackendUrl' },
  MODEL_BACKEND_KEY: { flags: '--model-backend-key <key>', option: 'modelBackendKey' },
  MODEL_MAP: { flags: '--model-map <pairs>', option: 'modelMap' },
  MODEL_BACKEND_TIMEOUT_MS: { flags: '--model-backend-timeout-ms <ms>', option: 'modelBackendTimeoutMs', parse: wholeNumber },
  RECORD_TO: { flags: '--record-to <path>', option: 'recordTo' },
};

/** Flags of the CLI itself, not of the server: they have no environment variable. */
interface CliFlags {
  logFormat: 'auto' | 'json' | 'pretty';
  shutdownGraceMs: number;
  banner: boolean;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number.');
  return n;
}

function port(value: string): number {
  const n = wholeNumber(value);
  if (n > 65_535) throw new InvalidArgumentError('must be between 0 and 65535.');
  return n;
}

/** `--api-key a --api-key b` and `--api-key a,b` both give [a, b], as API_KEY=a,b does. */
function keyList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function buildProgram(): Command {
  const program = new Command(NAME)
    .description('A local, stateful stand-in for the OpenAI Assistants API (OpenAI and Azure clients).')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .allowExcessArguments(false);
  for (const [name, spec] of Object.entries(FLAGS)) {
    const option = new Option(spec.flags, `${ENVIRONMENT[name as keyof typeof ENVIRONMENT]} [env ${name}]`);
    if (spec.parse) option.argParser(spec.parse);
    if (spec.choices) option.choices(spec.choices);
    program.addOption(option);
  }
  program
    .addOption(
      new Option('--log-format <format>', 'auto: pretty when stdout is a terminal, else JSON lines')
        .choices(['auto', 'json', 'pretty'])
        .default('auto'),
    )
    .addOption(
      new Option('--shutdown-grace-ms <ms>', 'on SIGTERM/SIGINT, how long requests and streams may finish before being cut')
        .argParser(wholeNumber)
        .default(DEFAULT_GRACE_MS),
    )
    .addOption(new Option('--no-banner', 'do not print the start-up banner (stderr)'));

  const width = Math.max(...Object.keys(ENVIRONMENT).map((k) => k.length));
  const envHelp = Object.entries(ENVIRONMENT)
    .map(([name, text]) => `  ${name.padEnd(width)}  ${text}`)
    .join('\n');
  program.addHelpText(
    'after',
    `
Environment (a flag given on the command line wins over its variable):
${envHelp}

Examples:
  ${NAME}                                  # http://127.0.0.1:4141, database in ./data
  ${NAME} --port 0 --db :memory:           # a free port, a throw-away database
  ${NAME} --api-key sk-test --scenarios ./scenarios
  PORT=8080 LOG_LEVEL=debug ${NAME}

OpenAI clients:  baseURL http://HOST:PORT/v1     Azure clients:  endpoint http://HOST:PORT
Docs:            http://HOST:PORT/docs          Control API:    http://HOST:PORT/__admin
Web UI:          http://HOST:PORT/__admin/ui    (playground and inspector)
`,
  );
  return program;
}

function toServerOptions(program: Command): ServerOptions {
  const given = program.opts<Record<string, unknown>>();
  const options: Record<string, unknown> = {};
  for (const spec of Object.values(FLAGS)) {
    // Only flags actually given: an absent one leaves its environment variable in charge.
    const value = given[new Option(spec.flags).attributeName()];
    if (value !== undefined) options[spec.option] = value;
  }
  const { logFormat } = program.opts<CliFlags>();
  if (logFormat !== 'auto') options.prettyLogs = logFormat === 'pretty';
  return options as ServerOptions;
}

function fail(message: string): never {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(1);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function listenProblem(error: unknown, host: string, portNumber: number): string | undefined {
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return `port ${portNumber} on ${host} is already in use; stop the other process or pick another port with --port (or PORT).`;
    case 'EACCES':
      return `not allowed to listen on port ${portNumber}; pick a port above 1023 with --port (or PORT).`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `cannot listen on ${host}: no such address on this machine; check --host (or HOST).`;
    default:
      return undefined;
  }
}

/**
 * Binds and releases the port before anything else starts. Fastify's listen() runs the onReady hooks
 * (the engine resumes runs) before it binds, so without this check a second instance started by
 * mistake on the same database would briefly work on the first one's runs before failing.
 */
function assertPortFree(host: string, portNumber: number): Promise<void> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (error) =>
      fail(listenProblem(error, host, portNumber) ?? `cannot listen on ${host}:${portNumber}: ${String(error)}`),
    );
    probe.listen({ port: portNumber, host, exclusive: true }, () => probe.close(() => done()));
  });
}

function urlHost(host: string): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return shown.includes(':') ? `[${shown}]` : shown;
}

function banner(config: Config, actualPort: number): string {
  const base = `http://${urlHost(config.host)}:${actualPort}`;
  const everywhere = config.host === '0.0.0.0' || config.host === '::' ? ` (bound to ${config.host}: every interface)` : '';
  const db = config.dbPath === ':memory:' ? ':memory: (lost when the process exits)' : resolve(config.dbPath);
  const keys = config.apiKeys.length === 0 ? 'any key accepted' : `${config.apiKeys.length} key(s) required`;
  const admin = config.adminKey ? 'server-wide actions need the admin key' : 'server-wide actions open';
  return [
    `${NAME} ${VERSION} listening on ${base}${everywhere}`,
    `  OpenAI base URL  ${base}/v1`,
    `  Azure endpoint   ${base}`,
    `  API docs         ${base}/docs  (OpenAPI document: ${base}/openapi.json)`,
    `  Control API      ${base}/__admin  (${admin})`,
    `  Web UI           ${base}/__admin/ui  (inspector and playground)`,
    `  Database         ${db}`,
    `  API keys         ${keys}; run mode ${config.runMode}`,
    ...backendLines(config),
    '',
  ].join('\n');
}

/** The model backend, when one is set: where, which models, and where its turns are recorded. */
function backendLines(config: Config): string[] {
  const backend = config.modelBackend;
  if (!backend) return [];
  const map = backend.modelMap.size > 0 ? `model map ${formatModelMap(backend.modelMap)}` : 'run models passed through';
  return [
    `  Model backend    ${backend.url}  (${map}${backend.key ? ', with a key' : ''})`,
    ...(config.recordTo ? [`  Recording to     ${resolve(config.recordTo)}  (replay with SCENARIOS)`] : []),
  ];
}

/** Parses `argv` and starts the server; resolves once it listens (the banner printed) with its app. */
export async function main(argv: string[]): Promise<FastifyInstance> {
  const program = buildProgram();
  program.parse(argv);
  const flags = program.opts<CliFlags>();
  const options = toServerOptions(program);

  let config: Config;
  let app: FastifyInstance;
  try {
    // Resolved here too (buildApp does it again) to report a bad variable before anything opens.
    config = resolveConfig(options);
    // The probe waits on the event loop while the server's modules load: both before the database opens.
    const portChecked = config.port !== 0 ? assertPortFree(config.host, config.port) : undefined;
    // Imported only now, so that --help, --version and flag errors answer without loading the server.
    const { buildApp } = await import('./server.js');
    await portChecked;
    app = await buildApp(options);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  installShutdown(app, { graceMs: flags.shutdownGraceMs });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    await flushLogs(app.logDestination);
    fail(listenProblem(error, config.host, config.port) ?? (error instanceof Error ? error.message : String(error)));
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : config.port;
  if (flags.banner) process.stderr.write(banner(config, actualPort));
  return app;
}
