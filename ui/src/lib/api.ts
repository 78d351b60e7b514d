/**
 * Every call the page makes: the public API under /v1 and the control API under /__admin, with the
 * user's keys. Errors come back as ApiError carrying the server's `{"error": {...}}` body.
 */
import { loadKeys } from './keys';
import { readSse, type SseFrame } from './sse';

export interface ApiErrorBody {
  message: string;
  type?: string;
  param?: string | null;
  code?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

/** Listeners told when the server refuses the keys (the page then asks for them). */
const authListeners = new Set<(error: ApiError) => void>();
export function onAuthError(listener: (error: ApiError) => void): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

function headers(hasJson: boolean): Record<string, string> {
  const keys = loadKeys();
  const result: Record<string, string> = { authorization: `Bearer ${keys.apiKey}`, 'openai-beta': 'assistants=v2' };
  if (keys.adminKey) result['x-admin-key'] = keys.adminKey;
  if (hasJson) result['content-type'] = 'application/json';
  return result;
}

async function send(path: string, options: CallOptions): Promise<Response> {
  const hasJson = options.body !== undefined;
  const response = await fetch(path, {
    method: options.method ?? (hasJson || options.form ? 'POST' : 'GET'),
    headers: headers(hasJson),
    body: hasJson ? JSON.stringify(options.body) : options.form,
    signal: options.signal,
  });
  if (!response.ok) {
    const text = await response.text();
    let body: ApiErrorBody = { message: `${response.status} ${response.statusText}` };
    try {
      body = (JSON.parse(text) as { error: ApiErrorBody }).error ?? body;
    } catch {
      if (text) body = { message: text };
    }
    const error = new ApiError(response.status, body);
    if (response.status === 401) authListeners.forEach((listener) => listener(error));
    throw error;
  }
  return response;
}

/** A JSON call; `path` starts with /v1 or /__admin. */
export async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const response = await send(path, options);
  return (await response.json()) as T;
}

/** A call answered with Server-Sent Events (a `stream: true` run, the event feed). */
export async function* stream(path: string, options: CallOptions & { onOpen?: () => void } = {}): AsyncGenerator<SseFrame> {
  const response = await send(path, options);
  options.onOpen?.();
  if (!response.body) return;
  yield* readSse(response.body, options.signal);
}

/** The content of a stored file as an object URL (images in messages). */
export async function fileObjectUrl(fileId: string): Promise<string> {
  const response = await send(`/v1/files/${encodeURIComponent(fileId)}/content`, {});
  return URL.createObjectURL(await response.blob());
}

export interface List<T> {
  data: T[];
  has_more: boolean;
  last_id?: string | null;
}

/** Every page of a cursor-paginated list (at most `max` items). */
export async function listAll<T extends { id: string }>(path: string, max = 500): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  const join = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await call<List<T>>(`${path}${join}limit=100${after ? `&after=${after}` : ''}`);
    items.push(...page.data);
    if (!page.has_more || page.data.length === 0 || items.length >= max) return items;
    after = page.data[page.data.length - 1].id;
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
