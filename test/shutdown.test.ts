/**
 * Graceful shutdown of the CLI process: SIGTERM/SIGINT stop new connections, let requests in flight
 * finish, end open streams with an error event, checkpoint and close the database, and exit 0; a
 * restart on the same file reads everything back and resumes unfinished runs.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, runCli, waitFor, type CliProcess } from './helpers/cli-process.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-shutdown-'));
});
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const headers = { authorization: 'Bearer sk-shutdown', 'content-type': 'application/json' };

function start(db: string, extra: string[] = []): CliProcess {
  return runCli(['--port', '0', '--db', db, '--log-level', 'warn', ...extra], { cwd: dir });
}

/** Opens the file the way a restart would and asks SQLite whether it is intact. */
function integrity(db: string): string {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.pragma('integrity_check', { simple: true }) as string;
  } finally {
    sqlite.close();
  }
}

/** After a clean close the WAL has been checkpointed into the main file. */
function walIsEmpty(db: string): boolean {
  return !existsSync(`${db}-wal`) || statSync(`${db}-wal`).size === 0;
}

/** A POST whose body is sent in two halves, so the request is in flight for as long as we like. */
function slowPost(
  url: string,
  body: string,
): { req: ClientRequest; response: Promise<{ status: number; body: string }>; rest: () => void } {
  const target = new URL(url);
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const req = httpRequest(target, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(bytes.subarray(0, half));
  return { req, response, rest: () => req.end(bytes.subarray(half)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGTERM', () => {
  it('lets a request in flight finish, refuses new connections, exits 0 with a consistent database; a restart reads it back', async () => {
    const db = join(dir, 'inflight.db');
    const cli = start(db, ['--log-level', 'info']);
    const { url } = await cli.ready;
    const post = slowPost(`${url}/v1/assistants`, JSON.stringify({ model: 'gpt-4o', name: 'written during shutdown' }));
    await sleep(200); // the server has the headers: the request is in flight
    cli.signal('SIGTERM');
    await waitFor(() => cli.stdout().includes('shutting down') || cli.child.exitCode !== null, 5_000, 'the shutdown log line');
    // Still draining: new connections are refused, the process waits for the request.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(cli.child.exitCode).toBeNull();
    post.rest();
    const answer = await post.response;
    expect(answer.status).toBe(200);
    const assistant = JSON.parse(answer.body) as { id: string; name: string };
    const answered = Date.now();
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    // Its kept-alive connection does not hold the process for the grace period.
    expect(Date.now() - answered).toBeLessThan(2_000);

    expect(integrity(db)).toBe('ok');
    expect(walIsEmpty(db)).toBe(true);

    const again = start(db);
    const restarted = await again.ready;
    const read = await fetch(`${restarted.url}/v1/assistants/${assistant.id}`, { headers });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { name: string }).name).toBe('written during shutdown');
    again.signal('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('cuts connections still open after the grace period and still closes the database cleanly', async () => {
    const db = join(dir, 'grace.db');
    const cli = start(db, ['--shutdown-grace-ms', '300']);
    const { url } = await cli.ready;
    const post = slowPost(`${url}/v1/assistants`, JSON.stringify({ model: 'gpt-4o' }));
    await sleep(200);
    const began = Date.now();
    cli.signal('SIGTERM');
    await expect(post.response).rejects.toThrow(); // never finished its body: cut
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(integrity(db)).toBe('ok');
    expect(walIsEmpty(db)).toBe(true);
  });

  it('a second signal exits at once, and the database still opens intact', async () => {
    const db = join(dir, 'twice.db');
    const cli = start(db);
    const { url } = await cli.ready;
    const post = slowPost(`${url}/v1/assistants`, JSON.stringify({ model: 'gpt-4o' }));
    post.response.catch(() => undefined);
    await sleep(200);
    cli.signal('SIGTERM');
    await sleep(200);
    expect(cli.child.exitCode).toBeNull(); // waiting for the request
    cli.signal('SIGINT');
    expect(await cli.exited).toEqual({ code: 130, signal: null });
    post.req.destroy();
    expect(integrity(db)).toBe('ok');
  });

  it('exits even when nobody reads its log any more (a broken stdout pipe)', async () => {
    const db = join(dir, 'epipe.db');
    const cli = start(db, ['--log-level', 'info']);
    await cli.ready;
    cli.child.stdout?.destroy(); // as when `assistants-mock | tee log` loses its tee
    cli.signal('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(integrity(db)).toBe('ok');
  });

  it('SIGINT shuts down like SIGTERM', async () => {
    const cli = start(join(dir, 'sigint.db'));
    await cli.ready;
    cli.signal('SIGINT');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});

interface Frame {
  event: string;
  data: string;
}

function parseFrames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: '))
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1] ?? '',
      data: /^data: (.*)$/m.exec(block)?.[1] ?? '',
    }));
}

describe('SIGTERM during a streamed run', () => {
  it('ends the stream with an error event, leaves a consistent database, and a restart completes the run', async () => {
    const db = join(dir, 'stream.db');
    // Slow deltas, so the run is mid-stream when the signal arrives.
    const cli = start(db, ['--stream-delay-ms', '150']);
    const { url } = await cli.ready;
    const created = await fetch(`${url}/v1/assistants`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o' }) });
    const assistant = (await created.json()) as { id: string };

    const response = await fetch(`${url}/v1/threads/runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        assistant_id: assistant.id,
        stream: true,
        thread: { messages: [{ role: 'user', content: 'Please tell me something long enough to stream for a while.' }] },
      }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let signalled = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (!signalled && text.includes('event: thread.message.delta')) {
        signalled = true;
        cli.signal('SIGTERM');
      }
    }
    expect(signalled).toBe(true);
    const frames = parseFrames(text);
    const last = frames[frames.length - 1];
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'server_shutdown' } });
    expect(frames.some((f) => f.event === 'thread.run.completed')).toBe(false);
    const run = JSON.parse(frames.find((f) => f.event === 'thread.run.created')!.data) as { id: string; thread_id: string };

    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(integrity(db)).toBe('ok');
    expect(walIsEmpty(db)).toBe(true);

    // The restart picks the unfinished run up and completes it.
    const again = start(db);
    const restarted = await again.ready;
    let status = '';
    await waitFor(
      async () => {
        const r = await fetch(`${restarted.url}/v1/threads/${run.thread_id}/runs/${run.id}`, { headers });
        status = ((await r.json()) as { status: string }).status;
        return status === 'completed';
      },
      20_000,
      'the resumed run to complete',
    );
    const messages = await fetch(`${restarted.url}/v1/threads/${run.thread_id}/messages?order=asc`, { headers });
    const list = (await messages.json()) as { data: { role: string; status: string; content: { text: { value: string } }[] }[] };
    const reply = list.data.filter((m) => m.role === 'assistant');
    expect(reply).toHaveLength(1);
    expect(reply[0].status).toBe('completed');
    expect(reply[0].content[0].text.value.length).toBeGreaterThan(0);
    again.signal('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });
});
