/**
 * Issue 7, Azure: the `/openai/...` layout with its required `api-version`, the `api-key` header, and
 * the unmodified Azure client `@azure/openai-assistants` (1.0.0-beta.6, which sends
 * api-version=2024-02-15-preview and so speaks v1) through every operation it has.
 */
import { AssistantsClient, AzureKeyCredential, OpenAIKeyCredential } from '@azure/openai-assistants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete', 'requires_action']);

type Json = Record<string, unknown>;

describe('Azure routes: /openai with api-version and api-key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: ['azure-key'] });
  });
  afterAll(async () => server.stop());

  const call = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
    const response = await fetch(server.url + path, {
      ...init,
      headers: { 'api-key': 'azure-key', 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  it('answers 400 when api-version is missing or unknown', async () => {
    const missing = await call('/openai/assistants');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ type: 'invalid_request_error', code: 'missing_api_version', param: 'api-version' });

    const unknown = await call('/openai/assistants?api-version=2023-01-01');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unsupported_api_version' });
    expect((unknown.body.error as Json).message).toContain("'2023-01-01'");
  });

  it('authenticates with the api-key header (401 without it or with a wrong one)', async () => {
    const ok = await call('/openai/assistants?api-version=2024-02-15-preview');
    expect(ok.status).toBe(200);
    const wrong = await call('/openai/assistants?api-version=2024-02-15-preview', { headers: { 'api-key': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_api_key' });
    const none = await fetch(`${server.url}/openai/assistants?api-version=2024-02-15-preview`);
    expect(none.status).toBe(401);
  });

  it('speaks v1 for 2024-02-15-preview and 2024-03-01-preview, v2 for later versions', async () => {
    for (const version of ['2024-02-15-preview', '2024-03-01-preview']) {
      const { status, body } = await call(`/openai/assistants?api-version=${version}`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4', tools: [{ type: 'retrieval' }], file_ids: [] }),
      });
      expect(status).toBe(200);
      expect(body).toHaveProperty('file_ids', []);
      expect(body).not.toHaveProperty('tool_resources');
      expect(body.tools).toEqual([{ type: 'retrieval' }]);
    }
    for (const version of ['2024-05-01-preview', '2024-10-21', '2025-04-01-preview']) {
      const { status, body } = await call(`/openai/assistants?api-version=${version}`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4o', tools: [{ type: 'file_search' }], tool_resources: {} }),
      });
      expect(status).toBe(200);
      expect(body).toHaveProperty('tool_resources', {});
      expect(body).not.toHaveProperty('file_ids');
      // v1 fields on a v2 api-version are unknown parameters, as on /v1 with assistants=v2.
      const refused = await call(`/openai/assistants?api-version=${version}`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4o', file_ids: [] }),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'unknown_parameter', param: 'file_ids' });
    }
  });

  it('ignores OpenAI-Beta on /openai (the api-version decides) and answers unknown routes with Invalid URL', async () => {
    const { body } = await call('/openai/assistants?api-version=2024-02-15-preview', {
      method: 'POST',
      headers: { 'OpenAI-Beta': 'assistants=v2' },
      body: JSON.stringify({ model: 'gpt-4' }),
    });
    expect(body).toHaveProperty('file_ids');
    const missing = await call('/openai/nothing?api-version=2024-02-15-preview');
    expect(missing.status).toBe(404);
    expect((missing.body.error as Json).message).toBe('Invalid URL (GET /openai/nothing)');
  });
});

describe('the Azure client @azure/openai-assistants 1.0.0-beta.6, unmodified', () => {
  let server: TestServer;
  let client: AssistantsClient;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: ['azure-key'] });
    // Azure SDK clients refuse plain http unless told otherwise: a client option, not a change to the client.
    client = new AssistantsClient(server.url, new AzureKeyCredential('azure-key'), { allowInsecureConnection: true });
  });
  afterAll(async () => server.stop());

  async function waitForRun(threadId: string, runId: string) {
    for (let i = 0; i < 200; i++) {
      const run = await client.getRun(threadId, runId);
      if (TERMINAL.has(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`run ${runId} did not settle`);
  }

  it('uploads, gets, lists and deletes files', async () => {
    const uploaded = await client.uploadFile(new TextEncoder().encode('The sky is blue.'), 'assistants', { filename: 'sky.txt' });
    expect(uploaded).toMatchObject({ bytes: 16, filename: 'sky.txt', purpose: 'assistants' });
    expect(uploaded.id).toMatch(/^file-/);
    expect(uploaded.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(uploaded.createdAt.getTime() - Date.now())).toBeLessThan(10_000);

    const got = await client.getFile(uploaded.id);
    expect(got).toMatchObject({ id: uploaded.id, filename: 'sky.txt', bytes: 16 });

    const listed = await client.listFiles({ purpose: 'assistants' });
    expect(listed.data.map((f) => f.id)).toContain(uploaded.id);

    const deleted = await client.deleteFile(uploaded.id);
    expect(deleted).toEqual({ id: uploaded.id, deleted: true });
    await expect(client.getFile(uploaded.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('creates, gets, updates, lists and deletes assistants, with assistant files', async () => {
    const file = await client.uploadFile(new TextEncoder().encode('Manual: press the red button.'), 'assistants', {
      filename: 'manual.txt',
    });
    const other = await client.uploadFile(new TextEncoder().encode('Appendix.'), 'assistants', { filename: 'appendix.txt' });

    const assistant = await client.createAssistant({
      model: 'gpt-4-1106-preview',
      name: 'Azure helper',
      instructions: 'Be brief.',
      tools: [{ type: 'retrieval' }, { type: 'code_interpreter' }],
      fileIds: [file.id],
      metadata: { suite: 'azure' },
    });
    expect(assistant).toMatchObject({
      name: 'Azure helper',
      model: 'gpt-4-1106-preview',
      instructions: 'Be brief.',
      tools: [{ type: 'retrieval' }, { type: 'code_interpreter' }],
      fileIds: [file.id],
      metadata: { suite: 'azure' },
    });
    expect(assistant.id).toMatch(/^asst_/);
    expect(assistant.createdAt).toBeInstanceOf(Date);

    expect(await client.getAssistant(assistant.id)).toMatchObject({ id: assistant.id, fileIds: [file.id] });
    const updated = await client.updateAssistant(assistant.id, { name: 'Renamed', metadata: { suite: 'azure', step: 'updated' } });
    expect(updated).toMatchObject({ name: 'Renamed', metadata: { suite: 'azure', step: 'updated' }, fileIds: [file.id] });

    const listed = await client.listAssistants({ limit: 5, order: 'desc' });
    expect(listed.data.map((a) => a.id)).toContain(assistant.id);
    expect(listed.firstId).toBe(listed.data[0].id);
    expect(typeof listed.hasMore).toBe('boolean');

    // Assistant files.
    const attached = await client.createAssistantFile(assistant.id, other.id);
    expect(attached).toMatchObject({ id: other.id, assistantId: assistant.id });
    expect(attached.createdAt).toBeInstanceOf(Date);
    const files = await client.listAssistantFiles(assistant.id, { order: 'asc' });
    expect(files.data.map((f) => f.id)).toEqual([file.id, other.id]);
    expect(files).toMatchObject({ firstId: file.id, lastId: other.id, hasMore: false });
    expect(await client.getAssistantFile(assistant.id, other.id)).toMatchObject({ id: other.id, assistantId: assistant.id });
    expect((await client.getAssistant(assistant.id)).fileIds).toEqual([file.id, other.id]);
    expect(await client.deleteAssistantFile(assistant.id, other.id)).toEqual({ id: other.id, deleted: true });
    await expect(client.getAssistantFile(assistant.id, other.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await client.getAssistant(assistant.id)).fileIds).toEqual([file.id]);

    expect(await client.deleteAssistant(assistant.id)).toEqual({ id: assistant.id, deleted: true });
  });

  it('surfaces a 404 as a RestError with the service message', async () => {
    const error = await client.getAssistant('asst_doesnotexist000000000000').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RestError', statusCode: 404 });
    expect((error as Error).message).toContain("No assistant found with id 'asst_doesnotexist000000000000'.");
    await expect(client.getThread('thread_doesnotexist00000000000')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('creates, gets, updates and deletes threads, and messages with message files', async () => {
    const file = await client.uploadFile(new TextEncoder().encode('Invoice 42: 100 EUR.'), 'assistants', { filename: 'invoice.txt' });
    const thread = await client.createThread({ messages: [{ role: 'user', content: 'Hello there' }], metadata: { who: 'azure' } });
    expect(thread.id).toMatch(/^thread_/);
    expect(thread.metadata).toEqual({ who: 'azure' });
    expect(await client.getThread(thread.id)).toMatchObject({ id: thread.id, metadata: { who: 'azure' } });
    expect(await client.updateThread(thread.id, { metadata: { who: 'azure', n: '2' } })).toMatchObject({
      metadata: { who: 'azure', n: '2' },
    });

    const message = await client.createMessage(thread.id, 'user', 'See the invoice', { fileIds: [file.id], metadata: { k: 'v' } });
    expect(message).toMatchObject({ threadId: thread.id, role: 'user', fileIds: [file.id], metadata: { k: 'v' } });
    expect(message.content[0]).toMatchObject({ type: 'text', text: { value: 'See the invoice', annotations: [] } });
    expect(message.id).toMatch(/^msg_/);
    const messageId = message.id as string; // optional in the client's ThreadMessage type

    const got = await client.getMessage(thread.id, messageId);
    expect(got).toMatchObject({ id: messageId, role: 'user' });
    const updated = await client.updateMessage(thread.id, messageId, { metadata: { k: 'w' } });
    expect(updated.metadata).toEqual({ k: 'w' });

    const messages = await client.listMessages(thread.id, { order: 'asc' });
    expect(messages.data.map((m) => m.id)).toHaveLength(2);
    expect(messages.data[1].id).toBe(messageId);

    const messageFiles = await client.listMessageFiles(thread.id, messageId);
    expect(messageFiles.data).toHaveLength(1);
    expect(messageFiles.data[0]).toMatchObject({ id: file.id, messageId: messageId });
    expect(await client.getMessageFile(thread.id, messageId, file.id)).toMatchObject({ id: file.id, messageId: messageId });

    expect(await client.deleteThread(thread.id)).toEqual({ id: thread.id, deleted: true });
  });

  it('runs a function call through requires_action and submitToolOutputsToRun, then lists and gets the steps', async () => {
    const assistant = await client.createAssistant({ model: 'gpt-4', name: 'Weather', tools: [WEATHER_TOOL] });
    const thread = await client.createThread({ messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    const run = await client.createRun(thread.id, { assistantId: assistant.id, metadata: { via: 'azure' } });
    expect(run).toMatchObject({ threadId: thread.id, assistantId: assistant.id, status: 'queued', fileIds: [] });
    expect(run.createdAt).toBeInstanceOf(Date);

    const waiting = await waitForRun(thread.id, run.id);
    expect(waiting.status).toBe('requires_action');
    const toolCalls = waiting.requiredAction?.submitToolOutputs?.toolCalls ?? [];
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(toolCalls[0].function.arguments)).toHaveProperty('city');
    expect(waiting.expiresAt).toBeInstanceOf(Date);

    const submitted = await client.submitToolOutputsToRun(thread.id, run.id, [{ toolCallId: toolCalls[0].id, output: '22 C and sunny' }]);
    expect(submitted.id).toBe(run.id);
    const done = await waitForRun(thread.id, run.id);
    expect(done.status).toBe('completed');
    expect(done.completedAt).toBeInstanceOf(Date);

    const runs = await client.listRuns(thread.id);
    expect(runs.data.map((r) => r.id)).toEqual([run.id]);
    expect(await client.updateRun(thread.id, run.id, { metadata: { via: 'azure', done: 'yes' } })).toMatchObject({
      metadata: { via: 'azure', done: 'yes' },
    });

    const steps = await client.listRunSteps(thread.id, run.id, { order: 'asc' });
    expect(steps.data.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    const toolStep = steps.data[0];
    expect(toolStep.stepDetails.type).toBe('tool_calls');
    const stepCalls = (toolStep.stepDetails as { toolCalls: { type: string; function: { name: string; output: string } }[] }).toolCalls;
    expect(stepCalls[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', output: '22 C and sunny' } });
    const step = await client.getRunStep(thread.id, run.id, steps.data[1].id);
    expect(step).toMatchObject({ id: steps.data[1].id, runId: run.id, status: 'completed' });
    expect(step.createdAt).toBeInstanceOf(Date);

    const reply = await client.listMessages(thread.id, { order: 'desc', limit: 1 });
    expect(reply.data[0]).toMatchObject({ role: 'assistant', runId: run.id, assistantId: assistant.id });
    expect(reply.data[0].content[0].type).toBe('text');
  });

  it('creates a thread and a run in one call, and cancels a run', async () => {
    const assistant = await client.createAssistant({ model: 'gpt-4', tools: [{ type: 'code_interpreter' }] });
    const run = await client.createThreadAndRun({
      assistantId: assistant.id,
      thread: { messages: [{ role: 'user', content: 'Say hello' }], metadata: { how: 'thread-and-run' } },
      metadata: { one: 'call' },
    });
    expect(run).toMatchObject({ assistantId: assistant.id, status: 'queued', metadata: { one: 'call' } });
    const thread = await client.getThread(run.threadId);
    expect(thread.metadata).toEqual({ how: 'thread-and-run' });
    const done = await waitForRun(run.threadId, run.id);
    expect(done.status).toBe('completed');

    const weather = await client.createAssistant({ model: 'gpt-4', tools: [WEATHER_TOOL] });
    const pending = await client.createThreadAndRun({
      assistantId: weather.id,
      thread: { messages: [{ role: 'user', content: 'weather in Rome?' }] },
    });
    expect((await waitForRun(pending.threadId, pending.id)).status).toBe('requires_action');
    const cancelled = await client.cancelRun(pending.threadId, pending.id);
    expect(['cancelling', 'cancelled']).toContain(cancelled.status);
  });
});

describe('the Azure client in its OpenAI mode (OpenAIKeyCredential: /v1 with OpenAI-Beta: assistants=v1)', () => {
  let server: TestServer;
  let client: AssistantsClient;

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: ['openai-key'] });
    // The client's OpenAI mode targets https://api.openai.com/v1 unless `baseUrl` says otherwise.
    client = new AssistantsClient(new OpenAIKeyCredential('openai-key'), { baseUrl: server.baseURL, allowInsecureConnection: true });
  });
  afterAll(async () => server.stop());

  it('runs the same v1 flow through /v1 with a Bearer key', async () => {
    const file = await client.uploadFile(new TextEncoder().encode('Notes.'), 'assistants', { filename: 'notes.txt' });
    const assistant = await client.createAssistant({ model: 'gpt-4', tools: [{ type: 'retrieval' }, WEATHER_TOOL], fileIds: [file.id] });
    expect(assistant.fileIds).toEqual([file.id]);
    expect((await client.listAssistantFiles(assistant.id)).data.map((f) => f.id)).toEqual([file.id]);

    const thread = await client.createThread({ messages: [] });
    const message = await client.createMessage(thread.id, 'user', 'weather in Oslo?', { fileIds: [file.id] });
    expect((await client.listMessageFiles(thread.id, message.id as string)).data.map((f) => f.id)).toEqual([file.id]);

    const run = await client.createRun(thread.id, { assistantId: assistant.id });
    let current = run;
    for (let i = 0; i < 200 && !TERMINAL.has(current.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = await client.getRun(thread.id, run.id);
    }
    expect(current.status).toBe('requires_action');
    expect(current.fileIds).toEqual([file.id]);
    const callId = current.requiredAction?.submitToolOutputs?.toolCalls[0].id ?? '';
    await client.submitToolOutputsToRun(thread.id, run.id, [{ toolCallId: callId, output: 'cold' }]);
    for (let i = 0; i < 200 && current.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = await client.getRun(thread.id, run.id);
    }
    expect(current.status).toBe('completed');
    expect((await client.listRunSteps(thread.id, run.id)).data).toHaveLength(2);
  });
});
