/**
 * Registers every API resource twice: under /v1 for OpenAI clients and under /openai for Azure
 * clients (hidden from the OpenAPI document, which would otherwise list every operation twice).
 * One module per API resource, mirroring the API's own structure.
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
  for (const [prefix, hidden] of [
    ['/v1', false],
    ['/openai', true],
  ] as const) {
    await app.register(
      async (scope) => {
        if (hidden) {
          scope.addHook('onRoute', (route) => {
            route.schema = { ...(route.schema ?? {}), hide: true };
          });
        }
        // v1-only fields on v2 requests (and the reverse) are unknown parameters (src/http/routes/version-fields.ts).
        addPreValidationToPosts(scope, rejectForeignVersionFields);
        for (const register of MODULES) await register(typed(scope), ctx);
      },
      { prefix },
    );
  }
}
