/**
 * Small helpers every resource module uses: path-id checks, metadata merging, route options.
 */
import type { FastifyRequest } from 'fastify';
import { badIdPrefix } from '../http/errors.js';
import type { ApiVersion } from '../http/compat.js';

/** The word each id must begin with (ERRORS.md: "Expected an ID that begins with 'thread'."). */
const ID_WORD = {
  assistant_id: 'asst',
  thread_id: 'thread',
  message_id: 'msg',
  run_id: 'run',
  step_id: 'step',
  file_id: 'file',
  vector_store_id: 'vs',
  batch_id: 'vsfb_',
} as const;

export type IdParam = keyof typeof ID_WORD;

/** A path id of the wrong kind gets the 2025 400; a well-formed unknown id gets the 404 later. */
export function checkId(param: IdParam, value: string): string {
  const word = ID_WORD[param];
  if (!value.startsWith(word)) throw badIdPrefix(param, value, word);
  return value;
}

export function tenantOf(request: FastifyRequest): string {
  return request.call.tenant;
}

export function versionOf(request: FastifyRequest): ApiVersion {
  return request.call.apiVersion;
}

/** Tags group the operations in the OpenAPI document the way the API reference does. */
export function docs(tag: string, summary: string, extra: Record<string, unknown> = {}) {
  return { tags: [tag], summary, ...extra };
}
