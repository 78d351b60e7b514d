/** Errors of the control API (/__admin) and of the faults it injects into the API. */
import { ApiError } from '../domain/errors.js';

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
