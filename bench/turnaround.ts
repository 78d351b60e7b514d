/**
 * Run turnaround through the official SDK (npm `openai` 4.x), as a test suite sees it:
 * `createAndPoll` for a text run, and a tool-call round trip (createAndPoll -> requires_action ->
 * submitToolOutputsAndPoll -> completed). The baseline is one SDK request (`threads.retrieve`) to the
 * same server, so the ratio reads "a run costs as much as N plain SDK calls".
 */
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, percentile, removeDir, ROOT, spawnMock, tempDir } from './lib.js';

export interface Timing {
  n: number;
  median: number;
  p99: number;
}

export interface TurnaroundResult {
  sdk: string;
  baseline: Timing;
  text: Timing;
  tool: Timing;
}

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

function sdkVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'openai', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function timing(values: number[]): Timing {
  return { n: values.length, median: median(values), p99: percentile(values, 99) };
}

export async function benchTurnaround(n = 200, warmup = 20): Promise<TurnaroundResult> {
  const dir = tempDir();
  const server = await spawnMock({ dbPath: join(dir, 'turnaround.db') });
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-bench', maxRetries: 0 });
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [WEATHER_TOOL] });

    const baseline: number[] = [];
    const probe = await client.beta.threads.create({});
    for (let i = 0; i < warmup + n; i++) {
      const t0 = performance.now();
      await client.beta.threads.retrieve(probe.id);
      if (i >= warmup) baseline.push(performance.now() - t0);
    }

    const text: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: `Hello number ${i}` }] });
      const t0 = performance.now();
      const run = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
      const ms = performance.now() - t0;
      if (run.status !== 'completed') throw new Error(`text run ended ${run.status}`);
      if (i >= warmup) text.push(ms);
    }

    const tool: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const thread = await client.beta.threads.create({ messages: [{ role: 'user', content: `What is the weather in Paris? (${i})` }] });
      const t0 = performance.now();
      const first = await client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id });
      const calls = first.required_action?.submit_tool_outputs.tool_calls ?? [];
      if (first.status !== 'requires_action' || calls.length === 0) throw new Error(`tool run ended ${first.status}`);
      const done = await client.beta.threads.runs.submitToolOutputsAndPoll(thread.id, first.id, {
        tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: '{"temperature_c":21,"sky":"clear"}' })),
      });
      const ms = performance.now() - t0;
      if (done.status !== 'completed') throw new Error(`tool run ended ${done.status} after outputs`);
      if (i >= warmup) tool.push(ms);
    }
    return { sdk: `openai ${sdkVersion()}`, baseline: timing(baseline), text: timing(text), tool: timing(tool) };
  } finally {
    await server.kill();
    removeDir(dir);
  }
}
