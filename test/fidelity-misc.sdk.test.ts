/**
 * Smaller divergences from the real API, each driven through openai 4.x and 7.x: every
 * ReasoningEffort value of the spec, error texts that list every allowed literal, the download
 * refusal for private file purposes, an empty model, and v1 streams naming file_search `retrieval`
 * in their step deltas (docs/compatibility.md).
 */
import OpenAI4, { toFile as toFile4 } from 'openai';
import OpenAI7, { toFile as toFile7 } from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertFile } from '../src/store/files.js';
import { newId } from '../src/util/ids.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each SDK's resource tree, called as documented
type Loose = any;
type Item = { id: string } & Record<string, unknown>;

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const V1 = { headers: { 'OpenAI-Beta': 'assistants=v1' } };

/** The few calls whose signatures differ between the two SDK generations. */
interface Sdk {
  name: string;
  c: Loose;
  toFile: typeof toFile4;
  retrieveRun(threadId: string, runId: string): Promise<Item>;
  listSteps(threadId: string, runId: string, options?: object): Promise<{ data: Item[] }>;
  streamRun(threadId: string, body: object, options?: object): AsyncIterable<{ event: string; data: Loose }>;
}

const SDKS: [string, (baseURL: string, key: string) => Sdk][] = [
  [
    'openai 4.x',
    (baseURL, key) => {
      const c: Loose = new OpenAI4({ apiKey: key, baseURL, maxRetries: 0 });
      return {
        name: 'openai 4.x',
        c,
        toFile: toFile4,
        retrieveRun: (tid, rid) => c.beta.threads.runs.retrieve(tid, rid),
        listSteps: (tid, rid, options) => c.beta.threads.runs.steps.list(tid, rid, {}, options),
        streamRun: (tid, body, options) => c.beta.threads.runs.stream(tid, body, options),
      };
    },
  ],
  [
    'openai 7.x',
    (baseURL, key) => {
      const c: Loose = new OpenAI7({ apiKey: key, baseURL, maxRetries: 0 });
      return {
        name: 'openai 7.x',
        c,
        toFile: toFile7 as unknown as typeof toFile4,
        retrieveRun: (tid, rid) => c.beta.threads.runs.retrieve(rid, { thread_id: tid }),
        listSteps: (tid, rid, options) => c.beta.threads.runs.steps.list(rid, { thread_id: tid }, options),
        streamRun: (tid, body, options) => c.beta.threads.runs.stream(tid, body, options),
      };
    },
  ],
];

