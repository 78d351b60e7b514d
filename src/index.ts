/**
 * In-process use: `import { startServer } from 'assistants-mock'`.
 *
 *   const mock = await startServer({ port: 0, dbPath: ':memory:' });
 *   const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1` });
 *   ...
 *   await mock.admin.scenarios.add({ name: 'hi', match: { message: 'hi' }, turns: [{ text: 'Hello!' }] });
 *   await mock.close();
 */
export { startServer, buildApp, type AppOptions, type RunningServer } from './server.js';
export { BrainError, type Brain, type BrainAnswer, type BrainEvent, type BrainErrorCode, type BrainTurnInput } from './brains/brain.js';
export type { ServerOptions, RunMode } from './config.js';
export { ManualClock, SystemClock, type Clock } from './engine/clock.js';
export * from './client/index.js';
