/**
 * `assistants-mock/node-test`: the helper for Node's built-in runner (`node --test`).
 *
 *   const mock = useAssistantsMock();
 *   test('...', async () => { new OpenAI({ baseURL: mock.baseURL, apiKey: mock.apiKey }) ... });
 *
 * One server per test file; for one per run, start it first and pass ASSISTANTS_MOCK_URL.
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import { registerAssistantsMock, type AssistantsMock, type AssistantsMockOptions } from './core.js';

export type { AssistantsMock, AssistantsMockOptions } from './core.js';

export function useAssistantsMock(options: AssistantsMockOptions = {}): AssistantsMock {
  return registerAssistantsMock({ beforeAll: before, afterAll: after, beforeEach, afterEach }, options);
}
