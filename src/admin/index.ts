/**
 * The control API under /__admin: what a test uses to decide, observe and disturb. Every endpoint
 * acts on the caller's tenant (the API key it sends), so parallel suites do not see each other; the
 * few server-wide actions (`?scope=all`, `?scope=server`, scenario reload) are the operator's
 * (src/admin/auth.ts, docs/security.md).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { typed } from '../http/typed-app.js';
import { clockRoutes } from './clock.js';
import { eventsRoutes } from './events.js';
import { faultRoutes } from './fault-routes.js';
import { requestsRoutes } from './requests.js';
import { resetRoutes } from './reset.js';
import { runControlRoutes } from './runs.js';
import { runInspectRoutes } from './run-inspect.js';
import { scenarioRoutes } from './scenarios.js';
import { threadListRoutes } from './threads.js';

export async function registerAdmin(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // The operator key, the fault check and the request journal run in the per-request hooks
  // (src/http/request-hooks.ts), through src/admin/request-hook-parts.ts, which the app factory hands them.
  const api = typed(app);
  clockRoutes(api, ctx);
  eventsRoutes(api, ctx);
  resetRoutes(api, ctx);
  scenarioRoutes(api, ctx);
  requestsRoutes(api, ctx);
  faultRoutes(api, ctx);
  runControlRoutes(api, ctx);
  threadListRoutes(api, ctx);
  runInspectRoutes(api, ctx);

  ctx.scenarios.setLogger(app.log);
  await ctx.scenarios.watch();
  app.addHook('onClose', async () => {
    await ctx.scenarios.close();
  });
}
