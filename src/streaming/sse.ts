/**
 * Server-Sent Events: `event: NAME` / `data: JSON` frames, as docs/streaming.md
 * describes them. A run stream ends after the run's final event with `event: done` / `data: [DONE]`;
 * a client that goes away only unsubscribes (the run carries on). Writes respect backpressure: a run's
 * deltas wait while its stream is congested, and a client that stops reading is cut off after the stall
 * timeout (or once too much is buffered for it), so it cannot hold memory hostage. docs/streaming.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { StreamSummary } from './stream-summary.js';
import type { BusEvent, EventBus } from './event-bus.js';

/** The events after which a run stream closes (the SDK's final run events, plus incomplete). */
export const FINAL_RUN_EVENTS = new Set([
  'thread.run.requires_action',
  'thread.run.completed',
  'thread.run.incomplete',
  'thread.run.failed',
  'thread.run.cancelled',
  'thread.run.expired',
]);

/**
 * Backpressure. A run stream whose unsent bytes pass this soft limit is "congested": the run engine
 * stops publishing its deltas until the response emits `drain` (RunEngine.phaseStream asks
 * `StreamRegistry.isCongested`), so a long reply goes out as fast as the client reads it, with at most
 * this much (plus one event) waiting in memory. Small enough to bound memory, large enough that a
 * 60,000-word reply takes a few dozen rounds, not thousands. Found by test/streaming.backpressure.test.ts.
 */
export const SOFT_LIMIT_BYTES = 256 * 1024;

/**
 * A congested stream that still grows by this much (events that are not paced: the final message of a
 * huge reply, the /__admin/events feed) is cut at once, so a client that reads nothing cannot hold
 * memory hostage.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** A congested stream that has not drained for this long belongs to a client that stopped reading. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

type ApiErrorBody = { message: string; type: string; param: string | null; code: string | null };

/** Every open stream of one server, so shutdown can end them cleanly, by run for backpressure and endings. */
export class StreamRegistry {
  private readonly open = new Set<SseStream>();
  private readonly byRun = new Map<string, Set<SseStream>>();
  /** Runs with a congested stream, and what waits for them to drain. */
  private readonly congested = new Map<string, { streams: Set<SseStream>; waiters: (() => void)[] }>();

  constructor(readonly stallTimeoutMs: number = DEFAULT_STALL_TIMEOUT_MS) {}

  add(stream: SseStream): void {
    this.open.add(stream);
    if (stream.runId !== undefined) addTo(this.byRun, stream.runId, stream);
  }

  delete(stream: SseStream): void {
    this.open.delete(stream);
    if (stream.runId === undefined) return;
    removeFrom(this.byRun, stream.runId, stream);
    this.drained(stream);
  }

  get size(): number {
    return this.open.size;
  }

  /** Whether a stream of this run waits for its client to read (checked after each published delta). */
  isCongested(runId: string): boolean {
    return this.congested.size !== 0 && this.congested.has(runId);
  }

  /** Calls `resume` once no stream of the run is congested any more (drained, cut or closed). */
  whenDrained(runId: string, resume: () => void): void {
    const entry = this.congested.get(runId);
    if (entry) entry.waiters.push(resume);
    else resume();
  }

  /** @internal SseStream: its unsent bytes passed SOFT_LIMIT_BYTES. */
  congestedStream(stream: SseStream): void {
    if (stream.runId === undefined) return;
    let entry = this.congested.get(stream.runId);
    if (!entry) this.congested.set(stream.runId, (entry = { streams: new Set(), waiters: [] }));
    entry.streams.add(stream);
  }

  /** @internal SseStream: drained, or closed. */
  drained(stream: SseStream): void {
    if (stream.runId === undefined) return;
    const entry = this.congested.get(stream.runId);
    if (!entry || !entry.streams.delete(stream) || entry.streams.size > 0) return;
    this.congested.delete(stream.runId);
    for (const resume of entry.waiters) resume();
  }

  /**
   * The run ended without its stream seeing a final event (its thread was deleted, its tenant reset
   * and the final event could not be sent): an `error` event, then `done`, so no SDK helper waits for
   * ever. A stream that got its final run event is already closed and is not touched.
   */
  endRun(runId: string, error: ApiErrorBody): void {
    for (const stream of [...(this.byRun.get(runId) ?? [])]) stream.failThenDone(error);
  }

  /** Shutdown: tell each client with an `error` event, then end its response. */
  closeAll(): void {
    for (const stream of [...this.open]) {
      stream.fail({
        message: 'The server is shutting down; the run continues after a restart.',
        type: 'server_error',
        param: null,
        code: 'server_shutdown',
      });
    }
  }
}

