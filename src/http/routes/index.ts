/**
 * Registers every API resource once, under /v1. Azure clients call the same routes under /openai:
 * the router is shown those requests as /v1 ones (src/http/router-rewrite.ts), and the request hooks
 * give them the Azure surface. One module per API resource, mirroring the API's own structure.
 */
import type { AppContext } from '../../context.js';
import { typed, type TypedApp } from '../typed-app.js';
import { addPreValidationToPosts } from '../request-hooks.js';
import { assistantFilesRoutes } from './assistants/files.js';
import { assistantsRoutes } from './assistants/assistants.js';
import { filesRoutes } from './files.js';
import { messageFilesRoutes } from './threads/messages/files.js';
import { messagesRoutes } from './threads/messages/messages.js';
import { runsRoutes } from './threads/runs/runs.js';
import { stepsRoutes } from './threads/runs/steps.js';
import { threadsRoutes } from './threads/threads.js';
import { rejectForeignVersionFields } from './version-fields.js';
import { vectorStoresRoutes } from './vector-stores/vector-stores.js';

type RouteModule = (app: TypedApp, ctx: AppContext) => Promise<void>;

const MODULES: RouteModule[] = [
  assistantsRoutes,
  threadsRoutes,
  messagesRoutes,
  runsRoutes,
  stepsRoutes,
  filesRoutes,
  vectorStoresRoutes,
  assistantFilesRoutes,
  messageFilesRoutes,
];

export async function registerApiRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  await app.register(
    async (scope) => {
      // v1-only fields on v2 requests (and the reverse) are unknown parameters (src/http/routes/version-fields.ts).
      addPreValidationToPosts(scope, rejectForeignVersionFields);
      for (const register of MODULES) await register(typed(scope), ctx);
    },
    { prefix: '/v1' },
  );
}
