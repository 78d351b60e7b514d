/**
 * `assistants-mock/jest`: the helper for Jest, through the hook functions Jest puts on the global
 * object (so Jest is no dependency of this package).
 *
 *   const mock = useAssistantsMock();
 *   test('...', async () => { new OpenAI({ baseURL: mock.baseURL, apiKey: mock.apiKey }) ... });
 *
 * One server per test file, or one for the whole run: `globalSetup` and `globalTeardown` in the Jest
 * config point at files that re-export `globalSetup` / `globalTeardown` as their default; the URL
 * reaches the workers in ASSISTANTS_MOCK_URL.
 */
import type { ServerOptions } from '../config.js';
import { registerAssistantsMock, startSharedServer, type AssistantsMock, type AssistantsMockOptions, type RunnerHooks } from './core.js';

export type { AssistantsMock, AssistantsMockOptions } from './core.js';

type Hook = (fn: () => Promise<void>) => void;

export function useAssistantsMock(options: AssistantsMockOptions = {}): AssistantsMock {
  return registerAssistantsMock(jestHooks(), options);
}

function jestHooks(): RunnerHooks {
  const g = globalThis as unknown as Partial<Record<keyof RunnerHooks, Hook>>;
  const hook = (name: keyof RunnerHooks): Hook => {
    const fn = g[name];
    if (typeof fn !== 'function')
      throw new Error(`assistants-mock/jest: no global ${name}(); call useAssistantsMock() in a Jest test file.`);
    return fn;
  };
  return { beforeAll: hook('beforeAll'), afterAll: hook('afterAll'), beforeEach: hook('beforeEach'), afterEach: hook('afterEach') };
}

/** Where the global setup keeps its stop function for the global teardown (both run in Jest's main process). */
const STOP = Symbol.for('assistants-mock.jest.stop');

/** A Jest globalSetup that starts one server for the whole run with these options. */
export function createGlobalSetup(options: ServerOptions = {}) {
  return async (): Promise<void> => {
    const shared = await startSharedServer(options);
    (globalThis as Record<symbol, unknown>)[STOP] = shared.stop;
  };
}

export const globalSetup = createGlobalSetup();

/** The Jest globalTeardown that goes with globalSetup. */
export async function globalTeardown(): Promise<void> {
  const stop = (globalThis as Record<symbol, unknown>)[STOP] as (() => Promise<void>) | undefined;
  delete (globalThis as Record<symbol, unknown>)[STOP];
  await stop?.();
}
