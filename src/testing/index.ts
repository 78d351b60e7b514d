/** `assistants-mock/testing`: the runner-neutral test harness (see core.ts) and the control client. */
export {
  AssistantsMockHarness,
  registerAssistantsMock,
  startSharedServer,
  URL_ENV,
  type AssistantsMock,
  type AssistantsMockOptions,
  type RunnerHooks,
} from './core.js';
export { AdminClient } from '../client/admin-client.js';
