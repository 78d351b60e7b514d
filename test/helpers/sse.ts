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
  /** Resolves when the body ends (or the reader is closed); never rejects. */
  readonly ended: Promise<void>;
  readonly arrivals: number[] = [];
  private buffer = '';
  private isEnded = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.ended = this.pump();
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
        const timer = setTimeout(wake, left);
        function wake() {
          clearTimeout(timer);
          resolve();
        }
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

  /** Disconnects (aborts the request). */
  close(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const body = this.response.body;
    if (!body) return this.finish();
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        this.buffer += text;
        this.parse();
      }
    } catch {
      /* aborted by close(), or the server cut the connection */
    }
    this.finish();
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

/** Sends a request and returns an SseReader over its body (whatever the status). */
export async function openSse(url: string, init: RequestInit = {}): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  return new SseReader(response, controller);
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

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(this.base + path, {
      method,
      headers: this.headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
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
