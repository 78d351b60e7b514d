/**
 * Scenarios end to end through the official SDKs: a tool-calling script with templated text, a
 * failure, an incomplete run, a paced stream, code_interpreter steps, selection by mock_scenario,
 * and a file rule edited while the server runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { SDKS } from './helpers/sdk.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
  },
};

let server: TestServer;
let scenariosDir: string;

beforeAll(async () => {
  // The shipped examples, copied so that a test can edit them while the server watches.
  scenariosDir = tempDir('am-scn-sdk-');
  cpSync('examples', scenariosDir, { recursive: true });
  server = await startTestServer({ scenarios: scenariosDir });
});
afterAll(async () => server.stop());

describe.each(SDKS)('the weather script through $name', ({ make }) => {
  it('calls get_weather, takes the output, and answers with a text that quotes it and the question', async () => {
    const sdk = make(server.baseURL, `sk-weather-${make.name}`);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', name: 'Weather bot', tools: [WEATHER_TOOL] });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: "What's the Weather like today?" }] });

    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('requires_action');
    const calls = (
      run.required_action as { submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } }
    ).submit_tool_outputs.tool_calls;
    expect(calls).toHaveLength(1);
    expect(calls[0].function.name).toBe('get_weather');
    expect(JSON.parse(calls[0].function.arguments)).toEqual({ city: 'Paris', unit: 'c' });

    const done = await sdk.submitToolOutputsAndPoll(thread.id, run.id, {
      tool_outputs: [{ tool_call_id: calls[0].id, output: '18°C & sunny' }],
    });
    expect(done.status).toBe('completed');
    const [reply] = (await sdk.listMessages(thread.id)).data;
    expect(reply.role).toBe('assistant');
    expect((reply.content as { text: { value: string } }[])[0].text.value).toBe(
      'It is 18°C & sunny in Paris. You asked: "What\'s the Weather like today?"',
    );
    // The scripted usage of the first turn is counted in the run's usage.
    expect((done.usage as { prompt_tokens: number }).prompt_tokens).toBeGreaterThanOrEqual(42);
  });
});

describe('scripted endings and tools through openai 4.x', () => {
  let client: OpenAI;
  let assistant: OpenAI.Beta.Assistant;
  beforeAll(async () => {
    client = new OpenAI({ apiKey: 'sk-scripted', baseURL: server.baseURL, maxRetries: 0 });
    assistant = await client.beta.assistants.create({ model: 'gpt-4o', name: 'Plain' });
  });

  async function runWith(content: string, metadata?: Record<string, string>) {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id, ...(metadata ? { metadata } : {}) });
    return { thread, run };
  }

  it('fails a run with the scripted last_error (matched by the message)', async () => {
    const { run } = await runWith('please fail please');
    expect(run.status).toBe('failed');
    expect(run.last_error).toEqual({ code: 'server_error', message: 'Something went wrong.' });
  });

  it('ends a run as incomplete with a partial message (picked by mock_scenario)', async () => {
    const { thread, run } = await runWith('quantum physics', { mock_scenario: 'cut-short' });
    expect(run.status).toBe('incomplete');
    expect(run.incomplete_details).toEqual({ reason: 'max_completion_tokens' });
    const [reply] = (await client.beta.threads.messages.list(thread.id)).data;
    expect(reply.status).toBe('incomplete');
    expect(reply.content[0]).toMatchObject({ text: { value: 'Here is everything I know about quantum physics: first, the' } });
  });

  it('picks a scenario by assistant metadata, and run metadata wins over it', async () => {
    const picky = await client.beta.assistants.create({ model: 'gpt-4o', metadata: { mock_scenario: 'rate-limited' } });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'hello' }] });
    let run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: picky.id });
    expect(run.last_error?.code).toBe('rate_limit_exceeded');
    run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: picky.id, metadata: { mock_scenario: 'outage' } });
    expect(run.last_error).toEqual({ code: 'server_error', message: 'Something went wrong.' });
  });

  it('shows a code_interpreter call with its input and logs in the run steps', async () => {
    const { thread, run } = await runWith('what is the mean of 3, 5, 7 and 9?');
    expect(run.status).toBe('completed');
    const steps = (await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' })).data;
    const tool = steps.find((s) => s.type === 'tool_calls');
    expect(tool?.step_details).toMatchObject({
      type: 'tool_calls',
      tool_calls: [
        {
          type: 'code_interpreter',
          code_interpreter: { input: expect.stringContaining('print(sum(numbers)'), outputs: [{ type: 'logs', logs: '6.0' }] },
        },
      ],
    });
    const [reply] = (await client.beta.threads.messages.list(thread.id)).data;
    expect(reply.content[0]).toMatchObject({ text: { value: 'The mean is 6.0.' } });
  });

  it("searches the assistant's files for real, then quotes the best hit and cites its file", async () => {
    const file = await client.files.create({
      file: await toFile(Buffer.from('Refunds are accepted within 30 days of purchase.'), 'handbook.txt'),
      purpose: 'assistants',
    });
    let store = await client.vectorStores.create({ name: 'handbook', file_ids: [file.id] });
    for (let i = 0; i < 100 && store.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      store = await client.vectorStores.retrieve(store.id);
    }
    const handbook = await client.beta.assistants.create({
      model: 'gpt-4o',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_store_ids: [store.id] } },
      metadata: { kind: 'handbook' },
    });
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'refund window' }] });
    const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: handbook.id });
    expect(run.status).toBe('completed');
    const [reply] = (await client.beta.threads.messages.list(thread.id)).data;
    const text = 'From the handbook: Refunds are accepted within 30 days of purchase. 【4:0†source】';
    expect(reply.content[0]).toEqual({
      type: 'text',
      text: {
        value: text,
        annotations: [
          {
            type: 'file_citation',
            text: '【4:0†source】',
            start_index: text.indexOf('【'),
            end_index: text.length,
            file_citation: { file_id: file.id },
          },
        ],
      },
    });
  });

  it('streams a paced reply: small deltas, spaced in time', async () => {
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'Demo please' }] });
    const arrivals: { at: number; text: string }[] = [];
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
    stream.on('textDelta', (delta) => arrivals.push({ at: Date.now(), text: delta.value ?? '' }));
    const final = await stream.finalRun();
    expect(final.status).toBe('completed');
    const text = arrivals.map((a) => a.text).join('');
    expect(text).toBe(
      'Streaming works: this reply arrives a few tokens at a time, the way a real model writes it. Your message was "Demo please" and this assistant is Plain.',
    );
    expect(arrivals.length).toBeGreaterThan(10);
    // 80 ms between deltas: the whole stream takes at least most of (deltas - 1) * 80 ms.
    const span = arrivals[arrivals.length - 1].at - arrivals[0].at;
    expect(span).toBeGreaterThanOrEqual((arrivals.length - 1) * 80 * 0.8);
  });
});

describe('a scenario file edited while the server runs', () => {
  it('plays the new rule once the file has reloaded', async () => {
    const client = new OpenAI({ apiKey: 'sk-reload', baseURL: server.baseURL, maxRetries: 0 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o' });
    writeFileSync(
      join(scenariosDir, 'live.yaml'),
      'scenarios:\n  - name: live\n    match: { message: { equals: live? } }\n    turns: [ { text: "live: {{message}}" } ]\n',
    );
    // The watcher debounces; poll the control API until the rule is listed.
    const deadline = Date.now() + 5000;
    for (;;) {
      const listed = (await (
        await fetch(`${server.url}/__admin/scenarios/live`, { headers: { authorization: 'Bearer sk-reload' } })
      ).json()) as { source?: string };
      if (listed.source === 'file') break;
      if (Date.now() > deadline) throw new Error('the new scenario file was not loaded');
      await new Promise((r) => setTimeout(r, 50));
    }
    const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'live?' }] });
    await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
    const [reply] = (await client.beta.threads.messages.list(thread.id)).data;
    expect(reply.content[0]).toMatchObject({ text: { value: 'live: live?' } });
  });
});
