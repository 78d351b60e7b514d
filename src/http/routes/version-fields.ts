/**
 * The request fields only one Assistants version knows. Route schemas accept the union of v1 and v2
 * (one store, one engine); this check, run before validation on every API route, answers a field of
 * the other version the way the real validator answers any unknown field: 400 `unknown_parameter`.
 *
 * v1 (`OpenAI-Beta: assistants=v1`, Azure 2024-02-15-preview / 2024-03-01-preview) has `file_ids` on
 * assistants, messages and runs; v2 replaced them with `tool_resources` and message `attachments`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiVersion } from '../../domain/api-version.js';
import { invalidValue, unknownParameter, type ApiError } from '../../domain/errors.js';
import { TOOL_CHOICE_TYPES, TOOL_TYPES } from '../../domain/tools.js';

/** A field path: `a.b` walks objects, `a[].b` walks every element of array `a`. */
type FieldPath = string;

interface OperationFields {
  /** Refused on v2 requests. */
  v1Only: FieldPath[];
  /** Refused on v1 requests. */
  v2Only: FieldPath[];
}

/** Keyed by `METHOD route` without the /v1 or /openai prefix. */
export const VERSIONED_FIELDS: Record<string, OperationFields> = {
  'POST /assistants': { v1Only: ['file_ids'], v2Only: ['tool_resources'] },
  'POST /assistants/:assistant_id': { v1Only: ['file_ids'], v2Only: ['tool_resources'] },
  'POST /threads': { v1Only: ['messages[].file_ids'], v2Only: ['tool_resources', 'messages[].attachments'] },
  'POST /threads/:thread_id': { v1Only: [], v2Only: ['tool_resources'] },
  'POST /threads/:thread_id/messages': { v1Only: ['file_ids'], v2Only: ['attachments'] },
  'POST /threads/:thread_id/runs': {
    v1Only: ['file_ids', 'additional_messages[].file_ids'],
    v2Only: ['additional_messages[].attachments'],
  },
  'POST /threads/runs': {
    v1Only: ['file_ids', 'thread.messages[].file_ids'],
    v2Only: ['tool_resources', 'thread.tool_resources', 'thread.messages[].attachments'],
  },
};

/** Every present value at `path`, with the parameter name the API would report (`messages[0].file_ids`). */
export function findFields(body: unknown, path: FieldPath): string[] {
  return findValues(body, path).map(([name]) => name);
}

/** Every present value at `path`, with its parameter name. */
export function findValues(body: unknown, path: FieldPath): [string, unknown][] {
  const found: [string, unknown][] = [];
  const walk = (value: unknown, parts: string[], name: string) => {
    if (parts.length === 0) {
      found.push([name, value]);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const [head, ...rest] = parts;
    const isArray = head.endsWith('[]');
    const key = isArray ? head.slice(0, -2) : head;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return;
    const child = (value as Record<string, unknown>)[key];
    const childName = name ? `${name}.${key}` : key;
    if (!isArray) return walk(child, rest, childName);
    if (!Array.isArray(child)) return;
    child.forEach((item, i) => walk(item, rest, `${childName}[${i}]`));
  };
  walk(body, path.split('.'), '');
  return found;
}

/** The first field of the other version in `body`, or undefined. */
export function foreignField(operation: string, version: ApiVersion, body: unknown): string | undefined {
  const fields = VERSIONED_FIELDS[operation];
  if (!fields) return undefined;
  for (const path of version === 'v1' ? fields.v2Only : fields.v1Only) {
    const [first] = findFields(body, path);
    if (first) return first;
  }
  return undefined;
}

/**
 * Where requests name a tool kind, and which list each names (src/domain/tools.ts). The route
 * schemas accept both versions' kinds, so without this an unknown kind on v2 was told that
 * 'retrieval' (v1's name, which v2 refuses) is supported.
 */
const TOOL_KIND_FIELDS: Record<string, [FieldPath, Record<ApiVersion, readonly string[]>][]> = {
  'POST /assistants': [['tools[].type', TOOL_TYPES]],
  'POST /assistants/:assistant_id': [['tools[].type', TOOL_TYPES]],
  'POST /threads/:thread_id/runs': [
    ['tools[].type', TOOL_TYPES],
    ['tool_choice.type', TOOL_CHOICE_TYPES],
  ],
  'POST /threads/runs': [
    ['tools[].type', TOOL_TYPES],
    ['tool_choice.type', TOOL_CHOICE_TYPES],
  ],
};

/** A tool kind (a string) the caller's version does not know, as the real 400 `invalid_value`; else undefined. */
export function unknownToolKind(operation: string, version: ApiVersion, body: unknown): ApiError | undefined {
  for (const [path, kinds] of TOOL_KIND_FIELDS[operation] ?? []) {
    for (const [name, value] of findValues(body, path)) {
      if (typeof value === 'string' && !kinds[version].includes(value)) return invalidValue(name, value, kinds[version]);
    }
  }
  return undefined;
}

/** preValidation hook for the API scopes (registered in src/http/routes/index.ts). */
export function rejectForeignVersionFields(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (request.method !== 'POST' || request.body === null || typeof request.body !== 'object') return done();
  const route = (request.routeOptions.url ?? '').replace(/^\/(v1|openai)(?=\/)/, '');
  const operation = `${request.method} ${route}`;
  const field = foreignField(operation, request.call.apiVersion, request.body);
  done(field ? unknownParameter(field) : unknownToolKind(operation, request.call.apiVersion, request.body));
}
