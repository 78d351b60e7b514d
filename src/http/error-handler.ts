import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { ApiError } from '../domain/errors.js';
import {
  bodyTooLarge,
  headersTooLarge,
  invalidJson,
  invalidUrl,
  malformedRequest,
  methodNotAllowed,
  requestTimeout,
  serverError,
  unsupportedMediaType,
} from './errors.js';
import { setStandardHeaders } from './compat.js';
import { azureAsV1, restoreClientRequest } from './router-rewrite.js';

type HTTPMethod = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
const METHODS: HTTPMethod[] = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'];

/** Sends an ApiError as the real service does: its status, its headers, the pretty-printed body. */
export function sendApiError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  setStandardHeaders(request, reply);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.status === 413 && !request.raw.complete) {
    // Fastify asks to close after any body it could not parse; for a body still arriving that is the reset below.
    reply.removeHeader('connection');
    drainRejectedBody(request.raw);
  }
  return reply.code(error.status).type('application/json').send(error.toBody());
}

/** After a 413, at most this many more bytes of the refused body are read and dropped before the socket is cut. */
export const REJECTED_BODY_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * A 413 is sent while the client may still be sending the body. Closing the socket then, with the
 * rest unread, makes the kernel answer with a reset, and a client still writing saw the reset
 * instead of the 413. So the connection stays open and the rest of the body is read and dropped, as
 * HTTP/1.1 servers do (the connection is then reusable); past REJECTED_BODY_DRAIN_BYTES it is cut,
 * and the request timeout ends a body that never finishes.
 */
function drainRejectedBody(raw: IncomingMessage): void {
  let drained = 0;
  raw.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > REJECTED_BODY_DRAIN_BYTES) raw.socket.destroy();
  });
  raw.resume();
}

/** Lingering close: long enough for the client to read the answer, short enough to hold nothing. */
const CLIENT_ERROR_LINGER_MS = 2_000;

/**
 * Errors Node raises on a connection before Fastify sees a request (headers over 16 KiB: 431; the
 * request or headers timeout: 408; bytes that are not HTTP: 400), answered in the OpenAI shape
 * instead of Fastify's `{"error":"...","statusCode":431}`. Passed as the `clientErrorHandler` option.
 * The socket is ended, not destroyed, and what the client still sends is read and dropped for a
 * moment: destroying it with unread bytes would send a reset that can hide the answer.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const apiError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? headersTooLarge()
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? requestTimeout()
        : malformedRequest();
  const body = JSON.stringify(apiError.toBody(), null, 2);
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[apiError.status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${apiError.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.on('data', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}

/**
 * Errors Fastify raises before routing (a path that is not valid percent-encoding: 400; a path
 * parameter over maxParamLength: 414) skip the error handler; without this they answered in
 * Fastify's own shape. Found by test/fuzz.test.ts. Passed as the `frameworkErrors` server option.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook runs before this handler: the text quotes the method and URL the client sent.
  restoreClientRequest(request.raw);
  const path = request.url.split('?')[0];
  const status = error.statusCode ?? 400;
  const reason = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the path is not valid';
  void sendApiError(request, reply, new ApiError(status, `Invalid URL (${request.method} ${path}): ${reason}.`));
}

/** Maps every error (ours, Fastify's, and the unexpected) to the OpenAI error shape. Never a bare 500. */
export function installErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  // A second router that knows every route, only to tell 405 (known path, other method) from 404.
  // Built on the first unknown URL: adding ~200 routes to it cost start-up about a twentieth.
  const routes: [HTTPMethod, string][] = [];
  let known: ReturnType<typeof FindMyWay> | undefined;
  const knownRouter = () => {
    if (!known) {
      known = FindMyWay();
      for (const [method, url] of routes) known.on(method, url, () => undefined);
    }
    return known;
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod)) routes.push([method as HTTPMethod, route.url]);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const router = knownRouter();
    // The routes are registered under /v1 only: an Azure path is looked up as the router was shown it.
    const routed = azureAsV1(path) ?? path;
    const otherMethod = METHODS.some((m) => m !== request.method && router.find(m, routed));
    const error = otherMethod ? methodNotAllowed(request.method, path) : invalidUrl(request.method, path);
    return sendApiError(request, reply, error);
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return sendApiError(request, reply, error);
    const code = (error as FastifyError).code;
    if ((error as FastifyError).validation) {
      // The validator compiler already produced an ApiError; Fastify wraps it.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof ApiError) return sendApiError(request, reply, cause);
    }
    switch (code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendApiError(request, reply, unsupportedMediaType(request.headers['content-type']));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendApiError(request, reply, bodyTooLarge(bodyLimitBytes));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendApiError(request, reply, invalidJson());
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendApiError(request, reply, new ApiError(400, 'Invalid Content-Length header.'));
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return sendApiError(request, reply, new ApiError(status, error.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendApiError(request, reply, serverError());
  });
}
