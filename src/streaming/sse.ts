/**
 * Server-Sent Events: `event: NAME` / `data: JSON` frames, as ../shared/reference/STREAMING.md
 * describes them. A run stream ends after the run's final event with `event: done` / `data: [DONE]`;
 * a client that goes away only unsubscribes (the run carries on); a client that stops reading is cut
 * off once too much is buffered for it, so it cannot hold memory hostage.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
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

/** A client that has not read this much of its stream is disconnected. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** Every open stream of one server, so shutdown can end them cleanly. */
export class StreamRegistry {
  private readonly open = new Set<SseStream>();

  add(stream: SseStream): void {
    this.open.add(stream);
  }

  delete(stream: SseStream): void {
    this.open.delete(stream);
  }

  get size(): number {
    return this.open.size;
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

  constructor(
    request: FastifyRequest,
    reply: FastifyReply,
    private readonly registry: StreamRegistry,
  ) {
    reply.hijack();
    this.raw = reply.raw;
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
    this.raw.write(frame(event, data));
    if (this.raw.writableLength > MAX_BUFFERED_BYTES) {
      // Closed at once, not on the socket's 'close' event: until then every later event of the run
      // was written to the destroyed stream, each write failing with an error object of its own
      // (~400 MB of garbage for three unread 20 MB streams). Found by test/reliability/limits.test.ts.
      this.raw.destroy();
      this.close();
    }
  }

  comment(text: string): void {
    if (!this.closed) this.raw.write(`: ${text}\n\n`);
  }

  /** `event: done` / `data: [DONE]`, then the end of the response. */
  done(): void {
    if (this.closed) return;
    this.raw.write(frame('done', '[DONE]'));
    this.end();
  }

  fail(error: { message: string; type: string; param: string | null; code: string | null }): void {
    if (this.closed) return;
    // Wrapped in `error`: the form every SDK turns into a complete APIError (STREAMING.md section 1).
    this.raw.write(frame('error', { error }));
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.raw.end();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.registry.delete(this);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
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
  const stream = new SseStream(request, reply, deps.streams);
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
