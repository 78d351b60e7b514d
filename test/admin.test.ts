/**
 * The control API against a real server: ADMIN_KEY, reset (one tenant and every tenant), runtime
 * scenarios (CRUD, validation, listing next to file rules, tenants apart), the schema endpoint,
 * driving runs to an ending and advancing them in manual mode, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

/** One HTTP call with an API key (the tenant) and optionally the admin key. */
async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { key?: string; adminKey?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? 'sk-tenant-a'}` };
  if (options.adminKey) headers['x-admin-key'] = options.adminKey;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

const KEY_A = 'sk-tenant-a';
const KEY_B = 'sk-tenant-b';

describe('ADMIN_KEY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ adminKey: 'admin-secret' });
  });
  afterAll(async () => server.stop());

  it('refuses server-wide actions without the x-admin-key header, or with a wrong one, in the OpenAI error shape', async () => {
    for (const adminKey of [undefined, 'wrong', 'admin-secret-but-longer']) {
      const res = await call(server, 'POST', '/__admin/reset?scope=all', { adminKey });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: {
          message:
            "Missing or incorrect admin key. Server-wide control requires the key set in ADMIN_KEY, sent in the 'x-admin-key' header.",
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_admin_key',
        },
      });
    }
    // Every server-wide action: the server's clock, reloading the scenario files.
    expect((await call(server, 'GET', '/__admin/clock?scope=server')).status).toBe(401);
    expect((await call(server, 'POST', '/__admin/clock/advance?scope=server', { body: { seconds: 1 } })).status).toBe(401);
    expect((await call(server, 'POST', '/__admin/scenarios/reload')).status).toBe(401);
  });

  it("lets a tenant's key control its own tenant without the admin key (a behaviour change of 0.2)", async () => {
    expect((await call(server, 'GET', '/__admin/scenarios')).status).toBe(200);
    expect((await call(server, 'GET', '/__admin/clock')).status).toBe(200);
    expect((await call(server, 'POST', '/__admin/faults', { body: { path: '/v1/nothing', status: 500 } })).status).toBe(200);
    expect((await call(server, 'POST', '/__admin/reset')).body).toMatchObject({
      object: 'mock.reset',
      scope: 'tenant',
      deleted: { faults: 1 },
    });
  });

  it('accepts the right key for server-wide actions, and leaves the API itself alone', async () => {
    expect((await call(server, 'POST', '/__admin/reset?scope=all', { adminKey: 'admin-secret' })).status).toBe(200);
    expect((await call(server, 'GET', '/__admin/clock?scope=server', { adminKey: 'admin-secret' })).status).toBe(200);
    expect((await call(server, 'GET', '/v1/assistants')).status).toBe(200);
  });
});

describe('control API', () => {
  let server: TestServer;
  let scenarioFile: string;

  beforeAll(async () => {
    const { tempDir } = await import('./helpers/server.js');
    scenarioFile = join(tempDir('am-admin-'), 'rules.yaml');
    writeFileSync(
      scenarioFile,
      'scenarios:\n  - name: from-file\n    match: { message: { contains: file please } }\n    turns: [ { text: from the file } ]\n',
    );
    server = await startTestServer({ scenarios: scenarioFile });
  });
  afterAll(async () => server.stop());

  describe('POST /__admin/reset', () => {
    async function seed(key: string) {
      const client = new OpenAI({ apiKey: key, baseURL: server.baseURL, maxRetries: 0 });
      const assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'Reset me' });
      const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'hello' }] });
      await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
      await call(server, 'POST', '/__admin/scenarios', { key, body: { name: `rule-${key}`, turns: [{ text: 'x' }] } });
      await call(server, 'POST', '/__admin/faults', { key, body: { path: '/v1/nothing', status: 500 } });
      return { client, assistant, thread };
    }

    it("forgets only the caller's tenant: objects, runtime scenarios, faults and journal", async () => {
      const a = await seed(KEY_A);
      const b = await seed(KEY_B);

      const res = await call(server, 'POST', '/__admin/reset', { key: KEY_A });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ object: 'mock.reset', scope: 'tenant', deleted: { scenarios: 1, faults: 1 } });
      const rows = (res.body.deleted as { rows: Record<string, number> }).rows;
      expect(rows).toMatchObject({ assistants: 1, threads: 1, messages: 2, runs: 1 });
      expect(rows.run_steps).toBeGreaterThanOrEqual(1);
      expect((res.body.deleted as Json).requests).toBeGreaterThanOrEqual(3);

      // Tenant A's objects are gone; B's are untouched.
      await expect(a.client.beta.assistants.retrieve(a.assistant.id)).rejects.toMatchObject({ status: 404 });
      await expect(a.client.beta.threads.retrieve(a.thread.id)).rejects.toMatchObject({ status: 404 });
      expect((await a.client.beta.assistants.list()).data).toEqual([]);
      expect((await b.client.beta.assistants.retrieve(b.assistant.id)).id).toBe(b.assistant.id);
      expect((await b.client.beta.threads.messages.list(b.thread.id)).data).toHaveLength(2);

      const scenariosA = (await call(server, 'GET', '/__admin/scenarios', { key: KEY_A })).body.data as Json[];
      expect(scenariosA.map((s) => s.source)).toEqual(['file']);
      const scenariosB = (await call(server, 'GET', '/__admin/scenarios', { key: KEY_B })).body.data as Json[];
      expect(scenariosB.map((s) => s.name)).toEqual([`rule-${KEY_B}`, 'from-file']);
      expect((await call(server, 'GET', '/__admin/faults', { key: KEY_A })).body.data).toEqual([]);
      expect((await call(server, 'GET', '/__admin/faults', { key: KEY_B })).body.data).toHaveLength(1);
      // The journal starts again with the calls made since the reset.
      const journalA = (await call(server, 'GET', '/__admin/requests', { key: KEY_A })).body.data as Json[];
      expect(journalA.map((e) => `${e.method} ${e.path}`)).toEqual([
        `GET /v1/assistants`,
        `GET /v1/threads/${a.thread.id}`,
        `GET /v1/assistants/${a.assistant.id}`,
      ]);
    });

    it('with ?scope=all forgets every tenant', async () => {
      const a = await seed(KEY_A);
      const b = await seed(KEY_B);
      const res = await call(server, 'POST', '/__admin/reset?scope=all', { key: KEY_A });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'all' });
      expect((res.body.deleted as { rows: Json }).rows).toMatchObject({ assistants: 3 });
      await expect(b.client.beta.assistants.retrieve(b.assistant.id)).rejects.toMatchObject({ status: 404 });
      await expect(a.client.beta.assistants.retrieve(a.assistant.id)).rejects.toMatchObject({ status: 404 });
      for (const key of [KEY_A, KEY_B]) {
        expect(((await call(server, 'GET', '/__admin/scenarios', { key })).body.data as Json[]).map((s) => s.name)).toEqual(['from-file']);
        expect((await call(server, 'GET', '/__admin/faults', { key })).body.data).toEqual([]);
      }
    });

    it('rejects an unknown scope', async () => {
      const res = await call(server, 'POST', '/__admin/reset?scope=everything');
      expect(res.status).toBe(400);
      expect((res.body.error as Json).param).toBe('scope');
    });
  });

  describe('/__admin/scenarios', () => {
    const weather = {
      name: 'weather',
      match: { message: { contains: 'weather' } },
      turns: [{ tool_calls: [{ function: 'get_weather', arguments: { city: 'Paris' } }] }, { text: 'It is {{tool_outputs.0.output}}.' }],
    };

    it('adds, lists (runtime first, then file rules with their file and line), reads and removes rules', async () => {
      await call(server, 'POST', '/__admin/reset');
      const added = await call(server, 'POST', '/__admin/scenarios', {
        body: { scenarios: [weather, { name: 'second', turns: [{ text: 'b' }] }] },
      });
      expect(added.status).toBe(200);
      expect(added.body).toEqual({
        object: 'list',
        data: [
          { ...weather, source: 'runtime', hits: 0 },
          { name: 'second', turns: [{ text: 'b' }], source: 'runtime', hits: 0 },
        ],
      });
      // A single scenario object is accepted too.
      expect((await call(server, 'POST', '/__admin/scenarios', { body: { name: 'third', turns: [{ text: 'c' }] } })).status).toBe(200);

      const listed = await call(server, 'GET', '/__admin/scenarios');
      expect((listed.body.data as Json[]).map((s) => [s.name, s.source])).toEqual([
        ['weather', 'runtime'],
        ['second', 'runtime'],
        ['third', 'runtime'],
        ['from-file', 'file'],
      ]);
      expect((listed.body.data as Json[])[3]).toMatchObject({ file: scenarioFile, line: 2 });

      expect((await call(server, 'GET', '/__admin/scenarios/weather')).body).toEqual({ ...weather, source: 'runtime', hits: 0 });
      expect((await call(server, 'GET', '/__admin/scenarios/from-file')).body).toMatchObject({ source: 'file', line: 2 });

      expect((await call(server, 'DELETE', '/__admin/scenarios/second')).body).toEqual({
        name: 'second',
        object: 'mock.scenario.deleted',
        deleted: true,
      });
      const missing = await call(server, 'DELETE', '/__admin/scenarios/second');
      expect(missing.status).toBe(404);
      expect((missing.body.error as Json).message).toBe("No scenario found with name 'second'.");
      const fileRule = await call(server, 'DELETE', '/__admin/scenarios/from-file');
      expect(fileRule.status).toBe(400);
      expect((fileRule.body.error as Json).message).toContain(`comes from the scenario file ${scenarioFile}`);

      expect((await call(server, 'DELETE', '/__admin/scenarios')).body).toEqual({ object: 'mock.scenarios.deleted', deleted: 2 });
      expect(((await call(server, 'GET', '/__admin/scenarios')).body.data as Json[]).map((s) => s.name)).toEqual(['from-file']);
    });

    it('replaces a rule posted again under the same name', async () => {
      await call(server, 'POST', '/__admin/scenarios', { body: { name: 'again', turns: [{ text: 'v1' }] } });
      await call(server, 'POST', '/__admin/scenarios', { body: { name: 'again', turns: [{ text: 'v2' }] } });
      const rules = ((await call(server, 'GET', '/__admin/scenarios')).body.data as Json[]).filter((s) => s.name === 'again');
      expect(rules).toEqual([{ name: 'again', turns: [{ text: 'v2' }], source: 'runtime', hits: 0 }]);
      await call(server, 'DELETE', '/__admin/scenarios/again');
    });

    it('rejects an invalid body with a 400 that names the place and the problem', async () => {
      const cases: [unknown, string, string][] = [
        [{ name: 'x', turns: [{ txt: 'hi' }] }, 'turns[0].txt', "Invalid scenario: turns[0].txt: unknown property 'txt'"],
        [
          { scenarios: [{ name: 'x', turns: [{ fail: { code: 'boom' } }] }] },
          'scenarios[0].turns[0].fail.code',
          "must be one of 'server_error'",
        ],
        [{ name: 'x' }, '', "Invalid scenario: missing required property 'turns'."],
        [{ name: 'x', match: { message: { regex: '[' } }, turns: [{ text: 'y' }] }, 'match.message.regex', 'Invalid regular expression'],
        [{ name: 'x', turns: [{ text: '{{#a}}' }] }, 'turns[0].text', 'invalid template'],
        [{ scenarios: [weather, weather] }, 'scenarios[1].name', "duplicate scenario name 'weather'"],
      ];
      for (const [body, param, message] of cases) {
        const res = await call(server, 'POST', '/__admin/scenarios', { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_scenario', param: param || null });
        expect((res.body.error as Json).message).toContain(message);
      }
      expect(((await call(server, 'GET', '/__admin/scenarios')).body.data as Json[]).map((s) => s.name)).toEqual(['from-file']);
    });

    it("keeps tenants' runtime scenarios apart", async () => {
      await call(server, 'POST', '/__admin/scenarios', { key: KEY_A, body: { name: 'only-a', turns: [{ text: 'a' }] } });
      const seenByB = (await call(server, 'GET', '/__admin/scenarios', { key: KEY_B })).body.data as Json[];
      expect(seenByB.map((s) => s.name)).not.toContain('only-a');
      expect((await call(server, 'GET', '/__admin/scenarios/only-a', { key: KEY_B })).status).toBe(404);
      expect((await call(server, 'DELETE', '/__admin/scenarios/only-a', { key: KEY_B })).status).toBe(404);
      expect((await call(server, 'GET', '/__admin/scenarios/only-a', { key: KEY_A })).status).toBe(200);

      // And the rule plays only for tenant A's runs.
      const play = async (key: string) => {
        const client = new OpenAI({ apiKey: key, baseURL: server.baseURL, maxRetries: 0 });
        const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
        const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'hi' }] });
        await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id, metadata: { mock_scenario: 'only-a' } });
        const run = (await client.beta.threads.runs.list(thread.id)).data[0];
        const reply = (await client.beta.threads.messages.list(thread.id)).data[0];
        return { run, reply };
      };
      const a = await play(KEY_A);
      expect(a.run.status).toBe('completed');
      expect(a.reply.content[0]).toMatchObject({ text: { value: 'a' } });
      const b = await play(KEY_B);
      expect(b.run.status).toBe('failed');
      expect(b.run.last_error?.message).toContain("no scenario named 'only-a'");
      await call(server, 'DELETE', '/__admin/scenarios/only-a', { key: KEY_A });
    });

    it('serves the JSON Schema of the format', async () => {
      const res = await call(server, 'GET', '/__admin/scenarios/schema');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', required: ['scenarios'] });
      expect(Object.keys(res.body.definitions as Json)).toEqual(expect.arrayContaining(['scenario', 'turn', 'toolCall', 'match']));
    });

    it('reloads the files on demand, and refuses a broken file keeping the previous rules', async () => {
      writeFileSync(scenarioFile, 'scenarios:\n  - name: reloaded\n    turns: [ { text: r } ]\n');
      const ok = await call(server, 'POST', '/__admin/scenarios/reload');
      expect(ok.body).toEqual({ object: 'mock.scenarios.reloaded', path: scenarioFile, count: 1 });
      writeFileSync(scenarioFile, 'scenarios:\n  - name: broken\n');
      const bad = await call(server, 'POST', '/__admin/scenarios/reload');
      expect(bad.status).toBe(400);
      expect((bad.body.error as Json).message).toBe(
        `Invalid scenario file ${scenarioFile}, line 2, column 5: scenarios[0]: missing required property 'turns' The previous rules stay.`,
      );
      expect(((await call(server, 'GET', '/__admin/scenarios')).body.data as Json[]).map((s) => s.name)).toEqual(['reloaded']);
    });
  });

  it('lists every control route in the OpenAPI document under the admin tag', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const expected = [
      ['post', '/__admin/reset'],
      ['get', '/__admin/scenarios'],
      ['post', '/__admin/scenarios'],
      ['delete', '/__admin/scenarios/{name}'],
      ['get', '/__admin/scenarios/schema'],
      ['get', '/__admin/requests'],
      ['post', '/__admin/faults'],
      ['get', '/__admin/faults'],
      ['delete', '/__admin/faults'],
      ['delete', '/__admin/faults/{fault_id}'],
      ['post', '/__admin/runs/{run_id}/complete'],
      ['post', '/__admin/runs/{run_id}/fail'],
      ['post', '/__admin/runs/{run_id}/expire'],
      ['post', '/__admin/runs/{run_id}/advance'],
    ];
    for (const [method, path] of expected) expect(doc.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['admin']);
  });
});

describe('driving runs from the control API', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer({ runMode: 'manual' });
    client = new OpenAI({ apiKey: KEY_A, baseURL: server.baseURL, maxRetries: 0 });
  });
  afterAll(async () => server.stop());

  async function newRun(tools: OpenAI.Beta.AssistantTool[] = []) {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'hi' }] });
    const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
    return { thread, run };
  }

  it('advances a manual-mode run one step at a time until it completes', async () => {
    const { thread, run } = await newRun();
    expect(run.status).toBe('queued');
    const seen: string[] = [run.status];
    for (let i = 0; i < 20 && seen[seen.length - 1] !== 'completed'; i++) {
      const res = await call(server, 'POST', `/__admin/runs/${run.id}/advance`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: run.id, object: 'thread.run' });
      const status = res.body.status as string;
      if (status !== seen[seen.length - 1]) seen.push(status);
      expect((await client.beta.threads.runs.retrieve(thread.id, run.id)).status).toBe(status);
    }
    expect(seen).toEqual(['queued', 'in_progress', 'completed']);
  });

  it('ends runs as completed, failed or expired on demand', async () => {
    const endings = [
      ['complete', 'completed'],
      ['fail', 'failed'],
      ['expire', 'expired'],
    ] as const;
    for (const [action, status] of endings) {
      const { thread, run } = await newRun();
      const res = await call(server, 'POST', `/__admin/runs/${run.id}/${action}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: run.id, status });
      expect((await client.beta.threads.runs.retrieve(thread.id, run.id)).status).toBe(status);
      // An ended run cannot be ended again.
      expect((await call(server, 'POST', `/__admin/runs/${run.id}/${action}`)).status).toBe(400);
    }
  });

  it("answers 404 for an unknown run or another tenant's, and 400 for an id that is not a run id", async () => {
    const { run } = await newRun();
    const other = await call(server, 'POST', `/__admin/runs/${run.id}/complete`, { key: KEY_B });
    expect(other.status).toBe(404);
    expect((other.body.error as Json).message).toBe(`No run found with id '${run.id}'.`);
    expect((await call(server, 'POST', '/__admin/runs/run_doesnotexist/advance')).status).toBe(404);
    const wrong = await call(server, 'POST', '/__admin/runs/thread_abc/complete');
    expect(wrong.status).toBe(400);
    expect((wrong.body.error as Json).message).toBe("Invalid 'run_id': 'thread_abc'. Expected an ID that begins with 'run'.");
  });
});
