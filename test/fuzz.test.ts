/**
 * Bad input, quick pass (in `npm test`): fast-check cases over every route through app.inject; never a
 * 5xx, every error in the OpenAI shape, healthy afterwards. test/reliability/fuzz.test.ts runs many
 * more cases and a real-HTTP sample. FUZZ_RUNS and FUZZ_SEED override the count and the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server.js';
import { tempDir } from './helpers/server.js';
import { fuzzInject, listRoutes, skipped } from './reliability/fuzz-kit.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

describe('bad input (fuzz, quick)', () => {
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir('am-fuzz-');
    app = await buildApp({ dbPath: join(dir, 'fuzz.db'), logger: false });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds every API route, under /v1 and /openai', () => {
    const routes = listRoutes(app);
    const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect(paths.has('POST /v1/threads/:thread_id/runs/:run_id/submit_tool_outputs')).toBe(true);
    expect(paths.has('GET /openai/threads/:thread_id/messages')).toBe(true);
    expect(paths.has('DELETE /v1/assistants/:assistant_id')).toBe(true);
    expect(routes.filter((r) => !skipped(r)).length).toBeGreaterThan(80);
  });

  it(`answers ${RUNS} random requests without a 5xx, every error in the OpenAI shape`, { timeout: 120_000 }, async () => {
    const { statuses } = await fuzzInject(app, RUNS, SEED);
    // The cases reach past validation too: some succeed, most fail in many ways.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(3);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });
});
