/**
 * A plain JSON caller for route tests that need status, body and headers exactly as sent.
 */
export type Json = Record<string, unknown>;

export interface CallOptions {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `call(method, path, options)` against the server `baseUrl()` names, with `defaultKey` as Bearer key. */
export function jsonCaller(baseUrl: () => string, defaultKey: string) {
  return async function call(method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? defaultKey}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json, headers: response.headers };
  };
}
