/**
 * `assistants-mock/vitest`:
 *
 *   const mock = useAssistantsMock();
 *   it('...', async () => {
 *     const openai = new OpenAI({ baseURL: mock.baseURL, apiKey: mock.apiKey });
 *     await mock.admin.scenarios.add(...);
 *   });
 *
 * One server per test file, or one for the whole run: `globalSetup` in vitest.config points at a
 * file that re-exports `globalSetup` as its default; its URL reaches the workers through vitest's
 * provide/inject. vitest is a peer dependency, loaded only by this entry.
 */
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import type { ServerOptions } from '../config.js';
import { registerAssistantsMock, startSharedServer, type AssistantsMock, type AssistantsMockOptions } from './core.js';

export type { AssistantsMock, AssistantsMockOptions } from './core.js';

/** The key under which the global setup provides the server's root URL. */
export const PROVIDE_KEY = 'assistantsMockUrl';

declare module 'vitest' {
  export interface ProvidedContext {
    assistantsMockUrl: string;
  }
}

/** Registers the server and per-test tenant hooks in this file; read the result inside tests. */
export function useAssistantsMock(options: AssistantsMockOptions = {}): AssistantsMock {
  return registerAssistantsMock({ beforeAll, afterAll, beforeEach, afterEach }, { ...options, url: options.url ?? providedUrl() });
}

function providedUrl(): string | undefined {
  try {
    return inject(PROVIDE_KEY) || undefined;
  } catch {
    return undefined; // outside a vitest worker
  }
}

/** The part of vitest's TestProject a global setup uses. */
interface ProvidingProject {
  provide(key: typeof PROVIDE_KEY, value: string): void;
}

/** A vitest global setup that starts one server for the whole run with these options. */
export function createGlobalSetup(options: ServerOptions = {}) {
  return async (project: ProvidingProject): Promise<() => Promise<void>> => {
    const shared = await startSharedServer(options);
    project.provide(PROVIDE_KEY, shared.url);
    return shared.stop;
  };
}

/** A vitest global setup with the default server: `export { globalSetup as default } from 'assistants-mock/vitest'`. */
export const globalSetup = createGlobalSetup();
