/**
 * Graceful shutdown for the CLI process (in-process users call `close()` themselves).
 *
 * First SIGTERM or SIGINT: `app.close()`, which stops accepting connections (new requests on kept-alive
 * sockets get 503), lets in-flight requests finish, ends open SSE streams (the server's preClose hook),
 * then runs the onClose hooks: engine and scheduler stop, the database is checkpointed and closed.
 * Non-terminal runs stay in the database and the engine resumes them at the next start.
 *
 * If draining takes longer than the grace period, the remaining connections are cut so that the
 * database still closes cleanly; if even that hangs, the process exits 1. A second signal exits at once
 * (SQLite's WAL makes that safe: the next open recovers every committed transaction).
 */
import { constants } from 'node:os';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface ShutdownOptions {
  /** How long in-flight requests and streams may take before their connections are cut. */
  graceMs: number;
  /** Seam for tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly ShutdownSignal[];
}

/** After the grace period, how long closing the database may take before the process gives up. */
const HARD_DEADLINE_EXTRA_MS = 2_000;
const IDLE_SWEEP_MS = 50;

export function installShutdown(app: FastifyInstance, options: ShutdownOptions): { shutdown(signal: ShutdownSignal): Promise<void> } {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let closing: Promise<void> | undefined;

  const shutdown = (signal: ShutdownSignal): Promise<void> => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting now without waiting for requests to finish');
      void flushLogs(app, 200).then(() => exit(128 + constants.signals[signal]));
      return closing;
    }
    app.log.info({ signal, grace_ms: options.graceMs }, 'shutting down: draining requests and streams');
    const cut = setTimeout(() => {
      app.log.warn('grace period over: closing the connections still open');
      app.server.closeAllConnections();
    }, options.graceMs);
    const giveUp = setTimeout(() => {
      app.log.error('shutdown did not finish in time: exiting');
      void flushLogs(app, 200).then(() => exit(1));
    }, options.graceMs + HARD_DEADLINE_EXTRA_MS);
    // A request that finishes during the drain leaves its kept-alive socket idle, and server.close()
    // only closes the sockets idle at the moment it is called: sweep them until closing is done, or
    // SDK clients (which keep connections alive) would hold the process for the whole grace period.
    const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    // None of the timers may keep the process alive once everything else has closed.
    cut.unref();
    giveUp.unref();
    sweep.unref();

    closing = app.close().then(
      async () => {
        clearTimeout(cut);
        clearTimeout(giveUp);
        clearInterval(sweep);
        app.log.info('shutdown complete');
        await flushLogs(app);
        exit(0);
      },
      async (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        await flushLogs(app);
        exit(1);
      },
    );
    return closing;
  };

  for (const signal of signals) process.on(signal, () => void shutdown(signal));
  return { shutdown };
}

/** What flushLogs needs of pino's destination: sonic-boom for stdout, thread-stream for pino-pretty. */
interface LogStream {
  /** sonic-boom: a write is in flight. */
  _writing?: boolean;
  flushSync?: () => void;
  flush?: (cb: (error?: Error) => void) => void;
}

/**
 * Waits (briefly) until the log lines written so far have left the process, then makes exiting safe.
 * Besides not losing the last lines, this matters when stdout is a broken pipe (its reader died, as in
 * `assistants-mock | tee log` after Ctrl-C): pino's stdout stream learns of the EPIPE only when its
 * write in flight fails, and if process.exit() comes first, pino's exit-time flushSync retries the
 * EPIPE forever and the process never exits. sonic-boom's flush() does not wait for the write in
 * flight, hence the look at its `_writing` flag.
 */
export async function flushLogs(app: FastifyInstance, timeoutMs = 1_000): Promise<void> {
  const stream = (app.log as unknown as Record<symbol, LogStream | undefined>)[pino.symbols.streamSym];
  if (!stream) return; // logging off
  const deadline = Date.now() + timeoutMs;
  if (typeof stream._writing === 'boolean') {
    while (stream._writing && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Still stuck (a reader that stopped reading): exit without the flush rather than hang.
    if (stream._writing) stream.flushSync = () => undefined;
  } else if (typeof stream.flush === 'function') {
    const flush = stream.flush.bind(stream);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      flush(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
