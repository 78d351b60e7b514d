import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { ApiError, bodyTooLarge, invalidJson, invalidUrl, methodNotAllowed, serverError, unsupportedMediaType } from './errors.js';
import { setStandardHeaders } from './compat.js';

type HTTPMethod = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
const METHODS: HTTPMethod[] = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'];

/** Sends an ApiError as the real service does: its status, its headers, the pretty-printed body. */
export function sendApiError(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  setStandardHeaders(request, reply);
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  // A 413 leaves the rest of the body unread on the socket: close it rather than reuse it.
  if (error.status === 413) reply.header('connection', 'close');
  return reply.code(error.status).type('application/json').send(error.toBody());
}

/**
 * Errors Fastify raises before routing (a path that is not valid percent-encoding: 400; a path
 * parameter over maxParamLength: 414) skip the error handler; without this they answered in
 * Fastify's own shape. Found by test/fuzz.test.ts. Passed as the `frameworkErrors` server option.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0];
  const status = error.statusCode ?? 400;
  const reason = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the path is not valid';
  void sendApiError(request, reply, new ApiError(status, `Invalid URL (${request.method} ${path}): ${reason}.`));
}

/** Maps every error (ours, Fastify's, and the unexpected) to the OpenAI error shape. Never a bare 500. */
export function installErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  // A second router that knows every route, only to tell 405 (known path, other method) from 404.
  const known = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (METHODS.includes(method as HTTPMethod)) known.on(method as HTTPMethod, route.url, () => undefined);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const otherMethod = METHODS.some((m) => m !== request.method && known.find(m, path));
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
