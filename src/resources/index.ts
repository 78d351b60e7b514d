/**
 * Registers every API resource twice: under /v1 for OpenAI clients and under /openai for Azure
 * clients (hidden from the OpenAPI document, which would otherwise list every operation twice).
 * One module per API resource, mirroring the API's own structure.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { typed, type TypedApp } from '../http/typed-app.js';
import { addPreValidationToPosts } from '../http/request-hooks.js';
import { assistantFilesRoutes } from './assistant-files.js';
import { assistantsRoutes } from './assistants.js';
import { filesRoutes } from './files.js';
import { messageFilesRoutes } from './message-files.js';
import { messagesRoutes } from './messages.js';
import { runsRoutes } from './runs.js';
import { stepsRoutes } from './steps.js';
import { threadsRoutes } from './threads.js';
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

export async function registerApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
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
        // v1-only fields on v2 requests (and the reverse) are unknown parameters (src/resources/version-fields.ts).
        addPreValidationToPosts(scope, rejectForeignVersionFields);
        for (const register of MODULES) await register(typed(scope), ctx);
      },
      { prefix },
    );
  }
}