export class SseStream {
  private closed = false;
  private readonly cleanups: (() => void)[] = [];
  readonly raw: ServerResponse;
  /** While congested: the unsent bytes when it started (growth past MAX_BUFFERED_BYTES cuts the client). */
  private congestedAt = -1;
  private stallTimer: NodeJS.Timeout | undefined;
  /** The events sent, for the request journal; undefined for streams that are not journaled. */
  private summary: StreamSummary | undefined;

  constructor(
    request: FastifyRequest,
    reply: FastifyReply,
    private readonly registry: StreamRegistry,
    /** The run this stream follows (run streams pace that run's deltas); undefined for the events feed. */
    readonly runId?: string,
  ) {
    reply.hijack();
    this.raw = reply.raw;
    // An API stream's journal entry shows which events it sent (src/admin/journal.ts); the events feed is not journaled.
    const call = request.call;
    if (call !== undefined && (call.surface === 'openai' || call.surface === 'azure')) call.response = this.summary = new StreamSummary();
    const started = request.call?.startedAt;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': request.id,
      'openai-version': '2020-10-01',
      'openai-processing-ms': started === undefined ? '0' : String(Number((process.hrtime.bigint() - started) / 1_000_000n)),
      'x-accel-buffering': 'no',
    });
    this.raw.flushHeaders();
    registry.add(this);
    this.raw.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(cleanup: () => void): void {
    if (this.closed) cleanup();
    else this.cleanups.push(cleanup);
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    this.summary?.note(event);
    // Fast path: the socket took it (or little is waiting); one write and one comparison.
    if (this.raw.write(frame(event, data)) || this.raw.writableLength <= SOFT_LIMIT_BYTES) return;
    this.backpressure();
  }

  comment(text: string): void {
    if (!this.closed) this.raw.write(`: ${text}\n\n`);
  }

  /** `event: done` / `data: [DONE]`, then the end of the response. */
  done(): void {
    if (this.closed) return;
    this.summary?.note('done');
    this.raw.write(frame('done', '[DONE]'));
    this.end();
  }

  fail(error: ApiErrorBody): void {
    if (this.closed) return;
    // Wrapped in `error`: the form every SDK turns into a complete APIError (STREAMING.md section 1).
    this.summary?.note('error');
    this.raw.write(frame('error', { error }));
    this.end();
  }

  /** An `error` event, then `done`: a run stream that will never see its final run event. */
  failThenDone(error: ApiErrorBody): void {
    if (this.closed) return;
    this.summary?.note('error');
    this.raw.write(frame('error', { error }));
    this.done();
  }

  end(): void {
    if (this.closed) return;
    this.raw.end();
    this.close();
  }

  /** Past the soft limit: wait for `drain`; cut a client that lets it grow further or stops reading. */
  private backpressure(): void {
    if (this.congestedAt >= 0) {
      if (this.raw.writableLength - this.congestedAt > MAX_BUFFERED_BYTES) this.cut();
      return;
    }
    this.congestedAt = this.raw.writableLength;
    this.registry.congestedStream(this);
    this.raw.once('drain', this.onDrain);
    this.stallTimer = setTimeout(() => this.cut(), this.registry.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private readonly onDrain = (): void => {
    this.congestedAt = -1;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.registry.drained(this);
  };

  /**
   * Closed at once, not on the socket's 'close' event: until then every later event of the run was
   * written to the destroyed stream, each write failing with an error object of its own (~400 MB of
   * garbage for three unread 20 MB streams). Found by test/reliability/limits.test.ts.
   */
  private cut(): void {
    if (this.closed) return;
    this.raw.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.raw.off('drain', this.onDrain);
    this.registry.delete(this);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

function addTo(map: Map<string, Set<SseStream>>, key: string, stream: SseStream): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(stream);
}

function removeFrom(map: Map<string, Set<SseStream>>, key: string, stream: SseStream): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(stream);
  if (set.size === 0) map.delete(key);
}

/**
 * Streams one run: subscribes before `start` runs (so no event is missed), forwards every event of
 * the run, and ends after its final event.
 */
export function streamRun(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { bus: EventBus; streams: StreamRegistry },
  runId: string,
  start: () => void,
): void {
  const stream = new SseStream(request, reply, deps.streams, runId);
  const v1 = request.call?.apiVersion === 'v1';
  const unsubscribe = deps.bus.subscribeRun(runId, (event: BusEvent) => {
    stream.send(event.event, v1 && event.v1 ? event.v1() : event.data);
    if (FINAL_RUN_EVENTS.has(event.event)) stream.done();
  });
  stream.onClose(unsubscribe);
  try {
    start();
  } catch (error) {
    const message = error instanceof Error ? error.message : 'Unknown error';
    stream.fail({ message, type: 'server_error', param: null, code: null });
  }
}
