/**
 * The two levels of control (docs/security.md):
 * - a tenant's accepted API key controls its own tenant through /__admin (its scenarios, faults,
 *   journal, events, clock, runs, reset), whether or not ADMIN_KEY is set;
 * - server-wide actions (reset of every tenant, the server's clock, reloading the scenario files)
 *   need the operator's ADMIN_KEY, sent in the `x-admin-key` header (a header of its own, because
 *   Authorization already carries the API key that names the caller's tenant). A tenant's key never
 *   gives them. Without ADMIN_KEY (the local default: one user on loopback) they stay open.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { keysEqual } from '../http/compat.js';
import { invalidAdminKey } from './errors.js';

export const ADMIN_KEY_HEADER = 'x-admin-key';

/**
 * Throws the 401 unless the caller may take a server-wide action: ADMIN_KEY unset, or sent in
 * `x-admin-key`. Called for routes marked `operator: true` (src/http/request-hooks.ts) and by routes
 * whose scope parameter asks for the whole server (`?scope=all`, `?scope=server`).
 */
export function requireOperator(request: FastifyRequest, config: Pick<Config, 'adminKey'>): void {
  const expected = config.adminKey;
  if (!expected) return;
  const sent = request.headers[ADMIN_KEY_HEADER];
  if (typeof sent !== 'string' || !keysEqual(sent, expected)) throw invalidAdminKey();
}
