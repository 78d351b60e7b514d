/**
 * Graceful shutdown and crash handling for the CLI process (in-process users call `close()`
 * themselves), with close-with-grace: it owns the signal and error listeners and the final exit.
 *
 * First SIGTERM or SIGINT: `app.close()`, which stops accepting connections (new requests on kept-alive
 * sockets get 503), lets in-flight requests finish, ends open SSE streams (the server's preClose hook),
 * then runs the onClose hooks: engine and scheduler stop, the database is checkpointed and closed.
 * Non-terminal runs stay in the database and the engine resumes them at the next start. An uncaught
 * exception or unhandled rejection closes the same way, then exits 1.
 *
 * If draining takes longer than the grace period, the remaining connections are cut so that the
 * database still closes cleanly; if even that hangs, the process exits 1. A second signal exits at once
 * (SQLite's WAL makes that safe: the next open recovers every committed transaction).
 */
import { constants } from 'node:os';
import closeWithGrace, { type Signals } from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { flushLogs, releaseLogs } from './http/log-destination.js';

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface ShutdownOptions {
  /** How long in-flight requests and streams may take before their connections are cut. */
  graceMs: number;
}

/** After the grace period, how long closing the database may take before the process gives up. */
const HARD_DEADLINE_EXTRA_MS = 2_000;
const IDLE_SWEEP_MS = 50;
/** close-with-grace listens to these too; the server keeps the default meaning of every signal but two. */
const OTHER_SIGNALS: Signals[] = ['SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2'];

export function installShutdown(app: FastifyInstance, options: ShutdownOptions): void {
  const logs = app.logDestination;
  closeWithGrace(
    {
      delay: options.graceMs + HARD_DEADLINE_EXTRA_MS,
      logger: false, // everything is logged through the app's logger
      // 'beforeExit' never comes while the server listens; skipping it leaves a failed start to the CLI.
      skip: [...OTHER_SIGNALS, 'beforeExit'],
      onSecondSignal: (signal) => {
        app.log.warn({ signal }, 'second signal: exiting now without waiting for requests to finish');
        releaseLogs(logs);
        process.exit(128 + constants.signals[signal]);
      },
      onSecondError: (error) => {
        app.log.error({ err: error }, 'second uncaught error while shutting down: exiting');
        releaseLogs(logs);
      },
      onTimeout: () => {
        app.log.error('shutdown did not finish in time: exiting');
        releaseLogs(logs);
      },
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'uncaught error: shutting down');
      else app.log.info({ signal, grace_ms: options.graceMs }, 'shutting down: draining requests and streams');
      const cut = setTimeout(() => {
        app.log.warn('grace period over: closing the connections still open');
        app.server.closeAllConnections();
      }, options.graceMs);
      // A request that finishes during the drain leaves its kept-alive socket idle, and server.close()
      // only closes the sockets idle at the moment it is called: sweep them until closing is done, or
      // SDK clients (which keep connections alive) would hold the process for the whole grace period.
      const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
      // Neither timer may keep the process alive once everything else has closed.
      cut.unref();
      sweep.unref();
      try {
        await app.close();
        app.log.info('shutdown complete');
      } catch (error) {
        app.log.error({ err: error }, 'shutdown failed');
        throw error; // close-with-grace exits 1
      } finally {
        clearTimeout(cut);
        clearInterval(sweep);
        await flushLogs(logs);
      }
    },
  );
}
