/**
 * The errors of the API's objects and rules, thrown by routes, domain code and the engine alike: one
 * place owns their statuses and texts. The HTTP surface's own errors (routes, bodies, headers, keys)
 * are in src/http/errors.ts and the control API's in src/admin/errors.ts; the error handler in
 * src/http/error-handler.ts turns every `ApiError` (and Fastify's own errors) into the OpenAI body
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

// ---- 400: request shape ---------------------------------------------------------------------------

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

// ---- 400: v1-only endpoints ------------------------------------------------------------------------

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

// ---- 400: response_format -------------------------------------------------------------------------

/**
 * A json_schema the strict mode of Structured Outputs does not allow. The text is the real service's
 * (`Invalid schema for response_format '<name>': In context=(...), ...`, as reported in public
 * issues); its `code` is null as in the chat completions reports (docs/compatibility.md).
 */
export function invalidResponseFormatSchema(name: string, reason: string): ApiError {
  return new ApiError(400, `Invalid schema for response_format '${name}': ${reason}`, 'invalid_request_error', 'response_format', null);
}
