/**
 * The HTTP side of a turn: POST {MODEL_BACKEND_URL}/chat/completions, retried where the real service
 * would retry (the connection failed, or a 5xx, before any answer arrived), its SSE body read as
 * chunks. Every failure becomes a BrainError with the last_error code the run ends with; the run's
 * abort ends the request at once. fetch and eventsource-parser rather than the `openai` package: the
 * server then depends on no particular major of the SDK its own tests drive as a client, and
 * retries, timeouts and error mapping are this file's, stated once, instead of an SDK's defaults.
 */
import { createParser } from 'eventsource-parser';
import { BrainError } from '../brain.js';
import type { ChatChunk, ChatRequest } from './chat-types.js';
import type { BackendSettings } from './settings.js';

/** Attempts for one turn when the backend cannot be reached or answers 5xx (the first one included). */
export const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 200;
/** A Retry-After longer than this is not waited for: the run fails with the backend's answer instead. */
const MAX_RETRY_WAIT_MS = 2_000;
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** Why the request was ended by this side: the run's abort, or the backend's silence. */
class Silence extends Error {}

/**
 * The backend's answer as parsed chunks, up to `[DONE]`. Ends quietly (no error) when `signal`
 * aborts. Throws BrainError for everything else that goes wrong.
 */
export async function* chatChunks(settings: BackendSettings, body: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatChunk> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Reset on every byte: a slow but live stream is fine, a silent one is not.
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Silence()), settings.timeoutMs);
  };
  try {
    if (signal.aborted) return;
    const response = await open(settings, body, controller.signal, { alive, hold: () => clearTimeout(timer) });
    yield* readChunks(response, alive);
  } catch (error) {
    if (signal.aborted) return;
    if (controller.signal.reason instanceof Silence) {
      throw new BrainError('server_error', `The model backend sent nothing for ${settings.timeoutMs} ms (MODEL_BACKEND_TIMEOUT_MS).`);
    }
    if (error instanceof BrainError) throw error;
    throw new BrainError('server_error', `The model backend's stream broke off: ${describe(error)}.`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // Ends the upstream request when the reader stops early (the run was cancelled, or failed here).
    if (!controller.signal.aborted) controller.abort();
  }
}

/**
 * The first answer with a 2xx status, after the retries the real service would make. The silence timer
 * runs for each attempt and is held while waiting between attempts: that wait is this side's, not
 * the backend's silence.
 */
async function open(
  settings: BackendSettings,
  body: ChatRequest,
  signal: AbortSignal,
  timer: { alive(): void; hold(): void },
): Promise<Response> {
  const url = `${settings.url}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (settings.key) headers.authorization = `Bearer ${settings.key}`;
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    timer.alive();
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: payload, signal });
    } catch (error) {
      // Aborted by this side (the run ended, or the backend was silent too long): chatChunks says which.
      if (signal.aborted) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new BrainError('server_error', `The model backend at ${settings.url} could not be reached: ${describe(error)}.`);
      }
      timer.hold();
      await pause(RETRY_BASE_MS * 2 ** (attempt - 1), signal);
      continue;
    }
    if (response.ok) return response;
    const detail = await errorDetail(response);
    if (RETRYABLE_STATUS.has(response.status) && attempt < MAX_ATTEMPTS) {
      const wait = retryAfterMs(response) ?? RETRY_BASE_MS * 2 ** (attempt - 1);
      if (wait <= MAX_RETRY_WAIT_MS) {
        timer.hold();
        await pause(wait, signal);
        continue;
      }
    }
    throw statusError(response.status, detail, body.model);
  }
}

function statusError(status: number, detail: string, model: string): BrainError {
  if (status === 429) return new BrainError('rate_limit_exceeded', `Rate limit reached for ${model} on the model backend: ${detail}`);
  if (status === 401 || status === 403) {
    return new BrainError('server_error', `The model backend refused the request (${status}; check MODEL_BACKEND_KEY): ${detail}`);
  }
  return new BrainError('server_error', `The model backend answered ${status}: ${detail}`);
}

async function* readChunks(response: Response, alive: () => void): AsyncGenerator<ChatChunk> {
  if (!response.body) throw new BrainError('server_error', 'The model backend answered without a body.');
  const type = response.headers.get('content-type');
  if (type && !type.includes('text/event-stream')) {
    const text = await response.text();
    throw new BrainError('server_error', `The model backend answered ${type} instead of a stream: ${clip(text) || 'an empty body'}`);
  }
  const pending: string[] = [];
  const parser = createParser({
    onEvent: (event) => pending.push(event.data),
    // llama.cpp's llama-server (builds before its HTTP layer was split out) reports a failure as an
    // `error: {...}` line, not a `data:` field; unread, the [DONE] after it would pass for an answer.
    onError: (error) => {
      if (error.type === 'unknown-field' && error.field === 'error') pending.push(errorLineAsChunk(error.value ?? ''));
    },
  });
  const decoder = new TextDecoder();
  let finished = false;
  for await (const bytes of response.body) {
    alive();
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (pending.length > 0) {
      const data = pending.shift()!;
      if (data.trim() === '[DONE]') return;
      const chunk = parseChunk(data);
      if (chunk.choices?.some((c) => c.finish_reason)) finished = true;
      yield chunk;
    }
  }
  // A stream must end with [DONE]; one that stopped after its finish_reason (servers that omit
  // [DONE], or a cut just before the usage chunk) still carries a whole answer.
  if (!finished) throw new BrainError('server_error', "The model backend's stream ended before its answer was complete.");
}

/** An `error:` line's value as the `{"error": {...}}` chunk other servers send. */
function errorLineAsChunk(value: string): string {
  try {
    const error: unknown = JSON.parse(value);
    if (typeof error === 'object' && error !== null && !Array.isArray(error)) return JSON.stringify({ error });
  } catch {
    // Not JSON: the text is the message.
  }
  return JSON.stringify({ error: { message: clip(value) || 'no details' } });
}

function parseChunk(data: string): ChatChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new BrainError('server_error', `The model backend sent a malformed stream chunk: ${clip(data)}`);
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) {
    throw new BrainError('server_error', `The model backend sent a malformed stream chunk: ${clip(data)}`);
  }
  const error = (chunk as ChatChunk).error;
  if (error) {
    const rate = error.code === 429 || error.code === 'rate_limit_exceeded' || error.type === 'rate_limit_error';
    throw new BrainError(
      rate ? 'rate_limit_exceeded' : 'server_error',
      `The model backend failed mid-answer: ${error.message ?? clip(data)}`,
    );
  }
  return chunk as ChatChunk;
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } | string }).error;
    if (typeof message === 'string') return clip(message);
    if (typeof message?.message === 'string') return clip(message.message);
  } catch {
    // Not JSON: the text itself says it.
  }
  return clip(text) || response.statusText || 'no details';
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** An error in words: fetch hides the reason (ECONNREFUSED, ...) in `cause`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code ? `${message} (${cause.code})` : cause?.message ? `${message} (${cause.message})` : message;
}

function clip(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}
