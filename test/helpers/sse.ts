import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

/**
 * A raw Server-Sent Events client for tests: reads a response body as it arrives, keeps the exact
 * text (for frame-format checks) and the parsed frames, and lets a test wait for a frame.
 */

export interface SseFrame {
  /** The `event:` field; undefined for a frame without one. */
  event: string | undefined;
  /** The `data:` field as sent (lines joined with \n). */
  data: string;
  /** Comment lines (`: text`) of the block, without the colon. */
  comments: string[];
}

/** A parsed run event: its name and its JSON object. `done` has data `[DONE]` and json undefined. */
export interface StreamEvent {
  event: string;
  json: Record<string, unknown>;
}

export class SseReader {
  /** Everything received so far, decoded as UTF-8. */
  raw = '';
  readonly frames: SseFrame[] = [];
  /** performance.now() at the arrival of each frame. */
  readonly arrivals: number[] = [];

  /** Resolves when the body ends (or the reader is closed); never rejects. */
  readonly ended: Promise<void>;
  private buffer = '';
  private isEnded = false;
  private readonly waiters = new Set<() => void>();
  private readonly decoder = new TextDecoder();

  constructor(
    readonly response: IncomingMessage,
    private readonly request: ClientRequest,
  ) {
    this.ended = new Promise<void>((resolve) => {
      response.on('data', (chunk: Buffer) => this.receive(chunk));
      response.on('close', () => {
        this.finish();
        resolve();
      });
      response.on('error', () => undefined);
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  header(name: string): string | undefined {
    const value = this.response.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  get done(): boolean {
    return this.isEnded;
  }

  /** Frames with an event name (comment-only blocks left out). */
  get events(): StreamEvent[] {
    return this.frames.filter((f) => f.event !== undefined).map(toEvent);
  }

  /** Waits until a frame satisfies `match`, and returns it; rejects after `timeoutMs` or at the end. */
  async waitFor(match: (frame: SseFrame) => boolean, timeoutMs = 10_000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.isEnded) throw new Error(`stream ended without the expected frame; got ${this.names().join(', ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a frame; got ${this.names().join(', ')}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  waitForEvent(name: string, timeoutMs?: number): Promise<StreamEvent> {
    return this.waitFor((f) => f.event === name, timeoutMs).then(toEvent);
  }

  /** The event names received so far. */
  names(): string[] {
    return this.frames.filter((f) => f.event !== undefined).map((f) => f.event as string);
  }

  /** Reads to the end of the body. */
  async all(): Promise<StreamEvent[]> {
    await this.ended;
    return this.events;
  }

  /** Disconnects: destroys the socket, as a client that goes away does. */
  close(): void {
    this.request.destroy();
  }

  private receive(chunk: Buffer): void {
    const text = this.decoder.decode(chunk, { stream: true });
    this.raw += text;
    this.buffer += text;
    this.parse();
  }

  private parse(): void {
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const frame: SseFrame = { event: undefined, data: '', comments: [] };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
        else if (line.startsWith('event:')) frame.event = line.slice(6).trimStart();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      frame.data = data.join('\n');
      this.frames.push(frame);
      this.arrivals.push(performance.now());
    }
    this.wake();
  }

  private finish(): void {
    this.isEnded = true;
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}

function toEvent(frame: SseFrame): StreamEvent {
  const event = frame.event ?? '';
  if (frame.data === '[DONE]') return { event, json: {} };
  return { event, json: JSON.parse(frame.data) as Record<string, unknown> };
}

/**
 * Sends a request over node:http (one connection of its own, no keep-alive) and returns an SseReader
 * over its body, whatever the status. Not fetch: after an abort, undici opens a spare connection that
 * holds up the server's close() for its 4 s keep-alive timeout.
 */
export function openSse(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (response) =>
      resolve(new SseReader(response, request)),
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

/** Consecutive repeats of a delta event collapsed into `NAME*`, for comparing event orders. */
export function collapseDeltas(names: string[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const isDelta = name.endsWith('.delta');
    if (isDelta && out[out.length - 1] === `${name}*`) continue;
    out.push(isDelta ? `${name}*` : name);
  }
  return out;
}

/** Plain JSON calls to a server (`base` is its URL, without /v1), plus streamed POSTs. */
export class RawApi {
  constructor(
    readonly base: string,
    readonly apiKey = 'test-key',
  ) {}

  headers(): Record<string, string> {
    return { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}`, 'openai-beta': 'assistants=v2' };
  }

  /** One keep-alive agent per client (node:http: fetch adds milliseconds per call, which adds up under load). */
  private readonly agent = new Agent({ keepAlive: true });

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(this.base + path, { method, headers: this.headers(), agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      request.on('error', reject);
      request.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** POST that must succeed; returns the JSON body. */
  async post<T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<T> {
    const { status, body: json } = await this.request<T>('POST', path, body);
    if (status >= 300) throw new Error(`POST ${path}: ${status} ${JSON.stringify(json)}`);
    return json;
  }

  /** GET that must succeed; returns the JSON body. */
  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    const { status, body: json } = await this.request<T>('GET', path);
    if (status >= 300) throw new Error(`GET ${path}: ${status} ${JSON.stringify(json)}`);
    return json;
  }

  /** A POST with `stream: true` added to the body, read as SSE. */
  stream(path: string, body: Record<string, unknown>): Promise<SseReader> {
    return openSse(this.base + path, { method: 'POST', headers: this.headers(), body: JSON.stringify({ ...body, stream: true }) });
  }

  /** A GET read as SSE (the /__admin/events feed). */
  watch(path: string): Promise<SseReader> {
    return openSse(this.base + path, { headers: this.headers() });
  }
}
