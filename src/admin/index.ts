/**
 * The control API under /__admin: what a test uses to decide, observe and disturb. Every endpoint
 * acts on the caller's tenant (the API key it sends), so parallel suites do not see each other.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { clockRoutes } from './clock.js';

export async function registerAdmin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  clockRoutes(app, ctx);
}
