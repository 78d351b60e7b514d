/**
 * The one place that owns every error status and text. Routes throw `ApiError`s made here; the error
 * handler in src/http/error-handler.ts turns them (and Fastify's own errors) into the OpenAI body
 * `{"error":{"message","type","param","code"}}`. Texts quoted from the real service are marked with
 * their source in docs/reference-facts.md ("Error bodies"); the others follow the style of the real validator.
 */
export type ErrorType =
  'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'server_error' | 'rate_limit_error' | 'requests';

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType | string = 'invalid_request_error',
    readonly param: string | null = null,
    /** `error.code` of the body. Not named `code`: Fastify overwrites an Error's `code`. */
    readonly errorCode: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.errorCode } };
  }
}

/** Human names of the objects in "No <name> found with id '<id>'." */
export type ObjectName =
  | 'assistant'
  | 'thread'
  | 'message'
  | 'run'
  | 'step'
  | 'file'
  | 'vector store'
  | 'vector store file'
  | 'file batch'
  | 'assistant file'
  | 'message file';

// ---- 404 ------------------------------------------------------------------------------------------

/** `No thread found with id 'thread_x'.` (ERRORS.md: thread and assistant texts are quoted). */
export function notFound(what: ObjectName, id: string, param: string | null = null): ApiError {
  return new ApiError(404, `No ${what} found with id '${id}'.`, 'invalid_request_error', param, null);
}

/** `Invalid URL (POST /v1/nothing)` (ERRORS.md, route that does not exist). */
export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, null);
}

export function methodNotAllowed(method: string, path: string): ApiError {
  return new ApiError(405, `Invalid method for URL (${method} ${path})`, 'invalid_request_error', null, null);
}

// ---- 400: request shape ---------------------------------------------------------------------------

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

