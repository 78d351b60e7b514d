/**
 * ADMIN_KEY: when set, every /__admin request must carry it in the `x-admin-key` header. A header of
 * its own, because Authorization already carries the API key that names the caller's tenant.
 */
import type { FastifyRequest } from 'fastify';
import { keysEqual } from '../http/compat.js';
import { invalidAdminKey } from '../http/errors.js';

export const ADMIN_KEY_HEADER = 'x-admin-key';

/** Throws the 401 unless an /__admin request carries the key (called by src/http/request-hooks.ts). */
export function checkAdminKey(request: FastifyRequest, expected: string): void {
  const sent = request.headers[ADMIN_KEY_HEADER];
  if (typeof sent !== 'string' || !keysEqual(sent, expected)) throw invalidAdminKey();
}
