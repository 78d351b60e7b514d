/**
 * The server's log destination, made here rather than by pino so that the app holds it: the CLI
 * must let the last lines leave the process before it exits, and must be able to exit when they
 * cannot (stdout is a broken pipe or a reader that stopped reading, as in `assistants-mock | tee log`
 * after Ctrl-C). Only public stream API is used: `end()` flushes what is buffered and waits for the
 * write in flight ('close' once done), `destroy()` gives up on it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';

/** sonic-boom (stdout) or thread-stream (pino-pretty): both are ended, destroyed and report close or error. */
export interface LogDestination extends NodeJS.EventEmitter {
  write(chunk: string): boolean | void;
  end(): void;
  destroy(): void;
  readonly destroyed?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the app's log lines go; undefined when logging is off. */
    logDestination: LogDestination | undefined;
  }
}

export function createLogDestination(config: Config): LogDestination | undefined {
  if (!config.logger) return undefined;
  // One line per request in a terminal too: the request fields go into the message.
  if (config.prettyLogs) {
    pointPinoAtItsWorkers();
    return pino.transport({
      target: 'pino-pretty',
      options: {
        translateTime: 'HH:MM:ss.l',
        ignore: 'pid,hostname,request_id,method,url,status,tenant,ms',
        messageFormat: '{if method}{method} {url} {status} {ms}ms tenant={tenant}{end}{if request_id} [{request_id}]{end} {msg}',
        singleLine: true,
      },
    }) as unknown as LogDestination;
  }
  // What pino uses by default (asynchronous sonic-boom on fd 1, which stops logging on EPIPE).
  return pino.destination({ dest: 1, sync: false }) as unknown as LogDestination;
}

/**
 * pino's transport starts two worker threads from files it finds next to its own code; in the CLI's
 * bundle (scripts/bundle-options.mjs) its code is in dist/cli-main.cjs, where they are not. pino and
 * thread-stream read `globalThis.__bundlerPathsOverrides` for that case: point it at their files.
 */
function pointPinoAtItsWorkers(): void {
  const global = globalThis as { __bundlerPathsOverrides?: Record<string, string> };
  if (global.__bundlerPathsOverrides) return;
  const pinoMain = createRequire(import.meta.url).resolve('pino');
  global.__bundlerPathsOverrides = {
    'pino-worker': join(dirname(pinoMain), 'lib', 'worker.js'),
    'thread-stream-worker': createRequire(pinoMain).resolve('thread-stream/lib/worker.js'),
  };
}

export function loggerOptions(config: Config, destination: LogDestination | undefined): FastifyServerOptions['logger'] {
  if (!destination) return false;
  return { level: config.logLevel, stream: destination } as FastifyServerOptions['logger'];
}

/**
 * Waits (up to `timeoutMs`) until the lines logged so far have left the process, then lets it exit.
 * Without this, a write still in flight to a broken pipe learns of its EPIPE only after
 * process.exit(), and pino's exit-time flushSync retries it forever: the process never exits.
 */
export async function flushLogs(destination: LogDestination | undefined, timeoutMs = 1_000): Promise<void> {
  if (!destination || destination.destroyed) return;
  // The process is ending: a line it cannot write any more is no reason to crash.
  destination.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    destination.once('close', done);
    destination.once('error', done);
    destination.end();
  });
  releaseLogs(destination);
}

/** Gives up on lines not written yet, so that nothing at exit waits for them (pino skips a destroyed stream). */
export function releaseLogs(destination: LogDestination | undefined): void {
  if (!destination || destination.destroyed) return;
  destination.on('error', () => undefined);
  try {
    destination.destroy();
  } catch {
    /* already closing */
  }
}
