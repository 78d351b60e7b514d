/**
 * Errors of the HTTP surface itself: unknown routes, unreadable bodies, limits, headers, keys. The
 * errors of the API's objects and rules are in src/domain/errors.ts (the engine throws those too);
 * the error handler (src/http/error-handler.ts) turns both into the OpenAI body.
 */
import { ApiError } from '../domain/errors.js';

/** `Invalid URL (POST /v1/nothing)` (ERRORS.md, route that does not exist). */
export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function methodNotAllowed(method: string, path: string): ApiError {
  return new ApiError(405, `Invalid method for URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function invalidJson(): ApiError {
  return new ApiError(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    'invalid_request_error',
    null,
    null,
  );
}

/** A body nested beyond MAX_JSON_DEPTH (src/http/json-depth.ts); the real service's answer was not found. */
export function jsonTooDeep(maxDepth: number): ApiError {
  return new ApiError(
    400,
    `The JSON body of your request is nested too deeply: at most ${maxDepth} levels of objects and arrays are accepted.`,
    'invalid_request_error',
    null,
    null,
  );
}

export function unsupportedMediaType(contentType: string | undefined): ApiError {
  return new ApiError(
    415,
    `Invalid Content-Type header (${contentType ?? 'none'}), expected application/json.`,
    'invalid_request_error',
    null,
    null,
  );
}

export function bodyTooLarge(limitBytes: number): ApiError {
  return new ApiError(
    413,
    `Request body too large. The maximum size is ${limitBytes} bytes.`,
    'invalid_request_error',
    null,
    'request_too_large',
  );
}

/** Request headers (or the URL) over Node's 16 KiB limit. Wording in the style of the 413; the real text was not found. */
export function headersTooLarge(): ApiError {
  return new ApiError(
    431,
    'Request header fields too large. The maximum size of the request line and headers is 16384 bytes.',
    'invalid_request_error',
    null,
    'request_header_fields_too_large',
  );
}

/** The client took longer than the request timeout (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS) to send its request. */
export function requestTimeout(): ApiError {
  return new ApiError(
    408,
    'Request timeout: the request was not received in time. Send the headers and the body without long pauses.',
    'invalid_request_error',
    null,
    'request_timeout',
  );
}

/** Bytes that are not an HTTP request. */
export function malformedRequest(): ApiError {
  return new ApiError(400, 'The request could not be read: it is not valid HTTP.', 'invalid_request_error', null, null);
}

/** ERRORS.md: the missing-header text; the mock serves v2 without the header, so this is used for unknown values. */
export function invalidBetaHeader(value: string): ApiError {
  return new ApiError(
    400,
    `Invalid 'OpenAI-Beta' header: '${value}'. Please try again by setting the header 'OpenAI-Beta: assistants=v2' (or 'assistants=v1').`,
    'invalid_request_error',
    null,
    'invalid_beta',
  );
}

export function missingApiVersion(): ApiError {
  return new ApiError(
    400,
    'Missing required query parameter: api-version. Please provide a supported api-version, for example api-version=2024-05-01-preview.',
    'invalid_request_error',
    'api-version',
    'missing_api_version',
  );
}

export function unsupportedApiVersion(value: string, supported: readonly string[]): ApiError {
  return new ApiError(
    400,
    `Unsupported api-version '${value}'. The supported api-versions are ${supported.join(', ')}.`,
    'invalid_request_error',
    'api-version',
    'unsupported_api_version',
  );
}

/** ERRORS.md: key masked as its first 8 and last 4 characters with asterisks between. */
export function incorrectApiKey(key: string): ApiError {
  const masked = key.length > 12 ? key.slice(0, 8) + '*'.repeat(key.length - 12) + key.slice(-4) : key;
  return new ApiError(
    401,
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export function missingApiKey(): ApiError {
  return new ApiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
    'invalid_request_error',
    null,
    null,
  );
}

export function serverError(): ApiError {
  return new ApiError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
}
