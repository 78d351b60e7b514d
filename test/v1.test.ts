/**
 * Issue 7, the v1 surface (`OpenAI-Beta: assistants=v1`): v1 shapes (file_ids, the retrieval tool,
 * no tool_resources or attachments), assistant files, message files, v1 runs and steps, each
 * version refusing the other's fields, and objects read across versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;
type Version = 'v1' | 'v2';

const ASSISTANT_V1_KEYS = ['id', 'object', 'created_at', 'name', 'description', 'model', 'instructions', 'tools', 'file_ids', 'metadata'];
const MESSAGE_V1_KEYS = [
  'id',
  'object',
  'created_at',
  'assistant_id',
  'thread_id',
  'run_id',
  'role',
  'content',
  'file_ids',
  'status',
  'incomplete_details',
  'completed_at',
  'incomplete_at',
  'metadata',
];
const RUN_V1_KEYS = [
  'id',
  'object',
  'created_at',
  'assistant_id',
  'thread_id',
  'status',
  'started_at',
  'expires_at',
  'cancelled_at',
  'failed_at',
  'completed_at',
  'required_action',
  'last_error',
  'model',
  'instructions',
  'tools',
  'file_ids',
  'metadata',
  'usage',
];

describe('the v1 surface (OpenAI-Beta: assistants=v1)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  async function api(version: Version, method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.baseURL}${path}`, {
      method,
      headers: { authorization: 'Bearer v1-key', 'content-type': 'application/json', 'openai-beta': `assistants=${version}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }
  const ok = async (version: Version, method: string, path: string, body?: unknown) => {
    const { status, body: json } = await api(version, method, path, body);
    expect(status, JSON.stringify(json)).toBe(200);
    return json;
  };
  const v1 = (method: string, path: string, body?: unknown) => ok('v1', method, path, body);
  const v2 = (method: string, path: string, body?: unknown) => ok('v2', method, path, body);

  async function upload(text: string, name = 'doc.txt'): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'assistants');
    form.append('file', new Blob([text]), name);
    const response = await fetch(`${server.baseURL}/files`, { method: 'POST', body: form, headers: { authorization: 'Bearer v1-key' } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: string }).id;
  }

  async function settle(threadId: string, runId: string, version: Version = 'v1'): Promise<Json> {
    for (let i = 0; i < 300; i++) {
      const run = await ok(version, 'GET', `/threads/${threadId}/runs/${runId}`);
      if (!['queued', 'in_progress', 'cancelling'].includes(run.status as string)) return run;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('run did not settle');
  }

  describe('assistants and assistant files', () => {
    it('creates an assistant with retrieval and file_ids, in the v1 shape', async () => {
      const file = await upload('Manual');
      const assistant = await v1('POST', '/assistants', {
        model: 'gpt-4-turbo',
        name: 'v1 helper',
        tools: [{ type: 'retrieval' }, { type: 'code_interpreter' }, WEATHER_TOOL],
        file_ids: [file],
        metadata: { v: '1' },
      });
      expect(Object.keys(assistant)).toEqual(ASSISTANT_V1_KEYS);
      expect(assistant).toMatchObject({ object: 'assistant', name: 'v1 helper', file_ids: [file], metadata: { v: '1' } });
      expect((assistant.tools as Json[]).map((t) => t.type)).toEqual(['retrieval', 'code_interpreter', 'function']);
      expect(await v1('GET', `/assistants/${assistant.id}`)).toEqual(assistant);

      const page = await v1('GET', '/assistants?limit=100');
      const listed = (page.data as Json[]).find((a) => a.id === assistant.id);
      expect(listed).toEqual(assistant);

      const modified = await v1('POST', `/assistants/${assistant.id}`, { file_ids: [], name: 'renamed' });
      expect(modified).toMatchObject({ file_ids: [], name: 'renamed' });
      expect(await v1('DELETE', `/assistants/${assistant.id}`)).toEqual({ id: assistant.id, object: 'assistant.deleted', deleted: true });
    });

    it('a deleted file leaves no stale file_ids on assistants', async () => {
      const file = await upload('soon gone');
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [file] });
      expect(assistant.file_ids).toEqual([file]);
      await v1('DELETE', `/files/${file}`);
      expect((await v1('GET', `/assistants/${assistant.id}`)).file_ids).toEqual([]);
    });

    it('attaches, lists (with pagination), retrieves and detaches assistant files', async () => {
      const [a, b, c] = [await upload('a'), await upload('b'), await upload('c')];
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [a] });

      const attached = await v1('POST', `/assistants/${assistant.id}/files`, { file_id: b });
      expect(attached).toEqual({ id: b, object: 'assistant.file', created_at: expect.any(Number), assistant_id: assistant.id });
      expect(Number.isInteger(attached.created_at)).toBe(true);
      await v1('POST', `/assistants/${assistant.id}/files`, { file_id: c });
      // Attaching the same file again answers the existing attachment.
      expect(await v1('POST', `/assistants/${assistant.id}/files`, { file_id: b })).toEqual(attached);

      const all = await v1('GET', `/assistants/${assistant.id}/files?order=asc`);
      expect(all).toMatchObject({ object: 'list', first_id: a, last_id: c, has_more: false });
      expect((all.data as Json[]).map((f) => f.id)).toEqual([a, b, c]);
      expect((all.data as Json[]).every((f) => f.object === 'assistant.file' && f.assistant_id === assistant.id)).toBe(true);

      const first = await v1('GET', `/assistants/${assistant.id}/files?limit=2`);
      expect((first.data as Json[]).map((f) => f.id)).toEqual([c, b]);
      expect(first.has_more).toBe(true);
      const second = await v1('GET', `/assistants/${assistant.id}/files?limit=2&after=${b}`);
      expect((second.data as Json[]).map((f) => f.id)).toEqual([a]);
      expect(second.has_more).toBe(false);

      expect(await v1('GET', `/assistants/${assistant.id}/files/${b}`)).toEqual(attached);
      expect((await v1('GET', `/assistants/${assistant.id}`)).file_ids).toEqual([a, b, c]);

      expect(await v1('DELETE', `/assistants/${assistant.id}/files/${b}`)).toEqual({
        id: b,
        object: 'assistant.file.deleted',
        deleted: true,
      });
      expect((await v1('GET', `/assistants/${assistant.id}`)).file_ids).toEqual([a, c]);
      const gone = await api('v1', 'GET', `/assistants/${assistant.id}/files/${b}`);
      expect(gone.status).toBe(404);
      expect((gone.body.error as Json).message).toBe(`No assistant file found with id '${b}'.`);
      expect((await api('v1', 'DELETE', `/assistants/${assistant.id}/files/${b}`)).status).toBe(404);
    });

    it('refuses unknown files and assistants, and more than 20 files', async () => {
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4' });
      const unknownFile = await api('v1', 'POST', `/assistants/${assistant.id}/files`, { file_id: 'file-doesnotexist' });
      expect(unknownFile.status).toBe(404);
      expect((unknownFile.body.error as Json).message).toBe("No file found with id 'file-doesnotexist'.");
      const file = await upload('x');
      const unknownAssistant = await api('v1', 'POST', '/assistants/asst_nope/files', { file_id: file });
      expect(unknownAssistant.status).toBe(404);
      const missing = await api('v1', 'POST', `/assistants/${assistant.id}/files`, {});
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({ code: 'missing_required_parameter', param: 'file_id' });

      for (let i = 0; i < 20; i++) await v1('POST', `/assistants/${assistant.id}/files`, { file_id: await upload(`f${i}`) });
      const tooMany = await api('v1', 'POST', `/assistants/${assistant.id}/files`, { file_id: file });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error).toMatchObject({ param: 'file_id' });
    });

    it('answers v1-only endpoints called with v2 with 400 invalid_beta', async () => {
      const assistant = await v2('POST', '/assistants', { model: 'gpt-4o' });
      const refused = await api('v2', 'GET', `/assistants/${assistant.id}/files`);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_beta' });
      expect((refused.body.error as Json).message).toContain("'OpenAI-Beta: assistants=v1'");
      const thread = await v2('POST', '/threads', { messages: [{ role: 'user', content: 'hi' }] });
      const messages = await v2('GET', `/threads/${thread.id}/messages`);
      const message = (messages.data as Json[])[0];
      expect((await api('v2', 'GET', `/threads/${thread.id}/messages/${message.id}/files`)).status).toBe(400);
    });
  });

  describe('each version refuses the other one fields', () => {
    it('v1 requests with tool_resources or attachments get 400 unknown_parameter', async () => {
      const cases: [string, string, Json, string][] = [
        ['POST', '/assistants', { model: 'gpt-4', tool_resources: {} }, 'tool_resources'],
        ['POST', '/threads', { tool_resources: null }, 'tool_resources'],
        [
          'POST',
          '/threads',
          {
            messages: [
              { role: 'user', content: 'a' },
              { role: 'user', content: 'b', attachments: [] },
            ],
          },
          'messages[1].attachments',
        ],
        [
          'POST',
          '/threads/runs',
          { assistant_id: 'asst_x', thread: { messages: [{ role: 'user', content: 'a', attachments: [] }] } },
          'thread.messages[0].attachments',
        ],
        ['POST', '/threads/runs', { assistant_id: 'asst_x', tool_resources: {} }, 'tool_resources'],
      ];
      for (const [method, path, body, param] of cases) {
        const { status, body: json } = await api('v1', method, path, body);
        expect(status, path).toBe(400);
        expect(json.error).toEqual({
          message: `Unknown parameter: '${param}'.`,
          type: 'invalid_request_error',
          param,
          code: 'unknown_parameter',
        });
      }
      const thread = await v1('POST', '/threads', {});
      const attachments = await api('v1', 'POST', `/threads/${thread.id}/messages`, { role: 'user', content: 'x', attachments: [] });
      expect(attachments.body.error).toMatchObject({ code: 'unknown_parameter', param: 'attachments' });
    });

    it('v2 requests with file_ids get 400 unknown_parameter', async () => {
      const created = await api('v2', 'POST', '/assistants', { model: 'gpt-4o', file_ids: [] });
      expect(created.status).toBe(400);
      expect(created.body.error).toMatchObject({ code: 'unknown_parameter', param: 'file_ids' });
      const thread = await api('v2', 'POST', '/threads', { messages: [{ role: 'user', content: 'a', file_ids: [] }] });
      expect(thread.body.error).toMatchObject({ code: 'unknown_parameter', param: 'messages[0].file_ids' });
      const t = await v2('POST', '/threads', {});
      const message = await api('v2', 'POST', `/threads/${t.id}/messages`, { role: 'user', content: 'x', file_ids: [] });
      expect(message.body.error).toMatchObject({ code: 'unknown_parameter', param: 'file_ids' });
      // tool_resources.code_interpreter.file_ids is v2 and stays accepted.
      await v2('POST', '/assistants', { model: 'gpt-4o', tool_resources: { code_interpreter: { file_ids: [] } } });
    });

    it('each version refuses the other tool name', async () => {
      const retrieval = await api('v2', 'POST', '/assistants', { model: 'gpt-4o', tools: [{ type: 'retrieval' }] });
      expect(retrieval.status).toBe(400);
      expect(retrieval.body.error).toMatchObject({ code: 'invalid_value', param: 'tools[0].type' });
      const fileSearch = await api('v1', 'POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'file_search' }] });
      expect(fileSearch.status).toBe(400);
      expect(fileSearch.body.error).toMatchObject({ code: 'invalid_value', param: 'tools[0].type' });
    });

    it('refuses an unknown OpenAI-Beta assistants version', async () => {
      const response = await fetch(`${server.baseURL}/assistants`, { headers: { 'openai-beta': 'assistants=v3' } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: Json }).error).toMatchObject({ code: 'invalid_beta' });
    });
  });

  describe('threads, messages and message files', () => {
    it('creates threads with messages carrying file_ids, and lists and retrieves message files', async () => {
      const [a, b] = [await upload('a'), await upload('b')];
      const thread = await v1('POST', '/threads', {
        messages: [{ role: 'user', content: 'Look at these', file_ids: [a, b] }],
        metadata: { k: 'v' },
      });
      expect(thread).toEqual({ id: thread.id, object: 'thread', created_at: thread.created_at, metadata: { k: 'v' } });
      expect(await v1('GET', `/threads/${thread.id}`)).toEqual(thread);

      const list = await v1('GET', `/threads/${thread.id}/messages`);
      const message = (list.data as Json[])[0];
      expect(Object.keys(message)).toEqual(MESSAGE_V1_KEYS);
      expect(message.file_ids).toEqual([a, b]);

      const files = await v1('GET', `/threads/${thread.id}/messages/${message.id}/files?order=asc`);
      expect(files).toMatchObject({ object: 'list', first_id: a, last_id: b, has_more: false });
      expect(files.data).toEqual([
        { id: a, object: 'thread.message.file', created_at: message.created_at, message_id: message.id },
        { id: b, object: 'thread.message.file', created_at: message.created_at, message_id: message.id },
      ]);
      expect(await v1('GET', `/threads/${thread.id}/messages/${message.id}/files/${b}`)).toEqual((files.data as Json[])[1]);
      const missing = await api('v1', 'GET', `/threads/${thread.id}/messages/${message.id}/files/file-nope`);
      expect(missing.status).toBe(404);

      const added = await v1('POST', `/threads/${thread.id}/messages`, { role: 'user', content: 'one more', file_ids: [b] });
      expect(Object.keys(added)).toEqual(MESSAGE_V1_KEYS);
      expect(added.file_ids).toEqual([b]);
      const modified = await v1('POST', `/threads/${thread.id}/messages/${added.id}`, { metadata: { x: 'y' } });
      expect(modified).toMatchObject({ file_ids: [b], metadata: { x: 'y' } });

      // The same message through v2: attachments, no file_ids.
      const asV2 = await v2('GET', `/threads/${thread.id}/messages/${added.id}`);
      expect(asV2).toHaveProperty('attachments', []);
      expect(asV2).not.toHaveProperty('file_ids');
      const threadV2 = await v2('GET', `/threads/${thread.id}`);
      expect(threadV2).toHaveProperty('tool_resources', {});
    });
  });

  describe('runs and steps', () => {
    it('runs a function call through requires_action in v1 shapes', async () => {
      const file = await upload('facts');
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [WEATHER_TOOL, { type: 'retrieval' }], file_ids: [file] });
      const thread = await v1('POST', '/threads', { messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
      const run = await v1('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
      expect(Object.keys(run)).toEqual(RUN_V1_KEYS);
      expect(run).toMatchObject({ status: 'queued', file_ids: [file] });
      expect((run.tools as Json[]).map((t) => t.type)).toEqual(['function', 'retrieval']);

      const waiting = await settle(thread.id as string, run.id as string);
      expect(waiting.status).toBe('requires_action');
      const calls = (waiting.required_action as { submit_tool_outputs: { tool_calls: { id: string }[] } }).submit_tool_outputs.tool_calls;
      const submitted = await v1('POST', `/threads/${thread.id}/runs/${run.id}/submit_tool_outputs`, {
        tool_outputs: [{ tool_call_id: calls[0].id, output: 'sunny' }],
      });
      expect(Object.keys(submitted)).toEqual(RUN_V1_KEYS);
      const done = await settle(thread.id as string, run.id as string);
      expect(done.status).toBe('completed');
      expect(done.usage).toMatchObject({ total_tokens: expect.any(Number) });

      const runs = await v1('GET', `/threads/${thread.id}/runs`);
      expect(Object.keys((runs.data as Json[])[0])).toEqual(RUN_V1_KEYS);
      const steps = await v1('GET', `/threads/${thread.id}/runs/${run.id}/steps?order=asc`);
      const [toolStep, messageStep] = steps.data as Json[];
      expect(toolStep.step_details).toMatchObject({
        type: 'tool_calls',
        tool_calls: [{ type: 'function', function: { output: 'sunny' } }],
      });
      expect(messageStep.step_details).toMatchObject({ type: 'message_creation' });
      expect(await v1('GET', `/threads/${thread.id}/runs/${run.id}/steps/${messageStep.id}`)).toEqual(messageStep);

      const messages = await v1('GET', `/threads/${thread.id}/messages?order=desc&limit=1`);
      const reply = (messages.data as Json[])[0];
      expect(Object.keys(reply)).toEqual(MESSAGE_V1_KEYS);
      expect(reply).toMatchObject({ role: 'assistant', run_id: run.id, file_ids: [] });

      // Cancel a v1 run that waits for tool outputs.
      const second = await v1('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
      expect((await settle(thread.id as string, second.id as string)).status).toBe('requires_action');
      const cancelled = await v1('POST', `/threads/${thread.id}/runs/${second.id}/cancel`);
      expect(Object.keys(cancelled)).toEqual(RUN_V1_KEYS);
    });

    it('shows retrieval tool calls as {id, type: retrieval, retrieval: {}} in v1 and as file_search in v2', async () => {
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }] });
      const run = await v1('POST', '/threads/runs', {
        assistant_id: assistant.id,
        thread: { messages: [{ role: 'user', content: 'search the docs' }] },
        tool_choice: { type: 'retrieval' },
      });
      expect(Object.keys(run)).toEqual(RUN_V1_KEYS);
      const done = await settle(run.thread_id as string, run.id as string);
      expect(done.status).toBe('completed');
      const steps = await v1('GET', `/threads/${run.thread_id}/runs/${run.id}/steps?order=asc`);
      const toolStep = (steps.data as Json[])[0];
      const call = (toolStep.step_details as { tool_calls: Json[] }).tool_calls[0];
      expect(call).toEqual({ id: expect.stringMatching(/^call_/), type: 'retrieval', retrieval: {} });

      const stepsV2 = await v2('GET', `/threads/${run.thread_id}/runs/${run.id}/steps?order=asc`);
      const callV2 = ((stepsV2.data as Json[])[0].step_details as { tool_calls: Json[] }).tool_calls[0];
      expect(callV2).toMatchObject({ id: call.id, type: 'file_search', file_search: { results: [] } });
      const runV2 = await v2('GET', `/threads/${run.thread_id}/runs/${run.id}`);
      expect(runV2).toMatchObject({ tool_choice: { type: 'file_search' }, tools: [{ type: 'file_search' }] });
      expect(runV2).not.toHaveProperty('file_ids');

      // `retrieval` is v1's name only.
      const refused = await api('v2', 'POST', `/threads/${run.thread_id}/runs`, {
        assistant_id: assistant.id,
        tool_choice: { type: 'retrieval' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_value', param: 'tool_choice.type' });
    });
  });

  describe('retrieval over attached files', () => {
    type Part = { type: string; text: { value: string; annotations: { type: string; file_citation: Json }[] } };
    const citations = (message: Json) =>
      ((message.content as Part[])[0].text.annotations ?? []).filter((a) => a.type === 'file_citation').map((a) => a.file_citation);
    const lastReply = async (threadId: string) => ((await v1('GET', `/threads/${threadId}/messages?limit=1`)).data as Json[])[0];
    const retrievalCalls = async (threadId: string, runId: string) => {
      const steps = await v2('GET', `/threads/${threadId}/runs/${runId}/steps?order=asc`);
      return (steps.data as Json[])
        .filter((s) => s.type === 'tool_calls')
        .flatMap((s) => (s.step_details as { tool_calls: Json[] }).tool_calls)
        .filter((c) => c.type === 'file_search');
    };

    it("searches and cites the assistant's file_ids", async () => {
      const file = await upload('The warehouse in Lyon opens at seven in the morning on weekdays.', 'lyon.txt');
      const other = await upload('Invoices are sent on the first day of each month.', 'invoices.txt');
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [other, file] });
      const run = await v1('POST', '/threads/runs', {
        assistant_id: assistant.id,
        thread: { messages: [{ role: 'user', content: 'When does the Lyon warehouse open?' }] },
      });
      expect((await settle(run.thread_id as string, run.id as string)).status).toBe('completed');
      const [call] = await retrievalCalls(run.thread_id as string, run.id as string);
      expect((call.file_search as { results: Json[] }).results[0]).toMatchObject({ file_id: file, file_name: 'lyon.txt' });
      const reply = await lastReply(run.thread_id as string);
      expect(citations(reply)[0]).toMatchObject({ file_id: file, quote: expect.stringContaining('opens at seven') });
      // Read through v2, the thread shows the store that holds the files now.
      const thread = await v2('GET', `/threads/${run.thread_id}`);
      const storeId = (thread.tool_resources as { file_search: { vector_store_ids: string[] } }).file_search.vector_store_ids[0];
      const storeFiles = await v2('GET', `/vector_stores/${storeId}/files`);
      expect((storeFiles.data as Json[]).map((f) => f.id).sort()).toEqual([file, other].sort());
    });

    it("searches and cites files attached to the thread's messages, once each however many runs", async () => {
      const file = await upload('Parking is free for visitors on level minus two.', 'parking.txt');
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }] });
      const thread = await v1('POST', '/threads', {
        messages: [{ role: 'user', content: 'Where can visitors park for free?', file_ids: [file] }],
      });
      for (let i = 0; i < 2; i++) {
        const run = await v1('POST', `/threads/${thread.id}/runs`, { assistant_id: assistant.id });
        expect((await settle(thread.id as string, run.id as string)).status).toBe('completed');
        expect(citations(await lastReply(thread.id as string))[0]).toMatchObject({ file_id: file });
      }
      const read = await v2('GET', `/threads/${thread.id}`);
      const storeId = (read.tool_resources as { file_search: { vector_store_ids: string[] } }).file_search.vector_store_ids[0];
      expect(((await v2('GET', `/vector_stores/${storeId}/files`)).data as Json[]).map((f) => f.id)).toEqual([file]);
    });

    it('leaves attached files alone for a run without retrieval, and skips a file deleted since', async () => {
      const kept = await upload('Badges are collected at the front desk.', 'badges.txt');
      const gone = await upload('This file will be deleted.', 'gone.txt');
      const plain = await v1('POST', '/assistants', { model: 'gpt-4', file_ids: [kept] });
      const quiet = await v1('POST', '/threads/runs', {
        assistant_id: plain.id,
        thread: { messages: [{ role: 'user', content: 'badges?' }] },
      });
      expect((await settle(quiet.thread_id as string, quiet.id as string)).status).toBe('completed');
      expect((await v2('GET', `/threads/${quiet.thread_id}`)).tool_resources).toEqual({});

      const searching = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [kept, gone] });
      expect((await v1('DELETE', `/files/${gone}`)).deleted).toBe(true);
      const run = await v1('POST', '/threads/runs', {
        assistant_id: searching.id,
        thread: { messages: [{ role: 'user', content: 'Where are badges collected?' }] },
      });
      expect((await settle(run.thread_id as string, run.id as string)).status).toBe('completed');
      expect(citations(await lastReply(run.thread_id as string))[0]).toMatchObject({ file_id: kept });
    });
  });

  describe('objects read across versions', () => {
    it('a v1 assistant with retrieval and file_ids reads through v2 with file_search, and back', async () => {
      const file = await upload('x');
      const created = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [file] });
      const asV2 = await v2('GET', `/assistants/${created.id}`);
      expect(asV2.tools).toEqual([{ type: 'file_search' }]);
      expect(asV2).toMatchObject({ tool_resources: {}, response_format: 'auto', temperature: 1, top_p: 1 });
      expect(asV2).not.toHaveProperty('file_ids');
      // A v2 update keeps the v1 files.
      await v2('POST', `/assistants/${created.id}`, { name: 'via v2' });
      expect(await v1('GET', `/assistants/${created.id}`)).toMatchObject({
        name: 'via v2',
        file_ids: [file],
        tools: [{ type: 'retrieval' }],
      });
    });

    it('a v2 assistant with file_search reads through v1 with retrieval and file_ids []', async () => {
      const created = await v2('POST', '/assistants', {
        model: 'gpt-4o',
        tools: [{ type: 'file_search', file_search: { max_num_results: 5 } }, { type: 'code_interpreter' }],
        tool_resources: { code_interpreter: { file_ids: [] } },
      });
      const asV1 = await v1('GET', `/assistants/${created.id}`);
      expect(Object.keys(asV1)).toEqual(ASSISTANT_V1_KEYS);
      expect(asV1.tools).toEqual([{ type: 'retrieval' }, { type: 'code_interpreter' }]);
      expect(asV1.file_ids).toEqual([]);
      expect((await v1('GET', `/assistants/${created.id}/files`)).data).toEqual([]);
      // And v2 still has its file_search options.
      expect((await v2('GET', `/assistants/${created.id}`)).tools).toEqual(created.tools);
    });

    it('file citations read through v1 carry the quote v1 clients require', async () => {
      const file = await upload('Refunds are processed within five business days of the request.', 'refunds.txt');
      const store = await v2('POST', '/vector_stores', { name: 'policies', file_ids: [file] });
      for (let i = 0; i < 200; i++) {
        if (((await v2('GET', `/vector_stores/${store.id}`)).file_counts as { completed: number }).completed === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const assistant = await v2('POST', '/assistants', {
        model: 'gpt-4o',
        tools: [{ type: 'file_search' }],
        tool_resources: { file_search: { vector_store_ids: [store.id] } },
      });
      const run = await v2('POST', '/threads/runs', {
        assistant_id: assistant.id,
        thread: { messages: [{ role: 'user', content: 'How long do refunds take?' }] },
      });
      expect((await settle(run.thread_id as string, run.id as string, 'v2')).status).toBe('completed');
      type Part = { type: string; text: { value: string; annotations: { type: string; file_citation: Json }[] } };
      const citationOf = (message: Json) => ((message.content as Part[])[0].text.annotations ?? []).find((a) => a.type === 'file_citation');
      const v2Reply = ((await v2('GET', `/threads/${run.thread_id}/messages?limit=1`)).data as Json[])[0];
      const v1Reply = ((await v1('GET', `/threads/${run.thread_id}/messages?limit=1`)).data as Json[])[0];
      expect(citationOf(v2Reply)?.file_citation).toEqual({ file_id: file });
      const quote = citationOf(v1Reply)?.file_citation.quote;
      expect(typeof quote).toBe('string');
      expect(quote).toContain('Refunds are processed');
      expect(citationOf(v1Reply)?.file_citation.file_id).toBe(file);
    });

    it('a v2 run reads through v1 and a v1 run through v2', async () => {
      const assistant = await v2('POST', '/assistants', { model: 'gpt-4o' });
      const run = await v2('POST', '/threads/runs', {
        assistant_id: assistant.id,
        thread: { messages: [{ role: 'user', content: 'hi' }] },
      });
      await settle(run.thread_id as string, run.id as string, 'v2');
      const asV1 = await v1('GET', `/threads/${run.thread_id}/runs/${run.id}`);
      expect(Object.keys(asV1)).toEqual(RUN_V1_KEYS);
      expect(asV1).toMatchObject({ status: 'completed', file_ids: [] });
      const messages = await v1('GET', `/threads/${run.thread_id}/messages`);
      for (const message of messages.data as Json[]) expect(Object.keys(message)).toEqual(MESSAGE_V1_KEYS);
    });
  });
  describe('streams', () => {
    it('a v1 client streaming a run gets v1 objects in the frames', async () => {
      const file = await upload('streamed');
      const assistant = await v1('POST', '/assistants', { model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [file] });
      const response = await fetch(`${server.baseURL}/threads/runs`, {
        method: 'POST',
        headers: { authorization: 'Bearer v1-key', 'content-type': 'application/json', 'openai-beta': 'assistants=v1' },
        body: JSON.stringify({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'hi' }] }, stream: true }),
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const frames = (await response.text())
        .split('\n\n')
        .filter(Boolean)
        .map((frame) => {
          const [event, data] = frame.split('\n');
          return { event: event.slice('event: '.length), data: data.slice('data: '.length) };
        });
      const json = (name: string) => JSON.parse(frames.find((f) => f.event === name)!.data) as Json;
      expect(Object.keys(json('thread.created'))).toEqual(['id', 'object', 'created_at', 'metadata']);
      for (const name of ['thread.run.created', 'thread.run.completed']) {
        expect(Object.keys(json(name))).toEqual(RUN_V1_KEYS);
        expect(json(name).file_ids).toEqual([file]);
        expect((json(name).tools as Json[])[0].type).toBe('retrieval');
      }
      expect(Object.keys(json('thread.message.completed'))).toEqual(MESSAGE_V1_KEYS);
      expect(frames.at(-1)).toEqual({ event: 'done', data: '[DONE]' });
    });
  });
});
