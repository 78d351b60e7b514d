/**
 * An answer waits for a pending group commit (src/http/request-hooks.ts onSend, src/store/write-batch.ts):
 * the hooks on a bare Fastify app, with control-API parts whose pending commit the test settles.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { installRequestHooks, type RequestHookParts } from '../src/http/request-hooks.js';

function appWithPendingCommit(pending: () => Promise<void> | undefined) {
  const app = Fastify({ logger: false });
  const parts: RequestHookParts = {
    requireOperator: () => undefined,
    applyFaults: () => false,
    recordApiRequest: () => undefined,
    pendingCommit: pending,
  };
  installRequestHooks(app, resolveConfig({ logger: false }), parts);
  app.get('/v1/threads/:thread_id', async () => ({ id: 'thread_1', object: 'thread' }));
  return app;
}

describe('answers and a pending group commit', () => {
  it('holds an answer until the commit lands', async () => {
    let land!: () => void;
    const commit = new Promise<void>((resolve) => (land = resolve));
    let open = true;
    const app = appWithPendingCommit(() => (open ? commit : undefined));
    let answered = false;
    const answer = app.inject({ method: 'GET', url: '/v1/threads/thread_1' }).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    open = false;
    land();
    const res = await answer;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'thread_1', object: 'thread' });
    await app.close();
  });

  it('answers a 500, not the success, when the commit fails', async () => {
    let failed = false;
    const app = appWithPendingCommit(() => {
      if (failed) return undefined;
      failed = true;
      return Promise.reject(new Error('disk I/O error'));
    });
    const res = await app.inject({ method: 'GET', url: '/v1/threads/thread_1' });
    expect(res.statusCode).toBe(500);
    await app.close();
  });

  it('answers at once when nothing waits', async () => {
    const app = appWithPendingCommit(() => undefined);
    const res = await app.inject({ method: 'GET', url: '/v1/threads/thread_1' });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});
