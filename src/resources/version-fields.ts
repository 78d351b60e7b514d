/**
 * The request fields only one Assistants version knows. Route schemas accept the union of v1 and v2
 * (one store, one engine); this check, run before validation on every API route, answers a field of
 * the other version the way the real validator answers any unknown field: 400 `unknown_parameter`.
 *
 * v1 (`OpenAI-Beta: assistants=v1`, Azure 2024-02-15-preview / 2024-03-01-preview) has `file_ids` on
 * assistants, messages and runs; v2 replaced them with `tool_resources` and message `attachments`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiVersion } from '../http/compat.js';
import { unknownParameter } from '../http/errors.js';

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
  const found: string[] = [];
  const walk = (value: unknown, parts: string[], name: string) => {
    if (parts.length === 0) {
      found.push(name);
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

/** preValidation hook for the API scopes (registered in src/resources/index.ts). */
export function rejectForeignVersionFields(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (request.method !== 'POST' || request.body === null || typeof request.body !== 'object') return done();
  const route = (request.routeOptions.url ?? '').replace(/^\/(v1|openai)(?=\/)/, '');
  const field = foreignField(`${request.method} ${route}`, request.call.apiVersion, request.body);
  done(field ? unknownParameter(field) : undefined);
}