/** The error body an SDK call was refused with. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
  const error = (await call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  )) as { status: number; error: Record<string, unknown> };
  return { status: error.status, error: error.error };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

describe.each(SDKS)('%s', (name, make) => {
  let sdk: Sdk;
  beforeAll(() => {
    sdk = make(server.baseURL, `misc-${name}`);
  });

  describe('reasoning_effort', () => {
    it.each(EFFORTS)('accepts %s on assistants (create, update) and runs', async (effort) => {
      const assistant = await sdk.c.beta.assistants.create({ model: 'o3', reasoning_effort: effort });
      expect(assistant.id).toMatch(/^asst_/);
      expect((await sdk.c.beta.assistants.update(assistant.id, { reasoning_effort: effort })).id).toBe(assistant.id);
      const thread = await sdk.c.beta.threads.create({});
      const run = await sdk.c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, reasoning_effort: effort });
      expect(run.status).toBe('queued');
    });

    it('refuses another value, naming all seven in the spec order', async () => {
      const { status, error } = await refusal(sdk.c.beta.assistants.create({ model: 'o3', reasoning_effort: 'extreme' }));
      expect(status).toBe(400);
      expect(error).toEqual({
        message: "Invalid value: 'extreme'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'.",
        type: 'invalid_request_error',
        param: 'reasoning_effort',
        code: 'invalid_value',
      });
    });
  });

  describe('literal lists in error texts', () => {
    it("tool_choice 'x' names none, auto and required", async () => {
      const assistant = await sdk.c.beta.assistants.create({ model: 'gpt-4o' });
      const thread = await sdk.c.beta.threads.create({});
      const { status, error } = await refusal(sdk.c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, tool_choice: 'x' }));
      expect(status).toBe(400);
      expect(error).toEqual({
        message: "Invalid value: 'x'. Supported values are: 'none', 'auto', and 'required'.",
        type: 'invalid_request_error',
        param: 'tool_choice',
        code: 'invalid_value',
      });
    });

    it("an unknown tool type on v2 names v2's three kinds, never 'retrieval'", async () => {
      for (const type of ['x', 'retrieval']) {
        const { error } = await refusal(sdk.c.beta.assistants.create({ model: 'gpt-4o', tools: [{ type }] }));
        expect(error.message).toBe(`Invalid value: '${type}'. Supported values are: 'code_interpreter', 'file_search', and 'function'.`);
        expect(error.param).toBe('tools[0].type');
      }
    });

    it("an unknown tool type on v1 names v1's kinds, 'retrieval' and not 'file_search'", async () => {
      const { error } = await refusal(sdk.c.beta.assistants.create({ model: 'gpt-4', tools: [{ type: 'file_search' }] }, V1));
      expect(error.message).toBe("Invalid value: 'file_search'. Supported values are: 'code_interpreter', 'retrieval', and 'function'.");
    });

    it('an unknown response_format.type names the three kinds, not the first alone', async () => {
      const { error } = await refusal(sdk.c.beta.assistants.create({ model: 'gpt-4o', response_format: { type: 'xml' } }));
      expect(error.message).toBe("Invalid value: 'xml'. Supported values are: 'text', 'json_object', and 'json_schema'.");
      expect(error.param).toBe('response_format.type');
    });

    it('an unknown tool_choice.type names function, code_interpreter and file_search', async () => {
      const assistant = await sdk.c.beta.assistants.create({ model: 'gpt-4o' });
      const thread = await sdk.c.beta.threads.create({});
      const { error } = await refusal(
        sdk.c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, tool_choice: { type: 'retrieval' } }),
      );
      expect(error.message).toBe("Invalid value: 'retrieval'. Supported values are: 'function', 'code_interpreter', and 'file_search'.");
      expect(error.param).toBe('tool_choice.type');
    });
  });

  describe('file downloads', () => {
    it.each(['assistants', 'user_data', 'fine-tune', 'evals'])('refuses the content of a %s upload', async (purpose) => {
      const file = await sdk.c.files.create({ file: await sdk.toFile(Buffer.from('{}\n'), 'private.jsonl'), purpose });
      const { status, error } = await refusal(sdk.c.files.content(file.id));
      expect(status).toBe(400);
      expect(error).toEqual({
        message: `Not allowed to download files of purpose: ${purpose}`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
      // The metadata stays readable.
      expect((await sdk.c.files.retrieve(file.id)).purpose).toBe(purpose);
    });

    it.each(['batch', 'vision'])('returns the content of a %s upload', async (purpose) => {
      const file = await sdk.c.files.create({ file: await sdk.toFile(Buffer.from('{"a":1}\n'), 'open.jsonl'), purpose });
      const body = Buffer.from(await (await sdk.c.files.content(file.id)).arrayBuffer());
      expect(body.toString()).toBe('{"a":1}\n');
    });

    it('returns the content of a file the API wrote (assistants_output)', async () => {
      // No upload can have this purpose: the file is written into the server's database as the API would.
      const id = newId('file');
      // Through the server's own connection: a second one would be refused (the server holds the file).
      const db = server.app.ctx.db;
      const row = { id, tenant: '', createdAt: 1, bytes: 5, filename: 'plot.png', purpose: 'assistants_output' };
      const probe = await sdk.c.files.create({ file: await sdk.toFile(Buffer.from('x'), 'probe.txt'), purpose: 'batch' });
      const tenant = (db.$client.prepare('SELECT tenant FROM files WHERE id = ?').get(probe.id) as { tenant: string }).tenant;
      insertFile(db, { ...row, tenant, status: 'processed', statusDetails: null, expiresAt: null }, Buffer.from('bytes'));
      const body = Buffer.from(await (await sdk.c.files.content(id)).arrayBuffer());
      expect(body.toString()).toBe('bytes');
    });
  });

  describe('model', () => {
    it('refuses an empty model on assistants and runs', async () => {
      const expected = {
        message: "Invalid 'model': empty string. Expected a string with minimum length 1, but got an empty string instead.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'empty_string',
      };
      expect(await refusal(sdk.c.beta.assistants.create({ model: '' }))).toEqual({ status: 400, error: expected });
      const assistant = await sdk.c.beta.assistants.create({ model: 'a-model-released-tomorrow' });
      expect(assistant.model).toBe('a-model-released-tomorrow');
      expect(await refusal(sdk.c.beta.assistants.update(assistant.id, { model: '' }))).toEqual({ status: 400, error: expected });
      const thread = await sdk.c.beta.threads.create({});
      expect(await refusal(sdk.c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, model: '' }))).toEqual({
        status: 400,
        error: expected,
      });
    });
  });

  describe('v1 streams', () => {
    it("name the retrieval call 'retrieval' in step deltas, as in the completed step and the steps list", async () => {
      const assistant = await sdk.c.beta.assistants.create({ model: 'gpt-4', tools: [{ type: 'retrieval' }] }, V1);
      const thread = await sdk.c.beta.threads.create({}, V1);
      await sdk.c.beta.threads.messages.create(thread.id, { role: 'user', content: 'look it up' }, V1);
      const deltas: Loose[] = [];
      const completed: Loose[] = [];
      let runId = '';
      const stream = sdk.streamRun(thread.id, { assistant_id: assistant.id, tool_choice: { type: 'retrieval' } }, V1);
      for await (const event of stream) {
        if (event.event === 'thread.run.created') runId = event.data.id;
        if (event.event === 'thread.run.step.delta') deltas.push(...event.data.delta.step_details.tool_calls);
        if (event.event === 'thread.run.step.completed' && event.data.type === 'tool_calls')
          completed.push(...event.data.step_details.tool_calls);
      }
      expect(deltas.length).toBeGreaterThan(0);
      for (const call of deltas) {
        expect(call).toEqual({ index: 0, id: expect.stringMatching(/^call_/), type: 'retrieval', retrieval: {} });
      }
      expect(completed).toEqual([{ id: deltas[0].id, type: 'retrieval', retrieval: {} }]);
      const steps = await sdk.listSteps(thread.id, runId, V1);
      const listed = steps.data.flatMap((step) => ((step.step_details as Loose).tool_calls ?? []) as Loose[]);
      expect(listed).toEqual([{ id: deltas[0].id, type: 'retrieval', retrieval: {} }]);
    });

    it('carry the quote of file citations in message deltas, as the v1 message does', async () => {
      const file = await sdk.c.files.create({
        file: await sdk.toFile(Buffer.from('The warehouse in Lyon opens at seven in the morning on weekdays.'), 'lyon.txt'),
        purpose: 'assistants',
      });
      const assistant = await sdk.c.beta.assistants.create({ model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [file.id] }, V1);
      const thread = await sdk.c.beta.threads.create({}, V1);
      await sdk.c.beta.threads.messages.create(thread.id, { role: 'user', content: 'When does the Lyon warehouse open?' }, V1);
      const streamed: Loose[] = [];
      let completed: Loose;
      for await (const event of sdk.streamRun(thread.id, { assistant_id: assistant.id }, V1)) {
        if (event.event === 'thread.message.delta') {
          for (const part of event.data.delta.content) streamed.push(...(part.text?.annotations ?? []));
        }
        if (event.event === 'thread.message.completed') completed = event.data;
      }
      const citations = streamed.filter((a) => a.type === 'file_citation');
      expect(citations.length).toBeGreaterThan(0);
      expect(citations[0].file_citation.quote).toContain('opens at seven');
      const final = completed.content[0].text.annotations.filter((a: Loose) => a.type === 'file_citation');
      expect(citations.map((a) => a.file_citation)).toEqual(final.map((a: Loose) => a.file_citation));
    });

    it('still name it file_search on v2', async () => {
      const assistant = await sdk.c.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'file_search' }] });
      const thread = await sdk.c.beta.threads.create({ messages: [{ role: 'user', content: 'look it up' }] });
      const deltas: Loose[] = [];
      for await (const event of sdk.streamRun(thread.id, { assistant_id: assistant.id, tool_choice: { type: 'file_search' } })) {
        if (event.event === 'thread.run.step.delta') deltas.push(...event.data.delta.step_details.tool_calls);
      }
      expect(deltas.map((call) => call.type)).toEqual(['file_search']);
      expect(deltas[0].file_search).toEqual({});
    });
  });
});
