#!/usr/bin/env node
/**
 * An Assistants API conversation answered by a real model through assistants-mock, streamed as it
 * is produced: the model calls get_weather, this script answers the call, the model replies.
 *
 * Rehearse online (Ollama here; any Chat Completions server works, see docs/model-backends.md):
 *
 *   ollama pull llama3.2:3b
 *   MODEL_BACKEND_URL=http://127.0.0.1:11434/v1 MODEL_MAP='*=llama3.2:3b' RECORD_TO=demo.yaml npx assistants-mock
 *   node examples/model-backend/demo.mjs
 *
 * Give it offline, with no model at all (the same messages, tool calls and statuses):
 *
 *   SCENARIOS=demo.yaml npx assistants-mock
 *   node examples/model-backend/demo.mjs
 *
 * ASSISTANTS_MOCK_URL points the script at another server (default http://127.0.0.1:4141/v1).
 * Needs the `openai` package (npm install openai).
 */
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.ASSISTANTS_MOCK_URL ?? 'http://127.0.0.1:4141/v1', apiKey: 'demo' });
const question = process.argv[2] ?? 'What is the weather in Paris right now?';

/** The "tool" this app runs for the model. */
function getWeather({ city }) {
  return JSON.stringify({ city, temperature_c: 18, sky: 'sunny' });
}

const assistant = await client.beta.assistants.create({
  name: 'Weather bot',
  model: 'gpt-4o',
  instructions: 'You answer questions about the weather. Call get_weather for current conditions, then answer in one sentence.',
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ],
});
const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: question }] });
process.stdout.write(`user: ${question}\nassistant: `);

let stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
for (;;) {
  stream.on('textDelta', (delta) => process.stdout.write(delta.value ?? ''));
  const run = await stream.finalRun();
  if (run.status !== 'requires_action') {
    process.stdout.write(`\n(run ${run.status}${run.last_error ? `: ${run.last_error.message}` : ''})\n`);
    break;
  }
  const outputs = run.required_action.submit_tool_outputs.tool_calls.map((call) => {
    const output = getWeather(JSON.parse(call.function.arguments));
    process.stdout.write(`[${call.function.name}(${call.function.arguments}) -> ${output}] `);
    return { tool_call_id: call.id, output };
  });
  stream = client.beta.threads.runs.submitToolOutputsStream(thread.id, run.id, { tool_outputs: outputs });
}
await client.beta.assistants.del(assistant.id);
