/**
 * A scripted turn with text and tool calls, the server killed after its message was said and before
 * its calls were made: after the restart the turn goes straight to its calls (the text is said once),
 * the run reaches requires_action with the scripted calls, and the outputs complete it. Manual run
 * mode stops the run exactly between the message and the calls; a real SQLite file, the server in its
 * own process, SIGKILL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './helpers/process.js';
import { tempDir } from './helpers/server.js';

const KEY = 'sk-restart';
const SCENARIO = `
scenarios:
  - name: weather with a preface
    match: { message: weather in Oslo }
    turns:
      - text: Let me check the weather.
        tool_calls:
          - function: get_weather
            arguments: { city: Oslo }
        usage: { prompt_tokens: 500, completion_tokens: 40 }
      - text: 'It is {{tool_outputs.0.output}} in Oslo.'
`;
const TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

let server: ChildServer | undefined;
afterAll(async () => server?.kill());

async function advance(url: string, runId: string): Promise<void> {
  const res = await fetch(`${url}/__admin/runs/${runId}/advance`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
  expect(res.status).toBe(200);
}

it('SIGKILL between the message and the calls of a text-then-tool-calls turn: the text is said once, then the same calls', async () => {
  const dir = tempDir();
  const scenarios = join(dir, 'scenarios.yaml');
  writeFileSync(scenarios, SCENARIO);
  const env = { RUN_MODE: 'manual', SCENARIOS: scenarios };
  const dbPath = join(dir, 'restart.db');
  server = await spawnServer(dbPath, 0, env);
  let client = new OpenAI({ apiKey: KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [TOOL] });
  const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: 'weather in Oslo' }] });
  const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
  const assistantMessages = async () =>
    (await client.beta.threads.messages.list(thread.id, { order: 'asc' })).data.filter((m) => m.role === 'assistant');

  // start, plan, begin, stream, finish: the message is complete, the calls' step has just opened.
  let advances = 0;
  while ((await assistantMessages()).every((m) => m.status !== 'completed')) {
    expect(++advances).toBeLessThan(10);
    await advance(server.url, run.id);
  }
  expect(advances).toBe(5);
  const before = await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' });
  expect(before.data.map((s) => [s.type, s.status])).toEqual([
    ['message_creation', 'completed'],
    ['tool_calls', 'in_progress'],
  ]);
  await server.kill('SIGKILL');

  server = await spawnServer(dbPath, 0, env);
  client = new OpenAI({ apiKey: KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
  let current = await client.beta.threads.runs.retrieve(thread.id, run.id);
  for (let i = 0; current.status === 'in_progress'; i++) {
    expect(i).toBeLessThan(10);
    await advance(server.url, run.id);
    current = await client.beta.threads.runs.retrieve(thread.id, run.id);
  }
  expect(current.status).toBe('requires_action');
  const calls = current.required_action!.submit_tool_outputs.tool_calls;
  expect(calls.map((c) => c.function)).toEqual([{ name: 'get_weather', arguments: '{"city":"Oslo"}' }]);
  const said = await assistantMessages();
  expect(said.map((m) => [m.status, m.content])).toEqual([
    ['completed', [{ type: 'text', text: { value: 'Let me check the weather.', annotations: [] } }]],
  ]);
  // The half-made tool_calls step from before the kill is gone; a fresh one holds the calls.
  const steps = await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' });
  expect(steps.data.map((s) => [s.type, s.status])).toEqual([
    ['message_creation', 'completed'],
    ['tool_calls', 'in_progress'],
  ]);
  expect(steps.data[1].id).not.toBe(before.data[1].id);
  // The turn's usage is counted once, as without the restart: the message's share, then the rest.
  expect(current.usage).toEqual({ prompt_tokens: 500, completion_tokens: 40, total_tokens: 540 });

  await client.beta.threads.runs.submitToolOutputs(thread.id, run.id, { tool_outputs: [{ tool_call_id: calls[0].id, output: 'sunny' }] });
  current = await client.beta.threads.runs.retrieve(thread.id, run.id);
  for (let i = 0; current.status !== 'completed'; i++) {
    expect(i).toBeLessThan(10);
    await advance(server.url, run.id);
    current = await client.beta.threads.runs.retrieve(thread.id, run.id);
  }
  expect((await assistantMessages()).map((m) => (m.content[0] as { text: { value: string } }).text.value)).toEqual([
    'Let me check the weather.',
    'It is sunny in Oslo.',
  ]);
}, 60_000);
