/**
 * A model reply with text and tool calls, the server stopped after the text was said and while the
 * calls were streaming: after the restart the model is asked again with its text as the assistant's
 * content so far, and what it says before its calls this time is not shown again (the text is said
 * once). If it now answers with text alone, that text is the answer. Real parts: aimock as the model,
 * a server restarted on the same SQLite file, the official SDK.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestBody, startAimock, type Aimock } from './helpers/aimock.js';
import { startTestServer, tempDir } from './helpers/server.js';

let aimock: Aimock;
beforeAll(async () => {
  aimock = await startAimock();
});
afterAll(() => aimock?.stop());

const QUESTION = 'weather in Oslo';
const PREFACE = 'Let me check the weather.';
const TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const isToolResult = (req: { messages: { role: string }[] }) => req.messages.at(-1)?.role === 'tool';

/** Starts a run whose reply streams slowly, and stops the server once its tool_calls step has opened. */
async function stopDuringTheCalls(dbPath: string): Promise<{ threadId: string; runId: string }> {
  // Long arguments, sent slowly: the server stops while they stream.
  const args = JSON.stringify({ city: 'Oslo', note: 'x'.repeat(200) });
  aimock.mock.prependFixture({
    match: { userMessage: QUESTION },
    response: { content: PREFACE, toolCalls: [{ name: 'get_weather', arguments: args }] },
    latency: 50,
    chunkSize: 5,
  });
  const first = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: first.baseURL, maxRetries: 0 });
  const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [TOOL] });
  const threadId = (await client.beta.threads.create({ messages: [{ role: 'user', content: QUESTION }] })).id;
  const stream = client.beta.threads.runs.stream(threadId, { assistant_id: assistant.id });
  const seen: string[] = [];
  const runId = await new Promise<string>((resolve) => {
    let id = '';
    stream.on('event', (event) => {
      seen.push(event.event);
      if (event.event === 'thread.run.created') id = event.data.id;
      if (event.event === 'thread.run.step.delta') resolve(id);
    });
  });
  stream.done().catch(() => undefined);
  await first.close();
  rmSync(first.dir, { recursive: true, force: true });
  // The text was said and its message completed before the stop.
  expect(seen).toContain('thread.message.completed');
  expect(seen).not.toContain('thread.run.requires_action');
  return { threadId, runId };
}

it('the model asked again after a restart: its text is sent back as its own, the text it says again is not shown, the calls are made', async () => {
  const dir = tempDir();
  const dbPath = join(dir, 'restart.db');
  const { threadId, runId } = await stopDuringTheCalls(dbPath);

  aimock.mock.reset();
  // The model says its preface again, then calls the tool.
  aimock.mock.onMessage(QUESTION, { content: PREFACE, toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
  aimock.mock.prependFixture({ match: { predicate: isToolResult }, response: { content: 'It is sunny in Oslo.' } });
  const second = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
  try {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: second.baseURL, maxRetries: 0 });
    await expect
      .poll(async () => (await client.beta.threads.runs.retrieve(threadId, runId)).status, { timeout: 5_000 })
      .toBe('requires_action');
    const run = await client.beta.threads.runs.retrieve(threadId, runId);
    const calls = run.required_action!.submit_tool_outputs.tool_calls;
    expect(calls.map((c) => c.function)).toEqual([{ name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
    // The model was asked once more, its text so far the last message of the request.
    const requests = aimock.chatRequests();
    expect(requests).toHaveLength(1);
    const messages = requestBody(requests[0]).messages as { role: string; content: unknown }[];
    expect(messages.slice(-2)).toEqual([
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: PREFACE },
    ]);
    const texts = async () =>
      (await client.beta.threads.messages.list(threadId, { order: 'asc' })).data
        .filter((m) => m.role === 'assistant')
        .map((m) => [m.status, (m.content[0] as { text: { value: string } }).text.value]);
    expect(await texts()).toEqual([['completed', PREFACE]]);
    const steps = await client.beta.threads.runs.steps.list(threadId, runId, { order: 'asc' });
    expect(steps.data.map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'in_progress'],
    ]);

    const done = await client.beta.threads.runs.submitToolOutputsAndPoll(threadId, runId, {
      tool_outputs: [{ tool_call_id: calls[0].id, output: 'sunny' }],
    });
    expect(done.status).toBe('completed');
    expect(await texts()).toEqual([
      ['completed', PREFACE],
      ['completed', 'It is sunny in Oslo.'],
    ]);
  } finally {
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the model asked again after a restart answers with text alone: that text is the answer, said once', async () => {
  aimock.mock.reset();
  const dir = tempDir();
  const dbPath = join(dir, 'restart.db');
  const { threadId, runId } = await stopDuringTheCalls(dbPath);

  aimock.mock.reset();
  aimock.mock.onMessage(QUESTION, { content: 'On second thought: it is sunny in Oslo.' });
  const second = await startTestServer({ dbPath, modelBackendUrl: aimock.baseURL });
  try {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: second.baseURL, maxRetries: 0 });
    await expect.poll(async () => (await client.beta.threads.runs.retrieve(threadId, runId)).status, { timeout: 5_000 }).toBe('completed');
    const messages = (await client.beta.threads.messages.list(threadId, { order: 'asc' })).data.filter((m) => m.role === 'assistant');
    expect(messages.map((m) => [m.status, (m.content[0] as { text: { value: string } }).text.value])).toEqual([
      ['completed', PREFACE],
      ['completed', 'On second thought: it is sunny in Oslo.'],
    ]);
    const steps = await client.beta.threads.runs.steps.list(threadId, runId, { order: 'asc' });
    expect(steps.data.map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['message_creation', 'completed'],
    ]);
  } finally {
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
