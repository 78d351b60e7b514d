/**
 * The exceptions of the control client: every non-2xx answer becomes one, carrying the status and
 * the OpenAI-shaped error body (`{ message, type, param, code }`) the server sent. The subclasses
 * follow the names openai-node uses for the same statuses, so a test can `instanceof` them.
 */

/** The `error` member of an OpenAI error body. */
export interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export class AdminApiError extends Error {
  override readonly name: string = 'AdminApiError';
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The error body's `error`, as the server sent it. */
    readonly error: ApiErrorBody,
    /** The request, e.g. `POST /__admin/scenarios`. */
    readonly request: string,
  ) {
    super(`${status} ${error.message} (${request})`);
  }

  get code(): string | null {
    return this.error.code;
  }

  get type(): string {
    return this.error.type;
  }

  get param(): string | null {
    return this.error.param;
  }
}

export class BadRequestError extends AdminApiError {
  override readonly name = 'BadRequestError';
}
export class AuthenticationError extends AdminApiError {
  override readonly name = 'AuthenticationError';
}
export class PermissionDeniedError extends AdminApiError {
  override readonly name = 'PermissionDeniedError';
}
export class NotFoundError extends AdminApiError {
  override readonly name = 'NotFoundError';
}
export class ConflictError extends AdminApiError {
  override readonly name = 'ConflictError';
}
export class RateLimitError extends AdminApiError {
  override readonly name = 'RateLimitError';
}
export class InternalServerError extends AdminApiError {
  override readonly name = 'InternalServerError';
}

/** The exception for a status, with the body's error (or one made from the status, for a body that is not an error). */
export function errorFor(status: number, body: unknown, request: string): AdminApiError {
  const error = errorBodyOf(body) ?? { message: `HTTP ${status}`, type: 'invalid_response', param: null, code: null };
  const Class =
    status === 400
      ? BadRequestError
      : status === 401
        ? AuthenticationError
        : status === 403
          ? PermissionDeniedError
          : status === 404
            ? NotFoundError
            : status === 409
              ? ConflictError
              : status === 429
                ? RateLimitError
                : status >= 500
                  ? InternalServerError
                  : AdminApiError;
  return new Class(status, error, request);
}

function errorBodyOf(body: unknown): ApiErrorBody | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return undefined;
  const e = error as Partial<ApiErrorBody>;
  return { message: e.message!, type: e.type ?? 'error', param: e.param ?? null, code: e.code ?? null };
}
