/**
 * The control API under /__admin: what a test uses to decide, observe and disturb. Every endpoint
 * acts on the caller's tenant (the API key it sends), so parallel suites do not see each other.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { installAdminAuth } from './auth.js';
import { clockRoutes } from './clock.js';
import { eventsRoutes } from './events.js';
import { faultRoutes, installFaultHook } from './fault-routes.js';
import { installJournalHook, requestsRoutes } from './requests.js';
import { resetRoutes } from './reset.js';
import { runControlRoutes } from './runs.js';
import { scenarioRoutes } from './scenarios.js';

export async function registerAdmin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Hook order matters: these run after the compat hook (tenant, API key), the admin key first.
  installAdminAuth(app, ctx);
  installFaultHook(app, ctx);
  installJournalHook(app, ctx);

  clockRoutes(app, ctx);
  eventsRoutes(app, ctx);
  resetRoutes(app, ctx);
  scenarioRoutes(app, ctx);
  requestsRoutes(app, ctx);
  faultRoutes(app, ctx);
  runControlRoutes(app, ctx);

  ctx.scenarios.setLogger(app.log);
  await ctx.scenarios.watch();
  app.addHook('onClose', async () => {
    await ctx.scenarios.close();
  });
}
