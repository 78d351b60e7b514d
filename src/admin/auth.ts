/**
 * ADMIN_KEY: when set, every /__admin request must carry it in the `x-admin-key` header. A header of
 * its own, because Authorization already carries the API key that names the caller's tenant.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { invalidAdminKey } from '../http/errors.js';

export const ADMIN_KEY_HEADER = 'x-admin-key';

export function installAdminAuth(app: FastifyInstance, ctx: AppContext): void {
  const expected = ctx.config.adminKey;
  if (!expected) return;
  app.addHook('onRequest', async (request) => {
    if (request.call?.surface !== 'admin') return;
    const sent = request.headers[ADMIN_KEY_HEADER];
    if (typeof sent !== 'string' || !sameKey(sent, expected)) throw invalidAdminKey();
  });
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