export function missingParameter(param: string): ApiError {
  return new ApiError(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', param, 'missing_required_parameter');
}

export function unknownParameter(param: string): ApiError {
  return new ApiError(400, `Unknown parameter: '${param}'.`, 'invalid_request_error', param, 'unknown_parameter');
}

export function invalidType(param: string, expected: string, got: string): ApiError {
  return new ApiError(
    400,
    `Invalid type for '${param}': expected ${expected}, but got ${got} instead.`,
    'invalid_request_error',
    param,
    'invalid_type',
  );
}

/**
 * The real text lists every allowed value, two as "'a' and 'b'", more with a serial comma:
 * `Invalid value: 'other'. Supported values are: 'search', 'open_page', and 'find_in_page'.`
 * (https://github.com/openai/codex/issues/7085), `... Supported values are: 'output_text' and 'refusal'.`
 * (https://github.com/lobehub/lobehub/issues/9501); both 400, invalid_request_error, code invalid_value.
 */
export function invalidValue(param: string, value: unknown, allowed: readonly unknown[]): ApiError {
  const list = allowed.map((v) => `'${String(v)}'`);
  const supported = list.length > 2 ? `${list.slice(0, -1).join(', ')}, and ${list[list.length - 1]}` : list.join(' and ');
  return new ApiError(
    400,
    `Invalid value: '${String(value)}'. Supported values are: ${supported}.`,
    'invalid_request_error',
    param,
    'invalid_value',
  );
}

/** Free-form "Invalid '<param>': <reason>" in the real validator's style. */
export function invalidParam(param: string, reason: string, code: string | null = 'invalid_value'): ApiError {
  return new ApiError(400, `Invalid '${param}': ${reason}`, 'invalid_request_error', param, code);
}

export function numberOutOfRange(param: string, bound: 'maximum' | 'minimum', limit: number, got: unknown, integer: boolean): ApiError {
  const kind = integer ? 'integer' : 'decimal';
  const dir = bound === 'maximum' ? 'above' : 'below';
  const op = bound === 'maximum' ? '<=' : '>=';
  return new ApiError(
    400,
    `Invalid '${param}': ${kind} ${dir} ${bound} value. Expected a value ${op} ${limit}, but got ${String(got)} instead.`,
    'invalid_request_error',
    param,
    `${kind}_${dir}_${bound === 'maximum' ? 'max' : 'min'}_value`,
  );
}

export function stringLength(param: string, bound: 'maximum' | 'minimum', limit: number, got: number): ApiError {
  // The real text for "", e.g. `Invalid 'messages[5].tool_calls[0].function.name': empty string. Expected a
  // string with minimum length 1, but got an empty string instead.`, code empty_string
  // (https://github.com/openai/codex/issues/7628).
  if (bound === 'minimum' && got === 0) {
    return new ApiError(
      400,
      `Invalid '${param}': empty string. Expected a string with minimum length ${limit}, but got an empty string instead.`,
      'invalid_request_error',
      param,
      'empty_string',
    );
  }
  const dir = bound === 'maximum' ? 'too long' : 'too short';
  return new ApiError(
    400,
    `Invalid '${param}': string ${dir}. Expected a string with ${bound} length ${limit}, but got a string with length ${got} instead.`,
    'invalid_request_error',
    param,
    bound === 'maximum' ? 'string_above_max_length' : 'string_below_min_length',
  );
}

export function arrayLength(param: string, bound: 'maximum' | 'minimum', limit: number, got: number): ApiError {
  const dir = bound === 'maximum' ? 'too long' : 'too short';
  return new ApiError(
    400,
    `Invalid '${param}': array ${dir}. Expected an array with ${bound} length ${limit}, but got an array with length ${got} instead.`,
    'invalid_request_error',
    param,
    bound === 'maximum' ? 'array_above_max_length' : 'array_below_min_length',
  );
}

export function metadataTooManyKeys(param: string, got: number): ApiError {
  return new ApiError(
    400,
    `Invalid '${param}': too many properties. Expected an object with at most 16 properties, but got an object with ${got} properties instead.`,
    'invalid_request_error',
    param,
    'object_above_max_properties',
  );
}

/** A path id of the wrong form (2025 behaviour: ERRORS.md, "path id with the wrong prefix"). */
export function badIdPrefix(param: string, value: string, prefix: string): ApiError {
  return new ApiError(
    400,
    `Invalid '${param}': '${value}'. Expected an ID that begins with '${prefix}'.`,
    'invalid_request_error',
    param,
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

// ---- files and vector stores ---------------------------------------------------------------------

/** Purposes accepted by POST /files, in the order the real validator lists them. */
export const FILE_PURPOSES = ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals'] as const;

/**
 * `'answers' is not one of ['fine-tune', 'assistants', ...] - 'purpose'`: the real text, status 400
 * (https://github.com/irudnyts/openai/issues/66, 2024; its list then also had 'responses'). Type,
 * param and code were not quoted; the project's validator style is used for them.
 */
export function invalidPurpose(value: string): ApiError {
  const list = FILE_PURPOSES.map((p) => `'${p}'`).join(', ');
  return new ApiError(400, `'${value}' is not one of [${list}] - 'purpose'`, 'invalid_request_error', 'purpose', 'invalid_value');
}

/**
 * GET /files/{id}/content of an uploaded file whose purpose keeps its bytes private: 400, type
 * invalid_request_error, param and code null, e.g. `Not allowed to download files of purpose: user_data`
 * (full body quoted in https://community.openai.com/t/file-uploads-error-why-can-t-i-download-files-with-purpose-user-data/1357013,
 * which reports the same for `assistants`). docs/compatibility.md lists the purposes.
 */
export function downloadNotAllowed(purpose: string): ApiError {
  // No final period: the quoted body has none.
  return new ApiError(400, `Not allowed to download files of purpose: ${purpose}`, 'invalid_request_error', null, null);
}

/**
 * An upload over the size limit. The text and the `server_error` type are those of a real 413 for an
 * oversized multipart upload (audio endpoint; https://github.com/StanGirard/speechdigest/issues/1):
 * `Maximum content size limit (26214400) exceeded (26306794 bytes read)`. The Files endpoint's own
 * text was not found. `bytesRead` is the request's Content-Length when known.
 */
export function fileTooLarge(limitBytes: number, bytesRead: number): ApiError {
  return new ApiError(413, `Maximum content size limit (${limitBytes}) exceeded (${bytesRead} bytes read)`, 'server_error', null, null);
}

/** A multipart body that cannot be parsed (bad boundary, truncated part, ...). */
export function invalidMultipart(reason: string): ApiError {
  return new ApiError(400, `Could not parse multipart form: ${reason}`, 'invalid_request_error', null, null);
}

/** The static chunking rule the spec states ("the overlap must not exceed half of max_chunk_size_tokens"). */
export function chunkOverlapTooLarge(param: string, overlap: number, max: number): ApiError {
  return invalidParam(
    `${param}.static.chunk_overlap_tokens`,
    `chunk_overlap_tokens (${overlap}) must not exceed half of max_chunk_size_tokens (${max}).`,
  );
}

/** A batch needs `file_ids` or `files`, not both (spec: anyOf required, "Mutually exclusive"). */
export function batchFilesConflict(): ApiError {
  return invalidParam('files', "only one of 'file_ids' or 'files' may be given.");
}

/** Modelled on the run's `Cannot cancel run with status '<status>'`. */
export function cannotCancelBatch(status: string): ApiError {
  return new ApiError(400, `Cannot cancel vector store file batch with status '${status}'`);
}

/** `last_error` of a vector store file whose content is not text (shown in the object, not sent as an HTTP error). */
export function unsupportedFileError(): { code: 'unsupported_file'; message: string } {
  return { code: 'unsupported_file', message: 'The file could not be parsed: only UTF-8 text files can be indexed by this server.' };
}

/** `last_error` of a vector store file whose indexing failed unexpectedly. */
export function indexingServerError(): { code: 'server_error'; message: string } {
  return { code: 'server_error', message: 'The server had an error while processing the file.' };
}

// ---- 400: run lifecycle ---------------------------------------------------------------------------

/** ERRORS.md: `Thread <thread_id> already has an active run <run_id>.` */
export function threadHasActiveRun(threadId: string, runId: string): ApiError {
  return new ApiError(400, `Thread ${threadId} already has an active run ${runId}.`);
}

/** ERRORS.md: `Can't add messages to <thread_id> while a run <run_id> is active.` */
export function threadLockedForMessages(threadId: string, runId: string): ApiError {
  return new ApiError(400, `Can't add messages to ${threadId} while a run ${runId} is active.`);
}

/** ERRORS.md: `Runs in status "<status>" do not accept tool outputs.` */
export function runDoesNotAcceptToolOutputs(status: string): ApiError {
  return new ApiError(400, `Runs in status "${status}" do not accept tool outputs.`);
}

/** ERRORS.md: `Expected tool outputs for call_ids ['a', 'b'], got ['a']` (Python lists, no period). */
export function missingToolOutputs(expected: string[], got: string[]): ApiError {
  const py = (ids: string[]) => `[${ids.map((id) => `'${id}'`).join(', ')}]`;
  return new ApiError(400, `Expected tool outputs for call_ids ${py(expected)}, got ${py(got)}`, 'invalid_request_error', null, null);
}

export function unknownToolCall(callId: string): ApiError {
  return new ApiError(400, `No tool call found with id '${callId}'.`, 'invalid_request_error', 'tool_outputs', null);
}

/** ERRORS.md: `Cannot cancel run with status '<status>'` (final period not confirmed; none added). */
export function cannotCancelRun(status: string): ApiError {
  return new ApiError(400, `Cannot cancel run with status '${status}'`);
}

export function threadDeletedWhileRunning(threadId: string): ApiError {
  return new ApiError(400, `Cannot delete thread ${threadId} while a run is active.`);
}

// ---- 400: headers ---------------------------------------------------------------------------------

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

/**
 * A v1-only endpoint (assistant files, message files) called with v2 (`OpenAI-Beta: assistants=v2`
 * or a v2 Azure api-version). Modelled on the quoted v1-retirement text (ERRORS.md), pointing the
 * other way; the real v2-era answer was not found.
 */
export function v1OnlyEndpoint(): ApiError {
  return new ApiError(
    400,
    "This endpoint belongs to the v1 Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v1' (Azure: api-version 2024-02-15-preview or 2024-03-01-preview). In v2, files are attached through tool_resources and message attachments.",
    'invalid_request_error',
    null,
    'invalid_beta',
  );
}

/** v1: more files on an assistant than the v1 limit (20). Text in the style of the real validator; the real one was not found. */
export function tooManyAssistantFiles(limit: number): ApiError {
  return new ApiError(
    400,
    `Invalid 'file_id': an assistant can have at most ${limit} files attached.`,
    'invalid_request_error',
    'file_id',
    'invalid_value',
  );
}

// ---- 401 ------------------------------------------------------------------------------------------

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

// ---- 5xx and faults -------------------------------------------------------------------------------

export function serverError(): ApiError {
  return new ApiError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
}

/** Texts of the statuses a fault (POST /__admin/faults) can inject, as the real service sends them. */
const FAULT_BODIES: Record<number, { message: string; type: string; code: string | null }> = {
  429: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  502: { message: 'Bad gateway.', type: 'cf_bad_gateway', code: null },
  503: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', code: null },
  504: { message: 'Gateway timeout.', type: 'cf_gateway_timeout', code: null },
};

/** An injected fault's answer: the real body for its status (or a plain one), `message` overridable. */
export function injectedFault(status: number, headers: Record<string, string>, message?: string): ApiError {
  const known = FAULT_BODIES[status] ?? {
    message: `Injected fault: HTTP ${status}.`,
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  return new ApiError(status, message ?? known.message, known.type, null, known.code, headers);
}

// ---- control API (/__admin) -----------------------------------------------------------------------

export function invalidAdminKey(): ApiError {
  return new ApiError(
    401,
    "Missing or incorrect admin key. Server-wide control requires the key set in ADMIN_KEY, sent in the 'x-admin-key' header.",
    'invalid_request_error',
    null,
    'invalid_admin_key',
  );
}

/** A scenario (file or POST body) that does not follow schemas/scenario.schema.json. */
export function invalidScenario(param: string, problem: string): ApiError {
  return new ApiError(
    400,
    `Invalid scenario: ${param ? `${param}: ` : ''}${problem}.`,
    'invalid_request_error',
    param || null,
    'invalid_scenario',
  );
}

export function scenarioNotFound(name: string): ApiError {
  return new ApiError(404, `No scenario found with name '${name}'.`, 'invalid_request_error', 'name', null);
}

export function fileScenarioNotRemovable(name: string, file: string): ApiError {
  return new ApiError(
    400,
    `Scenario '${name}' comes from the scenario file ${file}; remove it there (files reload on change).`,
    'invalid_request_error',
    'name',
    null,
  );
}

export function faultNotFound(id: string): ApiError {
  return new ApiError(404, `No fault found with id '${id}'.`, 'invalid_request_error', 'fault_id', null);
}

export function scenarioReloadFailed(message: string): ApiError {
  return new ApiError(400, `${message} The previous rules stay.`, 'invalid_request_error', null, 'invalid_scenario');
}

// ---- 400: response_format -------------------------------------------------------------------------

/**
 * A json_schema the strict mode of Structured Outputs does not allow. The text is the real service's
 * (`Invalid schema for response_format '<name>': In context=(...), ...`, as reported in public
 * issues); its `code` is null as in the chat completions reports (docs/compatibility.md).
 */
export function invalidResponseFormatSchema(name: string, reason: string): ApiError {
  return new ApiError(400, `Invalid schema for response_format '${name}': ${reason}`, 'invalid_request_error', 'response_format', null);
}
