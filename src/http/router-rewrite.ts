/**
 * What the router is shown instead of the request the client sent, so that every API route is
 * registered once (the `rewriteUrl` server option, run before routing):
 *
 * - `/openai/...` (Azure clients) is routed as `/v1/...`. Registering every API module a second
 *   time under /openai doubled the routes find-my-way compiles and avvio queues at start-up.
 * - `HEAD` is routed as `GET`. Fastify's `exposeHeadRoutes` added a HEAD twin of every GET route;
 *   Node's ServerResponse of a HEAD request never sends a body, so the GET handler answers a HEAD
 *   with the same status and headers (Content-Length included) and no body.
 *
 * Together: 82 routes in the router instead of 195, and `buildApp()` + `ready()` on ':memory:' a
 * third faster (medians of 15 fresh processes: 100 -> 67 ms at load 1.5, 120 -> 80 ms at load 3).
 *
 * Only the router sees the rewrite: the first onRequest hook (and the handler of errors raised
 * before routing) calls `restoreClientRequest`, which puts the client's method and URL back, so the
 * journal, the log line, error texts and faults see what the client sent, as before. The surface a
 * request came through is then the matched route's (docs/security.md) together with the rewrite's
 * mark, which only this file sets, from the path as the router reads it: never from a header.
 */
import type { IncomingMessage } from 'node:http';

/** A request the router was shown differently: what the client sent. */
interface Rewrite {
  method: string;
  url: string;
  /** The path read as `/openai/...`: the Azure surface, routed to the /v1 route. */
  azure: boolean;
}

/** Kept off the request object itself: a property on some IncomingMessages only would change their shape. */
const rewrites = new WeakMap<IncomingMessage, Rewrite>();

/** The `rewriteUrl` server option: the URL to route, with the method changed too for a HEAD. */
export function rewriteForRouter(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const method = req.method ?? 'GET';
  const routed = azureAsV1(url);
  if (routed === undefined && method !== 'HEAD') return url;
  rewrites.set(req, { method, url, azure: routed !== undefined });
  if (method === 'HEAD') req.method = 'GET';
  return routed ?? url;
}

/**
 * Puts back the method and URL the client sent (once routed, nothing needs the rewritten ones) and
 * tells whether the request came through the Azure surface. Call before anything reads the request.
 */
export function restoreClientRequest(req: IncomingMessage): { azure: boolean } | undefined {
  const rewrite = rewrites.get(req);
  if (rewrite === undefined) return undefined;
  rewrites.delete(req);
  req.method = rewrite.method;
  req.url = rewrite.url;
  return rewrite;
}

/** Where the path starts in an absolute-form target (`http://host/path`), as find-my-way reads one. */
const ABSOLUTE_TARGET = /^https?:\/\/[^/?#]*(?=\/)/i;
/** The slashes before the first segment (kept: the router collapses them itself) and the segment. */
const FIRST_SEGMENT = /^(\/+)([^/?#]*)/;

/**
 * The /v1 URL that routes as the /openai URL `url` would have, or undefined when `url` is not read
 * as /openai by the router. Only the first segment is replaced, byte for byte the rest stays as
 * sent: the router reads it (`//` collapsed, `%xx` decoded, a trailing slash ignored) as it would
 * have. The segment is `openai` as the router reads it: `%6Fpenai` is, `openai%2Fx` is not (the
 * router leaves `%2F` encoded, so it is no separator), `OpenAI` is not (the router is case-sensitive).
 */
export function azureAsV1(url: string): string | undefined {
  // Most requests: /v1/... (a cheap test before any regular expression).
  if (url.charCodeAt(1) === 118 /* v */ && url.charCodeAt(0) === 47) return undefined;
  let start = 0;
  if (url.charCodeAt(0) !== 47) {
    const absolute = ABSOLUTE_TARGET.exec(url);
    if (absolute === null) return undefined;
    start = absolute[0].length;
  }
  const match = FIRST_SEGMENT.exec(url.slice(start));
  if (match === null || !isOpenAiSegment(match[2])) return undefined;
  return url.slice(0, start) + match[1] + 'v1' + url.slice(start + match[0].length);
}

function isOpenAiSegment(segment: string): boolean {
  if (segment === 'openai') return true;
  if (!segment.includes('%')) return false;
  try {
    // The letters of `openai` are not among the characters the router keeps encoded.
    return decodeURIComponent(segment) === 'openai';
  } catch {
    return false;
  }
}
