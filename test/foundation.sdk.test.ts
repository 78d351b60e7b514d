/**
 * Issue 2 through the official SDKs (4.x and 7.x): assistants, threads and messages, pagination with
 * auto-pagination in both directions, errors as the SDK surfaces them, tenants, and a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDKS, type SdkAdapter } from './helpers/sdk.js';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startServer } from '../src/server.js';

describe.each(SDKS)('foundation through $name', ({ make }) => {
  let server: TestServer;
  let sdk: SdkAdapter;

  beforeAll(async () => {
    server = await startTestServer();
    sdk = make(server.baseURL);
  });
  afterAll(async () => server.stop());

  it('creates, retrieves, updates, lists and deletes assistants with every v2 field', async () => {
    const created = await sdk.createAssistant({
      model: 'gpt-4o',
      name: 'Helper',
      description: 'Helps',
      instructions: 'Be brief.',
      tools: [WEATHER_TOOL, { type: 'file_search' }, { type: 'code_interpreter' }],
      tool_resources: { code_interpreter: { file_ids: [] } },
      metadata: { suite: 'foundation' },
      temperature: 0.5,
      top_p: 0.9,
      response_format: { type: 'json_object' },
    });
    expect(created.id).toMatch(/^asst_[A-Za-z0-9]{24}$/);
    expect(created).toMatchObject({
      object: 'assistant',
      name: 'Helper',
      description: 'Helps',
      model: 'gpt-4o',
      instructions: 'Be brief.',
      metadata: { suite: 'foundation' },
      temperature: 0.5,
      top_p: 0.9,
      response_format: { type: 'json_object' },
      tool_resources: { code_interpreter: { file_ids: [] } },
    });
    expect(Number.isInteger(created.created_at)).toBe(true);
    expect(Math.abs((created.created_at as number) - Date.now() / 1000)).toBeLessThan(5);
    const tools = created.tools as { type: string; function?: { name: string; strict: boolean } }[];
    expect(tools.map((t) => t.type)).toEqual(['function', 'file_search', 'code_interpreter']);
    expect(tools[0].function).toMatchObject({ name: 'get_weather', strict: false });

    expect(await sdk.retrieveAssistant(created.id)).toEqual(created);

    const updated = await sdk.updateAssistant(created.id, { name: 'Renamed', metadata: { v: '2' } });
    expect(updated).toMatchObject({ id: created.id, name: 'Renamed', metadata: { v: '2' }, instructions: 'Be brief.' });

    const all = await sdk.listAssistantsAll();
    expect(all.map((a) => a.id)).toContain(created.id);

    expect(await sdk.deleteAssistant(created.id)).toEqual({ id: created.id, object: 'assistant.deleted', deleted: true });
    await expect(sdk.retrieveAssistant(created.id)).rejects.toMatchObject({
      status: 404,
      error: { message: `No assistant found with id '${created.id}'.`, type: 'invalid_request_error' },
    });
  });

  it('creates a thread with messages, tool_resources and metadata; updates and deletes it with its messages', async () => {
    const thread = await sdk.createThread({
      messages: [
        { role: 'user', content: 'First' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Second' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
          metadata: { n: '2' },
        },
      ],
      tool_resources: { code_interpreter: { file_ids: [] } },
      metadata: { topic: 'test' },
    });
    expect(thread.id).toMatch(/^thread_[A-Za-z0-9]{24}$/);
    expect(thread).toMatchObject({ object: 'thread', metadata: { topic: 'test' }, tool_resources: { code_interpreter: { file_ids: [] } } });

    const messages = await sdk.listMessagesAll(thread.id, { order: 'asc' });
    expect(messages.map((m) => (m.content as { type: string }[]).map((c) => c.type))).toEqual([['text'], ['text', 'image_url']]);
    expect(messages[0]).toMatchObject({
      object: 'thread.message',
      thread_id: thread.id,
      role: 'user',
      status: 'completed',
      assistant_id: null,
      run_id: null,
      attachments: [],
      content: [{ type: 'text', text: { value: 'First', annotations: [] } }],
    });
    expect(messages[1].content).toEqual([
      { type: 'text', text: { value: 'Second', annotations: [] } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'auto' } },
    ]);

    const updated = await sdk.updateThread(thread.id, { metadata: { topic: 'changed' } });
    expect(updated.metadata).toEqual({ topic: 'changed' });
    expect((await sdk.retrieveThread(thread.id)).metadata).toEqual({ topic: 'changed' });

    expect(await sdk.deleteThread(thread.id)).toEqual({ id: thread.id, object: 'thread.deleted', deleted: true });
    await expect(sdk.retrieveThread(thread.id)).rejects.toMatchObject({
      status: 404,
      error: { message: `No thread found with id '${thread.id}'.` },
    });
    const orphan = server.app.ctx.db.$client.prepare('select count(*) as n from messages where thread_id = ?').get(thread.id) as {
      n: number;
    };
    expect(orphan.n).toBe(0);
  });

  it('creates, retrieves, updates (metadata), filters by run_id and deletes messages', async () => {
    const thread = await sdk.createThread();
    const message = await sdk.createMessage(thread.id, {
      role: 'user',
      content: [
        { type: 'image_file', image_file: { file_id: 'file-abc', detail: 'low' } },
        { type: 'text', text: 'Look' },
      ],
      attachments: [{ file_id: 'file-abc', tools: [{ type: 'code_interpreter' }] }],
      metadata: { a: '1' },
    });
    expect(message.id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    expect(message.attachments).toEqual([{ file_id: 'file-abc', tools: [{ type: 'code_interpreter' }] }]);
    expect(await sdk.retrieveMessage(thread.id, message.id)).toEqual(message);
    const updated = await sdk.updateMessage(thread.id, message.id, { metadata: { a: '2' } });
    expect(updated.metadata).toEqual({ a: '2' });
    expect((await sdk.listMessages(thread.id, { run_id: 'run_doesnotexist000000000000' })).data).toEqual([]);
    expect(await sdk.deleteMessage(thread.id, message.id)).toEqual({ id: message.id, object: 'thread.message.deleted', deleted: true });
    expect(await sdk.listMessagesAll(thread.id)).toEqual([]);
  });

  it('pages like the API: limit, order, after, before, and auto-pagination visits every object exactly once', async () => {
    const thread = await sdk.createThread();
    const ids: string[] = [];
    // Many messages are created in the same second: the order must still be stable.
    for (let i = 0; i < 45; i++) ids.push((await sdk.createMessage(thread.id, { role: 'user', content: `m${i}` })).id);

    const firstPage = await sdk.listMessages(thread.id, { limit: 10, order: 'asc' });
    expect(firstPage.data.map((m) => m.id)).toEqual(ids.slice(0, 10));
    expect(firstPage.has_more).toBe(true);

    const ascAll = await sdk.listMessagesAll(thread.id, { limit: 7, order: 'asc' });
    expect(ascAll.map((m) => m.id)).toEqual(ids);
    const descAll = await sdk.listMessagesAll(thread.id, { limit: 8 });
    expect(descAll.map((m) => m.id)).toEqual([...ids].reverse());

    const after = await sdk.listMessages(thread.id, { order: 'asc', after: ids[9], limit: 5 });
    expect(after.data.map((m) => m.id)).toEqual(ids.slice(10, 15));
    const before = await sdk.listMessages(thread.id, { order: 'asc', before: ids[20], limit: 5 });
    expect(before.data.map((m) => m.id)).toEqual(ids.slice(15, 20));
    expect(before.has_more).toBe(true);
    const beforeDesc = await sdk.listMessages(thread.id, { order: 'desc', before: ids[20], limit: 3 });
    expect(beforeDesc.data.map((m) => m.id)).toEqual([ids[23], ids[22], ids[21]]);
    const last = await sdk.listMessages(thread.id, { order: 'asc', after: ids[44] });
    expect(last).toMatchObject({ data: [], has_more: false });
  });

  it('keeps tenants apart: another API key sees 404 and an empty list', async () => {
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', name: 'mine' });
    const thread = await sdk.createThread();
    const other = make(server.baseURL, 'another-key');
    await expect(other.retrieveAssistant(assistant.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.retrieveThread(thread.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.createMessage(thread.id, { role: 'user', content: 'hi' })).rejects.toMatchObject({ status: 404 });
    expect((await other.listAssistantsAll()).map((a) => a.id)).not.toContain(assistant.id);
  });

  it('surfaces validation errors as the SDK error classes with the OpenAI error body', async () => {
    await expect(sdk.createAssistant({ name: 'no model' })).rejects.toMatchObject({
      status: 400,
      error: {
        message: "Missing required parameter: 'model'.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'missing_required_parameter',
      },
    });
    await expect(sdk.createAssistant({ model: 'gpt-4o', bogus: 1 })).rejects.toMatchObject({
      status: 400,
      error: { param: 'bogus', code: 'unknown_parameter' },
    });
    await expect(sdk.createAssistant({ model: 'gpt-4o', tools: [{ type: 'retrieval' }] })).rejects.toMatchObject({
      status: 400,
      error: { param: 'tools[0].type', code: 'invalid_value' },
    });
  });
});

describe('restart', () => {
  it('reads back after a restart on the same SQLite file what was written before it', async () => {
    const first = await startTestServer();
    const sdk = SDKS[0].make(first.baseURL);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', name: 'durable', metadata: { k: 'v' } });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'remember me' }] });
    await first.close();

    const second = await startServer({ port: 0, dbPath: first.dbPath, logger: false });
    try {
      const again = SDKS[1].make(`${second.url}/v1`);
      expect(await again.retrieveAssistant(assistant.id)).toMatchObject({ name: 'durable', metadata: { k: 'v' } });
      const messages = await again.listMessagesAll(thread.id);
      expect(messages.map((m) => (m.content as { text: { value: string } }[])[0].text.value)).toEqual(['remember me']);
    } finally {
      await second.close();
      await first.stop().catch(() => undefined);
    }
  });
});
