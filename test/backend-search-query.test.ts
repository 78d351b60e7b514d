/**
 * The query of a file_search call goes back to the model with the results in the next turn, although
 * the step shows `file_search` without it (as the real API does): after a restart between the search
 * and the next turn (re-planned from the database), and for a search a scenario scripted. Not the
 * user's message in its place. Real parts: aimock as the model, a server restarted on the same SQLite
 * file, the openai 4.x SDK.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestBody, startAimock, type Aimock } from './helpers/aimock.js';
import { startTestServer, tempDir } from './helpers/server.js';

let aimock: Aimock;
beforeAll(async () => {
  aimock = await startAimock();
});
afterAll(() => aimock?.stop());

const HANDBOOK = 'Refund policy. Customers may return any item within 30 days of delivery for a full refund.';
const QUESTION = 'How long may I send things back?';
const MODEL_QUERY = 'refund window';
const isToolResult = (req: { messages: { role: string }[] }) => req.messages.at(-1)?.role === 'tool';

/** An assistant with file_search over a vector store holding the handbook, once it is indexed. */
async function handbookAssistant(client: OpenAI): Promise<{ id: string }> {
  const file = await client.files.create({ file: await toFile(Buffer.from(HANDBOOK), 'handbook.md'), purpose: 'assistants' });
  const store = await client.vectorStores.create({ name: 'kb', file_ids: [file.id] });
  await expect.poll(async () => (await client.vectorStores.retrieve(store.id)).file_counts.completed).toBe(1);
  return client.beta.assistants.create({
    model: 'gpt-4o',
    tools: [{ type: 'file_search' }],
    tool_resources: { file_search: { vector_store_ids: [store.id] } },
  });
}

it("a restart after the model's file_search: the re-planned turn sends the model's own query, with the results found for it", async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'restart.db');
  aimock.mock.onMessage(QUESTION, { toolCalls: [{ name: 'file_search', arguments: JSON.stringify({ query: MODEL_QUERY }) }] });
  // The answer after the search streams slowly: the server stops in the middle of it.
  aimock.mock.prependFixture({ match: { predicate: isToolResult }, response: { content: 'word '.repeat(40) }, latency: 100, chunkSize: 5 });

  const first = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: first.baseURL, maxRetries: 0 });
  const assistant = await handbookAssistant(client);
  const threadId = (await client.beta.threads.create({ messages: [{ role: 'user', content: QUESTION }] })).id;
  const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistant.id });
  const runId = await new Promise<string>((resolve) => {
    let id = '';
    stream.on('event', (event) => {
      if (event.event === 'thread.run.created') id = event.data.id;
      if (event.event === 'thread.message.delta') resolve(id);
    });
  });
  stream.done().catch(() => undefined);
  await first.close();
  rmSync(first.dir, { recursive: true, force: true });
  await expect.poll(() => aimock.responseEndings(), { timeout: 1_000 }).toEqual(['completed', 'cut']);

  aimock.mock.reset();
  aimock.mock.addFixture({ match: { predicate: isToolResult }, response: { content: 'Within 30 days.' } });
  const second = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
  try {
    const again = new OpenAI({ apiKey: 'sk-test', baseURL: second.baseURL, maxRetries: 0 });
    await expect.poll(async () => (await again.beta.threads.runs.retrieve(threadId, runId)).status, { timeout: 5_000 }).toBe('completed');
    // Only the turn after the search was asked again, with the model's query and its results.
    const requests = aimock.chatRequests();
    expect(requests).toHaveLength(1);
    const messages = requestBody(requests[0]).messages as { role: string; content: string | null; tool_calls?: unknown }[];
    const [call, result] = messages.slice(-2);
    expect(call.tool_calls).toEqual([
      { id: expect.any(String), type: 'function', function: { name: 'file_search', arguments: JSON.stringify({ query: MODEL_QUERY }) } },
    ]);
    expect(result).toMatchObject({ role: 'tool', content: expect.stringMatching(/^Results for "refund window"\./) });
    expect(result.content).toContain('†handbook.md】\nRefund policy.');

    // The step shows the search as the real API does: results, no query.
    const steps = await again.beta.threads.runs.steps.list(threadId, runId, { order: 'asc' });
    const search = steps.data[0].step_details as unknown as { tool_calls: { type: string; file_search: Record<string, unknown> }[] };
    expect(search.tool_calls[0].type).toBe('file_search');
    expect(Object.keys(search.tool_calls[0].file_search).sort()).toEqual(['ranking_options', 'results']);
    const [, answer] = (await again.beta.threads.messages.list(threadId, { order: 'asc' })).data;
    expect(answer.content[0]).toMatchObject({ type: 'text', text: { value: 'Within 30 days.' } });
  } finally {
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a search scripted by a scenario, then the model: the model is sent the scripted query', async () => {
  aimock.mock.reset();
  aimock.mock.addFixture({ match: { predicate: isToolResult }, response: { content: 'Within 30 days.' } });
  const server = await startTestServer({ modelBackendUrl: aimock.baseURL });
  try {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    const assistant = await handbookAssistant(client);
    // The scenario plays turn 0 only; the model answers turn 1.
    await server.admin.withApiKey('sk-test').scenarios.add({
      name: 'scripted search',
      match: { message: QUESTION },
      turns: [{ tool_calls: [{ file_search: { query: MODEL_QUERY } }] }],
    });
    const threadId = (await client.beta.threads.create({ messages: [{ role: 'user', content: QUESTION }] })).id;
    const run = await client.beta.threads.runs.createAndPoll(threadId, { assistant_id: assistant.id });
    expect(run.status).toBe('completed');
    const requests = aimock.chatRequests();
    expect(requests).toHaveLength(1);
    const [call, result] = (requestBody(requests[0]).messages as { role: string; content: string | null; tool_calls?: unknown }[]).slice(
      -2,
    );
    expect(call.tool_calls).toEqual([
      { id: expect.any(String), type: 'function', function: { name: 'file_search', arguments: JSON.stringify({ query: MODEL_QUERY }) } },
    ]);
    expect(result.content).toMatch(/^Results for "refund window"\./);
  } finally {
    await server.stop();
  }
});
