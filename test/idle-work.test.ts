/**
 * Idle work (src/http/idle-work.ts): the validator compiles and the tokenizer load wait for the
 * server's first answer and for an idle event loop, so they never stand in front of the first
 * requests; a server nobody calls still gets them done.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runWhenIdle, UNCALLED_START_MS } from '../src/http/idle-work.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: Server | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function listening(): Promise<{ server: Server; url: string }> {
  const s = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  server = s;
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

/** A task of `pieces` pieces that records when each ran. */
function recorder(pieces: number) {
  const ran: number[] = [];
  const task = () => {
    ran.push(performance.now());
    return ran.length < pieces;
  };
  return { ran, task };
}

describe('runWhenIdle', () => {
  it('starts nothing before the first answer, then does every piece of every task in order', async () => {
    const { server: s, url } = await listening();
    const order: string[] = [];
    const first = recorder(3);
    const second = recorder(1);
    stop = runWhenIdle(s, [() => (order.push('a'), first.task()), () => (order.push('b'), second.task())]);
    await sleep(200);
    expect(order).toEqual([]);
    const answered = performance.now();
    expect(await (await fetch(url)).text()).toBe('ok');
    for (let i = 0; i < 100 && order.length < 4; i++) await sleep(10);
    expect(order).toEqual(['a', 'a', 'a', 'b']);
    expect(first.ran[0]).toBeGreaterThan(answered);
  });

  it('waits while the event loop is busy', async () => {
    const { server: s, url } = await listening();
    const work = recorder(1);
    stop = runWhenIdle(s, [work.task]);
    // Busy: 20 ms of every 25 spent spinning.
    const spin = setInterval(() => {
      const until = performance.now() + 20;
      while (performance.now() < until);
    }, 5);
    await fetch(url);
    await sleep(300);
    expect(work.ran).toEqual([]);
    clearInterval(spin);
    for (let i = 0; i < 100 && work.ran.length === 0; i++) await sleep(10);
    expect(work.ran.length).toBe(1);
  });

  it('starts on its own a while after start-up when no request comes, and stops when told', async () => {
    const { server: s } = await listening();
    const work = recorder(1);
    stop = runWhenIdle(s, [work.task]);
    await sleep(UNCALLED_START_MS - 200);
    expect(work.ran).toEqual([]);
    for (let i = 0; i < 100 && work.ran.length === 0; i++) await sleep(10);
    expect(work.ran.length).toBe(1);

    const stopped = recorder(1);
    const stopIt = runWhenIdle(s, [stopped.task]);
    stopIt();
    await sleep(UNCALLED_START_MS + 200);
    expect(stopped.ran).toEqual([]);
  });
});
