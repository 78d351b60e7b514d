/**
 * The runner-neutral core of the test helpers (assistants-mock/testing), driven through its hooks
 * by hand: a server per file, a fresh tenant per test, the tenant reset after its test, a running
 * server used when given, and clear errors when values are read outside a test.
 */
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { AdminClient } from '../src/client/admin-client.js';
import { registerAssistantsMock, type RunnerHooks } from '../src/testing/core.js';
import { startTestServer } from './helpers/server.js';

type Fn = () => Promise<void>;

/** Collects the hooks a helper registers, to call them in a runner's order. */
function fakeRunner() {
  const hooks: Record<keyof RunnerHooks, Fn[]> = { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
  const register = Object.fromEntries(
    (Object.keys(hooks) as (keyof RunnerHooks)[]).map((name) => [name, (fn: Fn) => void hooks[name].push(fn)]),
  ) as unknown as RunnerHooks;
  const runAll = async (name: keyof RunnerHooks) => {
    for (const fn of hooks[name]) await fn();
  };
  return { register, runAll };
}

describe('registerAssistantsMock', () => {
  it('starts a server for the file, gives each test a fresh tenant, resets it after the test, and stops', async () => {
    const runner = fakeRunner();
    const mock = registerAssistantsMock(runner.register);
    expect(() => mock.url).toThrow(/before-all hook/);
    await runner.runAll('beforeAll');
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.baseURL).toBe(`${mock.url}/v1`);
    expect(() => mock.apiKey).toThrow(/belong to a test/);

    await runner.runAll('beforeEach');
    const firstKey = mock.apiKey;
    const openai = new OpenAI({ apiKey: firstKey, baseURL: mock.baseURL, maxRetries: 0 });
    await openai.beta.assistants.create({ model: 'gpt-4o' });
    await mock.admin.scenarios.add({ name: 'kept?', turns: [{ text: 'x' }] });
    await runner.runAll('afterEach');
    // The tenant of the finished test is empty again.
    const sameTenant = new AdminClient({ baseURL: mock.url, apiKey: firstKey });
    expect(await sameTenant.scenarios.list()).toEqual([]);
    expect((await openai.beta.assistants.list()).data).toEqual([]);

    await runner.runAll('beforeEach');
    expect(mock.apiKey).not.toBe(firstKey);
    expect(mock.apiKey).toMatch(/^sk-test-/);
    await runner.runAll('afterEach');

    const url = mock.url;
    await runner.runAll('afterAll');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('uses a running server when given one (and leaves it running), with a fixed key and no reset when asked', async () => {
    const server = await startTestServer();
    try {
      const runner = fakeRunner();
      const mock = registerAssistantsMock(runner.register, { url: `${server.url}/v1`, apiKey: 'sk-fixed', reset: false });
      await runner.runAll('beforeAll');
      expect(mock.url).toBe(server.url);
      await runner.runAll('beforeEach');
      expect(mock.apiKey).toBe('sk-fixed');
      await mock.admin.scenarios.add({ name: 'stays', turns: [{ text: 'x' }] });
      await runner.runAll('afterEach');
      await runner.runAll('afterAll');
      expect((await server.admin.withApiKey('sk-fixed').scenarios.list()).map((s) => s.name)).toEqual(['stays']);
    } finally {
      await server.stop();
    }
  });
});
