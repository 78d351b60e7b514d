/**
 * Timing through the replaceable clock, never sleeps: expiry after ten minutes in requires_action,
 * manual run mode, scripted delays, and the scheduler itself.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { Scheduler } from '../src/engine/scheduler.js';
import { TenantClocks } from '../src/engine/tenant-clocks.js';
import { SDKS } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TOOL = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

describe('scheduler on a manual clock', () => {
  it('runs due jobs on the next tick, holds future ones until the clock is advanced, and replaces jobs by key', async () => {
    const clock = new ManualClock(1_000_000);
    const scheduler = new Scheduler(clock);
    const fired: string[] = [];
    scheduler.after('a', 0, () => fired.push('a'));
    scheduler.after('b', 60_000, () => fired.push('b'));
    scheduler.after('c', 1000, () => fired.push('c-old'));
    scheduler.after('c', 2000, () => fired.push('c'));
    expect(fired).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual(['a']);
    clock.advance(2000);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual(['a', 'c']);
    expect(scheduler.size).toBe(1);
    clock.advance(58_000);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual(['a', 'c', 'b']);
    expect(scheduler.size).toBe(0);
    scheduler.close();
  });
});

describe("scheduler on tenants' clocks", () => {
  it("a tenant's advance fires that tenant's due jobs only; the server's clock moves every tenant", async () => {
    const clock = new ManualClock(1_000_000);
    const clocks = new TenantClocks(clock);
    const scheduler = new Scheduler(clocks);
    const fired: string[] = [];
    scheduler.after('a', 60_000, () => fired.push('a'), 'tenant-a');
    scheduler.after('b', 60_000, () => fired.push('b'), 'tenant-b');
    scheduler.after('server', 60_000, () => fired.push('server'));
    clocks.advance('tenant-a', 60_000);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual(['a']);
    expect(clocks.nowMs('tenant-a') - clocks.nowMs('tenant-b')).toBe(60_000);
    // A job set after the advance is timed on the tenant's own (later) time.
    scheduler.after('a2', 1000, () => fired.push('a2'), 'tenant-a');
    clocks.advance('tenant-b', 999);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual(['a']);
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    expect(fired.sort()).toEqual(['a', 'a2', 'b', 'server']);
    expect(() => clocks.advance('tenant-a', 101 * 365 * 24 * 3600 * 1000)).toThrow(RangeError);
    scheduler.close();
  });
});

describe.each(SDKS)('virtual time through $name', ({ make }) => {
  let server: TestServer;
  afterEach(async () => server?.stop());

  it('a run left in requires_action expires 600 s after creation, with its step expired', async () => {
    const clock = new ManualClock();
    server = await startTestServer({ clock });
    const sdk = make(server.baseURL);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', tools: [TOOL] });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'weather?' }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('requires_action');
    expect(run.expires_at).toBe((run.created_at as number) + 600);

    clock.advance(599_000);
    await new Promise((r) => setTimeout(r, 20));
    expect((await sdk.retrieveRun(thread.id, run.id)).status).toBe('requires_action');

    clock.advance(1_000);
    const expired = await until(
      () => sdk.retrieveRun(thread.id, run.id),
      (r) => r.status === 'expired',
    );
    expect(expired.status).toBe('expired');
    const steps = await sdk.listStepsAll(thread.id, run.id);
    expect(steps[0]).toMatchObject({ status: 'expired', expired_at: expect.any(Number) });
    const callId = (run.required_action as { submit_tool_outputs: { tool_calls: { id: string }[] } }).submit_tool_outputs.tool_calls[0].id;
    await expect(
      sdk.submitToolOutputs(thread.id, run.id, { tool_outputs: [{ tool_call_id: callId, output: 'late' }] }),
    ).rejects.toMatchObject({
      status: 400,
      error: { message: 'Runs in status "expired" do not accept tool outputs.' },
    });
  });

  it('manual mode: a run waits in queued until advanced; cancel from queued', async () => {
    server = await startTestServer({ runMode: 'manual' });
    const sdk = make(server.baseURL);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o' });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'hi' }] });
    const run = await sdk.createRun(thread.id, { assistant_id: assistant.id });
    await new Promise((r) => setTimeout(r, 30));
    expect((await sdk.retrieveRun(thread.id, run.id)).status).toBe('queued');
    expect((await sdk.cancelRun(thread.id, run.id)).status).toBe('cancelling');
    const tenant = (server.app.ctx.db.$client.prepare('select tenant from runs where id = ?').get(run.id) as { tenant: string }).tenant;
    server.app.ctx.engine.advanceManual(tenant, run.id);
    const cancelled = await sdk.retrieveRun(thread.id, run.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelled_at: expect.any(Number), started_at: null });
  });

  it('manual mode: each advance moves the run one phase, so every intermediate state is observable', async () => {
    server = await startTestServer({ runMode: 'manual' });
    const sdk = make(server.baseURL);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o' });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'hi' }] });
    const run = await sdk.createRun(thread.id, { assistant_id: assistant.id });
    const tenant = (server.app.ctx.db.$client.prepare('select tenant from runs where id = ?').get(run.id) as { tenant: string }).tenant;
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const current = server.app.ctx.engine.advanceManual(tenant, run.id);
      seen.push(current.status);
      if (current.status === 'completed') break;
    }
    expect(seen[0]).toBe('in_progress');
    expect(seen.at(-1)).toBe('completed');
    const messages = await sdk.listMessagesAll(thread.id);
    expect(messages[0]).toMatchObject({ role: 'assistant', status: 'completed' });
  });
});

describe('fake timers are not needed', () => {
  it('the engine never depends on wall-clock sleeps (vi timers untouched)', () => {
    expect(vi.isFakeTimers()).toBe(false);
  });
});
