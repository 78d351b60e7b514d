/**
 * Issue 3: kill -9 the server while runs are in flight, start it again on the same file, and every
 * run reaches a terminal state or requires_action, with nothing lost.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openai4, type Obj } from './helpers/sdk.js';
import { spawnServer, type ChildServer } from './helpers/process.js';
import { tempDir } from './helpers/server.js';

const TOOL = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('crash recovery', () => {
  let server: ChildServer | undefined;
  afterAll(async () => server?.kill());

  it('SIGKILL with runs queued, in progress and waiting: after a restart every run settles and every write reads back', async () => {
    const dbPath = join(tempDir(), 'crash.db');
    // Slow streams (40 ms a word) keep text runs in progress long enough to be killed mid-turn.
    server = await spawnServer(dbPath, 40);
    let sdk = openai4(`${server.url}/v1`);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', tools: [TOOL] });
    const runs: { thread: string; run: string }[] = [];
    const longText = 'please answer at length ' + 'with many words '.repeat(10);
    for (let i = 0; i < 12; i++) {
      const content = i % 3 === 0 ? 'what is the weather in Paris' : `${longText} ${i}`;
      const thread = await sdk.createThread({ messages: [{ role: 'user', content }] });
      const run = await sdk.createRun(thread.id, { assistant_id: assistant.id });
      runs.push({ thread: thread.id, run: run.id });
    }
    // Let some runs start streaming, then kill without warning.
    await new Promise((r) => setTimeout(r, 150));
    const before = await Promise.all(runs.map(({ thread, run }) => sdk.retrieveRun(thread, run)));
    await server.kill('SIGKILL');
    // The kill must have caught runs mid-flight, or this test proves nothing.
    expect(before.filter((r) => r.status === 'in_progress' || r.status === 'queued').length).toBeGreaterThan(0);

    server = await spawnServer(dbPath, 0);
    sdk = openai4(`${server.url}/v1`);
    expect((await sdk.retrieveAssistant(assistant.id)).id).toBe(assistant.id);
    const finals: Obj[] = [];
    for (const { thread, run } of runs) finals.push(await sdk.pollRun(thread, run));
    for (const run of finals) expect(['completed', 'requires_action']).toContain(run.status);
    expect(finals.filter((r) => r.status === 'requires_action')).toHaveLength(4);

    for (const { thread, run } of runs) {
      const messages = await sdk.listMessagesAll(thread, { order: 'asc' });
      const final = finals.find((r) => r.id === run)!;
      const assistantMessages = messages.filter((m) => m.role === 'assistant');
      // No half-written reply: one complete message per completed run, none for a waiting one.
      expect(assistantMessages.length).toBe(final.status === 'completed' ? 1 : 0);
      for (const m of assistantMessages) {
        expect(m.status).toBe('completed');
        expect((m.content as { text: { value: string } }[])[0].text.value.length).toBeGreaterThan(0);
      }
      const steps = await sdk.listStepsAll(thread, run);
      expect(steps.every((s) => s.status === 'completed' || (final.status === 'requires_action' && s.status === 'in_progress'))).toBe(true);
    }
  }, 60_000);
});
