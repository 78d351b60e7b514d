/** Small helpers every route module uses: who is calling, in which API version, and route options. */
import type { FastifyRequest } from 'fastify';
import type { ApiVersion } from '../../domain/api-version.js';

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
