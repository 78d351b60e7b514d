/**
 * Issue 6, the engine half: a run whose assistant has file_search over a vector store searches it
 * for real (FTS5, bm25), records a file_search tool call, and answers citing the right file with
 * correct start/end indexes and the real marker format, both polled and streamed. Also message
 * attachments building the thread's vector store, include[] for the chunk content, and
 * code_interpreter calls.
 */
import OpenAI, { toFile } from 'openai';
import OpenAIv7 from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

const BANANAS =
  'Bananas are berries that grow in tropical climates. A ripe banana is yellow and sweet. Bananas are rich in potassium and vitamin B6.';
const ENGINES =
  'The turbofan engine compresses air with a fan and a compressor. Jet engines burn kerosene. Thrust comes from the exhaust leaving the nozzle.';

type TextBlock = {
  type: 'text';
  text: {
    value: string;
    annotations: { type: string; text: string; start_index: number; end_index: number; file_citation: { file_id: string } }[];
  };
};

let server: TestServer;
let client: OpenAI;
let bananaFile: string;
let engineFile: string;
let assistantId: string;

beforeAll(async () => {
  server = await startTestServer();
  client = new OpenAI({ apiKey: 'fs-key', baseURL: server.baseURL, maxRetries: 0 });
  bananaFile = (await client.files.create({ file: await toFile(Buffer.from(BANANAS), 'bananas.txt'), purpose: 'assistants' })).id;
  engineFile = (await client.files.create({ file: await toFile(Buffer.from(ENGINES), 'engines.txt'), purpose: 'assistants' })).id;
  const store = await client.vectorStores.create({ name: 'kb', file_ids: [bananaFile, engineFile] });
  for (let i = 0; i < 100; i++) {
    const s = await client.vectorStores.retrieve(store.id);
    if (s.file_counts.completed === 2) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const assistant = await client.beta.assistants.create({
    model: 'gpt-4o',
    tools: [{ type: 'file_search' }],
    tool_resources: { file_search: { vector_store_ids: [store.id] } },
  });
  assistantId = assistant.id;
});
afterAll(async () => server.stop());

function checkCitations(block: TextBlock, fileId: string, fileName: string) {
  const { value, annotations } = block.text;
  expect(annotations.length).toBeGreaterThan(0);
  const first = annotations[0];
  expect(first.type).toBe('file_citation');
  expect(first.file_citation.file_id).toBe(fileId);
  expect(first.text).toMatch(new RegExp(`^【\\d+:\\d+†${fileName.replace('.', '\\.')}】$`));
  for (const a of annotations) expect(value.slice(a.start_index, a.end_index)).toBe(a.text);
}

describe('file_search runs', () => {
  it('polled: searches the store, records the call, and cites the file that answers', async () => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Which fruit is rich in potassium?' }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistantId });
    expect(run.status).toBe('completed');

    const steps = await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' });
    expect(steps.data.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    const call = (
      steps.data[0].step_details as {
        tool_calls: { type: string; file_search: { results: { file_id: string; content?: unknown }[]; ranking_options: unknown } }[];
      }
    ).tool_calls[0];
    expect(call.type).toBe('file_search');
    expect(call.file_search.ranking_options).toEqual({ ranker: 'default_2024_08_21', score_threshold: 0 });
    expect(call.file_search.results[0].file_id).toBe(bananaFile);
    expect(call.file_search.results[0].content).toBeUndefined();

    const withContent = await client.beta.threads.runs.steps.retrieve(thread.id, run.id, steps.data[0].id, {
      include: ['step_details.tool_calls[*].file_search.results[*].content'],
    });
    const detailed = (
      withContent.step_details as unknown as { tool_calls: { file_search: { results: { content: { type: string; text: string }[] }[] } }[] }
    ).tool_calls[0];
    expect(detailed.file_search.results[0].content[0]).toEqual({ type: 'text', text: expect.stringContaining('potassium') });

    const messages = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    checkCitations(messages.data[0].content[0] as unknown as TextBlock, bananaFile, 'bananas.txt');
    expect((messages.data[0].content[0] as unknown as TextBlock).text.value).toContain('potassium');
  });

  it('streamed (7.x): the annotations arrive in the deltas and add up to the stored message', async () => {
    const v7 = new OpenAIv7({ apiKey: 'fs-key', baseURL: server.baseURL, maxRetries: 0 });
    const thread = await v7.beta.threads.create({ messages: [{ role: 'user', content: 'How do jet engines make thrust?' }] });
    const stream = v7.beta.threads.runs.stream(thread.id, { assistant_id: assistantId });
    let text = '';
    const streamed: unknown[] = [];
    stream.on('textDelta', (delta) => {
      text += delta.value ?? '';
      streamed.push(...(delta.annotations ?? []));
    });
    const final = await stream.finalRun();
    expect(final.status).toBe('completed');
    const [message] = await stream.finalMessages();
    const block = message.content[0] as unknown as TextBlock;
    checkCitations(block, engineFile, 'engines.txt');
    expect(block.text.value).toBe(text);
    expect(streamed.length).toBe(block.text.annotations.length);
    const stored = await v7.beta.threads.messages.retrieve(message.id, { thread_id: thread.id });
    expect((stored.content[0] as unknown as TextBlock).text).toEqual({
      value: text,
      annotations: block.text.annotations.map(({ ...a }) => a),
    });
  });

  it('with a json_object response_format: searches first, then answers with the JSON object (no citations)', async () => {
    const question = 'Which fruit is rich in potassium? Answer in JSON.';
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: question }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, {
      assistant_id: assistantId,
      response_format: { type: 'json_object' },
    });
    expect(run.status).toBe('completed');
    const steps = await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' });
    expect(steps.data.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    const [message] = (await client.beta.threads.messages.list(thread.id, { run_id: run.id })).data;
    const block = message.content[0] as unknown as TextBlock;
    expect(JSON.parse(block.text.value)).toEqual({ message: question });
    expect(block.text.annotations).toEqual([]);
  });

  it('message attachments with file_search build the thread vector store, searched by the run', async () => {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'file_search' }] });
    const thread = await client.beta.threads.create({
      messages: [
        {
          role: 'user',
          content: 'Tell me about bananas and potassium',
          attachments: [{ file_id: bananaFile, tools: [{ type: 'file_search' }] }],
        },
      ],
    });
    const storeIds = thread.tool_resources?.file_search?.vector_store_ids ?? [];
    expect(storeIds).toHaveLength(1);
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('completed');
    const messages = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    checkCitations(messages.data[0].content[0] as unknown as TextBlock, bananaFile, 'bananas.txt');
  });

  it('a deleted file is no longer found', async () => {
    const f = await client.files.create({
      file: await toFile(Buffer.from('Zebras have black and white stripes.'), 'zebra.txt'),
      purpose: 'assistants',
    });
    const store = await client.vectorStores.create({ file_ids: [f.id] });
    const assistant = await client.beta.assistants.create({
      model: 'gpt-4o',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_store_ids: [store.id] } },
    });
    await client.files.del(f.id);
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'What stripes do zebras have?' }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
    const messages = await client.beta.threads.messages.list(thread.id, { run_id: run.id });
    const block = messages.data[0].content[0] as unknown as TextBlock;
    expect(block.text.annotations).toEqual([]);
    expect(block.text.value).toMatch(/could not find/);
  });
});

describe('code_interpreter', () => {
  it('a forced code_interpreter turn records the scripted input and logs, then answers', async () => {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'code_interpreter' }] });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Run some code' }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      tool_choice: { type: 'code_interpreter' },
    });
    expect(run.status).toBe('completed');
    const steps = await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' });
    const call = (
      steps.data[0].step_details as {
        tool_calls: { type: string; code_interpreter: { input: string; outputs: { type: string; logs: string }[] } }[];
      }
    ).tool_calls[0];
    expect(call).toMatchObject({
      type: 'code_interpreter',
      code_interpreter: { input: 'print("Hello from assistants-mock")', outputs: [{ type: 'logs', logs: 'Hello from assistants-mock\n' }] },
    });
    expect(steps.data[1].type).toBe('message_creation');
  });
});
