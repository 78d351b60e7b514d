/**
 * Fault injection (/__admin/faults) against a real server: the real error bodies and retry headers,
 * count, seeded probability, latency, method and path matching, tenants apart, and the official
 * SDK's own retry logic observed through a fault and the request journal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { seededRandom } from '../src/util/prng.js';
import { jsonCaller, type Json } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY_A = 'sk-faults-a';
const KEY_B = 'sk-faults-b';

let server: TestServer;

const call = jsonCaller(() => server.url, KEY_A);

async function addFault(body: Json, key = KEY_A): Promise<Json> {
  const res = await call('POST', '/__admin/faults', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());
beforeEach(async () => {
  await call('POST', '/__admin/reset?scope=all');
});

describe('injected errors', () => {
  it('answers a 429 with the real body, retry-after and retry-after-ms, then lets requests through when the count is spent', async () => {
    const fault = await addFault({ method: 'GET', path: '/v1/assistants', status: 429, count: 2 });
    expect(fault).toMatchObject({
      object: 'mock.fault',
      method: 'GET',
      path: '/v1/assistants',
      status: 429,
      count: 2,
      remaining: 2,
      hits: 0,
      retry_after: 1,
    });
    expect(fault.id).toMatch(/^fault_[0-9a-f]{24}$/);

    for (let i = 0; i < 2; i++) {
      const res = await call('GET', '/v1/assistants');
      expect(res.status).toBe(429);
      expect(res.body).toEqual({
        error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' },
      });
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('retry-after-ms')).toBe('1000');
      expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    }
    expect((await call('GET', '/v1/assistants')).status).toBe(200);
    const [listed] = (await call('GET', '/__admin/faults')).body.data as Json[];
    expect(listed).toMatchObject({ id: fault.id, remaining: 0, hits: 2 });
  });

  it('answers 500 and 503 with the real texts, and honours a message override and retry_after', async () => {
    await addFault({ path: '/v1/threads', status: 500, count: 1 });
    await addFault({ path: '/v1/threads', status: 503, count: 1, retry_after: 2.5 });
    await addFault({ path: '/v1/threads', status: 502, count: 1, error: 'Upstream fell over.' });

    const first = await call('POST', '/v1/threads', { body: {} });
    expect(first.status).toBe(500);
    expect(first.body).toEqual({
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    });
    expect(first.headers.get('retry-after')).toBeNull();

    const second = await call('POST', '/v1/threads', { body: {} });
    expect(second.status).toBe(503);
    expect(second.body.error).toEqual({
      message: 'The engine is currently overloaded, please try again later',
      type: 'server_error',
      param: null,
      code: null,
    });
    expect(second.headers.get('retry-after')).toBe('3');
    expect(second.headers.get('retry-after-ms')).toBe('2500');

    const third = await call('POST', '/v1/threads', { body: {} });
    expect(third.status).toBe(502);
    expect((third.body.error as Json).message).toBe('Upstream fell over.');

    expect((await call('POST', '/v1/threads', { body: {} })).status).toBe(200);
  });

  it('matches the method, and exact, glob, regex and surface-relative paths', async () => {
    const created = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o' } });
    const id = created.body.id as string;

    await addFault({ method: 'delete', path: '/v1/assistants/*', status: 500 });
    expect((await call('GET', `/v1/assistants/${id}`)).status).toBe(200);
    expect((await call('DELETE', `/v1/assistants/${id}`)).status).toBe(500);
    await call('DELETE', '/__admin/faults');

    await addFault({ path: '/v1/assistants', status: 500 });
    expect((await call('GET', `/v1/assistants/${id}`)).status).toBe(200); // exact: not a prefix
    expect((await call('GET', '/v1/assistants?limit=1')).status).toBe(500); // the query is not part of the path
    await call('DELETE', '/__admin/faults');

    await addFault({ path: '/^\\/v1\\/assistants\\/asst_\\w+$/', status: 503 });
    expect((await call('GET', `/v1/assistants/${id}`)).status).toBe(503);
    expect((await call('GET', '/v1/assistants')).status).toBe(200);
    await call('DELETE', '/__admin/faults');

    // Without a /v1 or /openai prefix a pattern covers both surfaces (Azure clients call /openai).
    await addFault({ path: '/assistants/*', status: 500 });
    expect((await call('GET', `/v1/assistants/${id}`)).status).toBe(500);
    const azure = await fetch(`${server.url}/openai/assistants/${id}?api-version=2024-05-01-preview`, { headers: { 'api-key': KEY_A } });
    expect(azure.status).toBe(500);
  });

  it('fires with a seeded probability, the same requests on every run', async () => {
    const seed = 1234;
    const probability = 0.5;
    const draws = seededRandom(seed);
    const expected = Array.from({ length: 20 }, () => (draws() < probability ? 503 : 200));
    // The seed gives a mix, so the test shows both outcomes.
    expect(expected).toContain(503);
    expect(expected).toContain(200);

    for (let round = 0; round < 2; round++) {
      await call('DELETE', '/__admin/faults');
      await addFault({ path: '/v1/assistants', status: 503, probability, seed });
      const statuses: number[] = [];
      for (let i = 0; i < expected.length; i++) statuses.push((await call('GET', '/v1/assistants')).status);
      expect(statuses).toEqual(expected);
    }
    const [fault] = (await call('GET', '/__admin/faults')).body.data as Json[];
    expect(fault).toMatchObject({ hits: expected.filter((s) => s === 503).length, probability: 0.5, seed: 1234, remaining: null });
  });

  it('adds latency, alone or before an error', async () => {
    await addFault({ path: '/v1/assistants', latency_ms: 300, count: 1 });
    let started = Date.now();
    expect((await call('GET', '/v1/assistants')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // count 1: the second request is not delayed (the fault is spent, not merely lucky timing).
    await call('GET', '/v1/assistants');
    expect(((await call('GET', '/__admin/faults')).body.data as Json[])[0]).toMatchObject({ hits: 1, remaining: 0 });

    await addFault({ path: '/v1/assistants', latency_ms: 200, status: 500, count: 1 });
    started = Date.now();
    expect((await call('GET', '/v1/assistants')).status).toBe(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('does not touch the control API or other tenants', async () => {
    await addFault({ status: 500 }); // no path: every API request of tenant A
    expect((await call('GET', '/v1/assistants')).status).toBe(500);
    expect((await call('GET', '/__admin/faults')).status).toBe(200);
    expect((await call('GET', '/v1/assistants', { key: KEY_B })).status).toBe(200);
    expect((await call('GET', '/__admin/faults', { key: KEY_B })).body.data).toEqual([]);
    expect((await call('DELETE', '/__admin/faults', { key: KEY_B })).body).toEqual({ object: 'mock.faults.deleted', deleted: 0 });
    expect((await call('GET', '/v1/assistants')).status).toBe(500);
  });

  it('removes one fault or all, and rejects faults that cannot work', async () => {
    const one = await addFault({ path: '/v1/threads', status: 500 });
    await addFault({ path: '/v1/assistants', status: 500 });
    expect((await call('DELETE', `/__admin/faults/${one.id as string}`)).body).toEqual({
      id: one.id,
      object: 'mock.fault.deleted',
      deleted: true,
    });
    expect((await call('DELETE', `/__admin/faults/${one.id as string}`)).status).toBe(404);
    expect(((await call('GET', '/__admin/faults')).body.data as Json[]).map((f) => f.path)).toEqual(['/v1/assistants']);
    expect((await call('DELETE', '/__admin/faults')).body).toEqual({ object: 'mock.faults.deleted', deleted: 1 });

    const noEffect = await call('POST', '/__admin/faults', { body: { path: '/v1/threads' } });
    expect(noEffect.status).toBe(400);
    expect((noEffect.body.error as Json).message).toBe("Invalid 'status': a fault needs a status, a latency_ms, or both.");
    const badRegex = await call('POST', '/__admin/faults', { body: { path: '/(/', status: 500 } });
    expect(badRegex.status).toBe(400);
    expect((badRegex.body.error as Json).param).toBe('path');
    expect((await call('POST', '/__admin/faults', { body: { status: 200 } })).status).toBe(400);
    expect((await call('POST', '/__admin/faults', { body: { status: 500, probability: 2 } })).status).toBe(400);
    expect((await call('POST', '/__admin/faults', { body: { status: 500, colour: 'red' } })).status).toBe(400);
  });
});

describe("the SDK's own retries, observed through a fault", () => {
  it('openai with maxRetries 2 rides out two 429s: the call succeeds and the journal shows three requests', async () => {
    const client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 2 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'Retry me' });
    // retry_after 0.01 s: the SDK waits the retry-after-ms it is given, so the test stays fast.
    await addFault({ method: 'GET', path: '/v1/assistants/*', status: 429, count: 2, retry_after: 0.01 });

    const fetched = await client.beta.assistants.retrieve(assistant.id);
    expect(fetched.name).toBe('Retry me');

    const journal = (await call('GET', `/__admin/requests?method=GET&path=/v1/assistants/${assistant.id}`)).body.data as Json[];
    expect(journal.map((e) => e.status)).toEqual([200, 429, 429]);
    // The SDK numbers its attempts in x-stainless-retry-count: proof that these are its retries.
    expect(journal.map((e) => (e.headers as Json)['x-stainless-retry-count'])).toEqual(['2', '1', '0']);
  });

  it('fails with a RateLimitError when the fault outlasts the retries', async () => {
    const client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 2 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    await addFault({ method: 'GET', path: '/v1/assistants/*', status: 429, count: 5, retry_after: 0.01 });

    const error = await client.beta.assistants.retrieve(assistant.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('Rate limit reached for requests');

    const journal = (await call('GET', '/__admin/requests?method=GET&path=/v1/assistants/')).body.data as Json[];
    expect(journal.map((e) => e.status)).toEqual([429, 429, 429]);
    const [fault] = (await call('GET', '/__admin/faults')).body.data as Json[];
    expect(fault).toMatchObject({ hits: 3, remaining: 2 });
  });

  it('the SDK retries 503s too, and a latency fault trips its timeout', async () => {
    const client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 1 });
    await addFault({ path: '/v1/threads', status: 503, count: 1, retry_after: 0.01 });
    const thread = await client.beta.threads.create();
    expect(thread.id).toMatch(/^thread_/);
    expect(((await call('GET', '/__admin/requests?path=/v1/threads')).body.data as Json[]).map((e) => e.status)).toEqual([200, 503]);

    const impatient = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 0, timeout: 100 });
    await addFault({ path: '/v1/assistants', latency_ms: 400, count: 1 });
    await expect(impatient.beta.assistants.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});
