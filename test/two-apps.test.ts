/**
 * Two servers in one process, each with its own database file, share nothing: every service is built
 * by its own app factory call (src/server.ts) and nothing is global. Each does real HTTP work through
 * the SDK and the control API, and the other sees none of it: objects, rows, scenarios, clocks,
 * journal, and engine work (one runs in manual mode, the other in auto mode; closing one leaves the
 * other running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY = 'sk-same-key-on-both';

async function textOfLastReply(client: OpenAI, threadId: string): Promise<string> {
  const [reply] = (await client.beta.threads.messages.list(threadId, { limit: 1 })).data;
  const part = reply!.content[0]!;
  return part.type === 'text' ? part.text.value : '';
}

describe('two apps in one process', () => {
  let manual: TestServer;
  let auto: TestServer;
  let a: OpenAI;
  let b: OpenAI;
  let autoStopped = false;

  beforeAll(async () => {
    manual = await startTestServer({ runMode: 'manual', apiKeys: [KEY] });
    auto = await startTestServer({ runMode: 'auto', apiKeys: [KEY] });
    a = new OpenAI({ apiKey: KEY, baseURL: manual.baseURL, maxRetries: 0 });
    b = new OpenAI({ apiKey: KEY, baseURL: auto.baseURL, maxRetries: 0 });
  });
  afterAll(async () => {
    await manual?.stop();
    if (!autoStopped) await auto?.stop();
  });

  it('keep their own objects, scenarios, clocks, journals and engine work', async () => {
    expect(manual.dbPath).not.toBe(auto.dbPath);

    // Scenarios: a rule added to one server answers only there.
    await manual.admin.scenarios.add({ name: 'only-on-a', match: { message: 'hello' }, turns: [{ text: 'scripted on A' }] });
    expect(await auto.admin.scenarios.list()).toEqual([]);

    // Clocks: one tenant's clock moved on one server is not moved on the other.
    const before = await auto.admin.clock.get();
    await manual.admin.clock.advance(3600);
    expect((await manual.admin.clock.get()).tenant_offset_ms).toBe(3_600_000);
    expect((await auto.admin.clock.get()).tenant_offset_ms).toBe(before.tenant_offset_ms);

    // Objects and rows: the same calls on both servers, with the same key (the same tenant name).
    const assistantA = await a.beta.assistants.create({ model: 'gpt-4o', name: 'A' });
    const assistantB = await b.beta.assistants.create({ model: 'gpt-4o', name: 'B' });
    const threadA = await a.beta.threads.create({ messages: [{ role: 'user', content: 'hello' }] });
    const threadB = await b.beta.threads.create({ messages: [{ role: 'user', content: 'hello' }] });
    expect((await a.beta.assistants.list()).data.map((x) => x.id)).toEqual([assistantA.id]);
    expect((await b.beta.assistants.list()).data.map((x) => x.id)).toEqual([assistantB.id]);
    await expect(b.beta.assistants.retrieve(assistantA.id)).rejects.toMatchObject({ status: 404 });
    await expect(a.beta.threads.retrieve(threadB.id)).rejects.toMatchObject({ status: 404 });
    // Virtual time: A's objects are an hour ahead of B's.
    expect(threadA.created_at - threadB.created_at).toBeGreaterThanOrEqual(3590);

    // Engine work: B's engine runs its run to the end on its own; A's run waits for A's manual steps.
    const runA = await a.beta.threads.runs.create(threadA.id, { assistant_id: assistantA.id });
    const runB = await b.beta.threads.runs.createAndPoll(threadB.id, { assistant_id: assistantB.id });
    expect(runB.status).toBe('completed');
    expect(await textOfLastReply(b, threadB.id)).not.toBe('scripted on A');
    expect((await a.beta.threads.runs.retrieve(threadA.id, runA.id)).status).toBe('queued');
    // Read after each server has read its own (caches fill on reads): still the other server's objects are unknown.
    await b.beta.threads.retrieve(threadB.id);
    await expect(a.beta.threads.retrieve(threadB.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.beta.threads.runs.retrieve(threadA.id, runA.id)).rejects.toMatchObject({ status: 404 });

    // Journals: each server recorded its own API calls only.
    expect(await manual.admin.requests.count({ method: 'POST', path: `/v1/threads/${threadA.id}/runs` })).toBe(1);
    expect(await auto.admin.requests.count({ method: 'POST', path: `/v1/threads/${threadA.id}/runs` })).toBe(0);
    expect(await auto.admin.requests.count({ method: 'POST', path: `/v1/threads/${threadB.id}/runs` })).toBe(1);

    // Closing B stops B's services only: A's engine still drives its run, with A's scenario.
    await auto.stop();
    autoStopped = true;
    let status: string = runA.status;
    for (let i = 0; i < 20 && status !== 'completed'; i++) status = (await manual.admin.runs.advance(runA.id)).status;
    expect(status).toBe('completed');
    expect(await textOfLastReply(a, threadA.id)).toBe('scripted on A');
  });
});
