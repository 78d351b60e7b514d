/**
 * Hardening against hostile or mistaken input and operation (docs/reliability.md, "Limits and
 * timeouts"): one server per database file, a database that cannot be written, regexes that
 * backtrack, oversized messages, deeply nested JSON, the journal's byte budget, client errors in the
 * OpenAI shape, a 413 the client can read, request timeouts that spare streams, and a YAML alias bomb.
 * Real servers on real ports (in-process, or the built CLI as a child process).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestJournal, type RecordedRequest } from '../src/admin/journal.js';
import { countTokens, EXACT_TOKEN_CHARS } from '../src/brains/tokens.js';
import { startServer } from '../src/server.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { CLI, ROOT, cleanEnv, killAll, runCli } from './helpers/cli-process.js';
import { jsonCaller, type Json } from './helpers/http.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

afterAll(killAll);

interface ErrorShape {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function expectOpenAiError(body: unknown): ErrorShape['error'] {
  expect(Object.keys(body as object)).toEqual(['error']);
  const error = (body as ErrorShape).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return error;
}

/** What a raw socket received, and whether the connection was reset before it ended. */
interface RawAnswer {
  text: string;
  reset: boolean;
}

/** Opens a raw connection, lets `send` write to it, and collects what comes back until it closes or `timeoutMs`. */
function rawExchange(port: number, send: (socket: Socket) => Promise<void> | void, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const socket = connect({ port, host: '127.0.0.1' });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      done({ text: Buffer.concat(chunks).toString('utf8'), reset });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
    });
    socket.on('close', finish);
    socket.on('connect', () => void Promise.resolve(send(socket)).catch(() => undefined));
  });
}

/** The status and the JSON body of a raw HTTP/1.1 answer. */
function parseRaw(text: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const at = text.indexOf('\r\n\r\n');
  const raw = at < 0 ? '' : text.slice(at + 4);
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    /* kept as text */
  }
  return { status, body };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- item 6 ---------------------------------------------------------------------------------------

describe('one server per database file', () => {
  it('refuses a second in-process server on the same file, naming it, and starts once the first is closed', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'shared.db');
    const first = await startServer({ port: 0, dbPath, logger: false });
    try {
      const refused = startServer({ port: 0, dbPath, logger: false });
      await expect(refused).rejects.toThrow(`The database ${resolve(dbPath)} is in use by another assistants-mock server`);
      // The first still serves and writes.
      const res = await fetch(`${first.url}/v1/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
    } finally {
      await first.close();
    }
    const again = await startServer({ port: 0, dbPath, logger: false });
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI refuses a second server with a clear message; after kill -9 of the first a new one starts', async () => {
    const dir = tempDir();
    const db = join(dir, 'cli.db');
    const first = runCli(['--port', '0', '--db', db], { cwd: dir });
    const { url } = await first.ready;
    const second = runCli(['--port', '0', '--db', db], { cwd: dir });
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr()).toContain(`assistants-mock: The database ${resolve(db)} is in use by another assistants-mock server`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    first.signal('SIGKILL');
    await first.exited;
    const third = runCli(['--port', '0', '--db', db], { cwd: dir });
    const started = await third.ready;
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    await third.kill();
    rmSync(dir, { recursive: true, force: true });
  });
});

// ---- item 7 ---------------------------------------------------------------------------------------

describe('a database that cannot be written', () => {
  it('stops the start with the reason (read-only file in a writable folder), never serving /healthz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-readonly-'));
    chmodSync(dir, 0o777);
    const dbPath = join(dir, 'readonly.db');
    closeDatabase(openDatabase(dbPath)); // a migrated file, as a previous run leaves it
    chmodSync(dbPath, 0o444);
    // Root writes through file modes: run the server as an unprivileged user then.
    const asRoot = process.getuid?.() === 0;
    const child = spawn(process.execPath, [CLI, '--port', '0', '--db', dbPath], {
      cwd: ROOT,
      env: cleanEnv({ HOME: dir }),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(stderr).not.toContain('listening on');
    expect(stderr).toContain(`assistants-mock: The database ${dbPath} cannot be written (attempt to write a readonly database)`);
    expect(code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });
});

// ---- item 8 ---------------------------------------------------------------------------------------

describe('caller-written regular expressions run in linear time', () => {
  // A child process: with a backtracking engine these requests would block its event loop for hours,
  // and the abort signals below would fail the test instead of hanging the test worker.
  const EVIL = '(d+)+$';
  const ATTACK = 'd'.repeat(40) + '!';
  let dir: string;
  let base: string;
  const call = jsonCaller(() => base, 'sk-regex');
  const within = () => AbortSignal.timeout(15_000);

  async function runOn(message: string): Promise<string> {
    const res = await fetch(`${base}/v1/threads/runs`, {
      method: 'POST',
      signal: within(),
      headers: { authorization: 'Bearer sk-regex', 'content-type': 'application/json' },
      body: JSON.stringify({ assistant_id: assistantId, thread: { messages: [{ role: 'user', content: message }] } }),
    });
    const run = (await res.json()) as Json;
    expect(res.status, JSON.stringify(run)).toBe(200);
    for (;;) {
      const now = (await (
        await fetch(`${base}/v1/threads/${String(run.thread_id)}/runs/${String(run.id)}`, {
          signal: within(),
          headers: { authorization: 'Bearer sk-regex' },
        })
      ).json()) as Json;
      if (now.status === 'completed') break;
      expect(['queued', 'in_progress']).toContain(now.status);
      await sleep(20);
    }
    const list = (await (
      await fetch(`${base}/v1/threads/${String(run.thread_id)}/messages?limit=1`, {
        signal: within(),
        headers: { authorization: 'Bearer sk-regex' },
      })
    ).json()) as { data: { content: { text: { value: string } }[] }[] };
    return list.data[0].content[0].text.value;
  }

  let assistantId: string;
  beforeAll(async () => {
    dir = tempDir();
    const scenarios = join(dir, 'regex.yaml');
    writeFileSync(
      scenarios,
      ['scenarios:', '  - name: from-file', '    match: { message: { regex: "(d+)+$" } }', '    turns:', '      - text: file rule'].join(
        '\n',
      ),
    );
    const cli = runCli(['--port', '0', '--db', ':memory:', '--scenarios', scenarios], { cwd: dir });
    base = (await cli.ready).url;
    const created = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o' } });
    assistantId = String(created.body.id);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a scenario file regex: matches what it should, and an attack text does not stall the server', async () => {
    expect(await runOn('dddd')).toBe('file rule');
    expect(await runOn(ATTACK)).toContain('This is a mock reply');
  });

  it('a runtime scenario regex: same; a pattern RE2 cannot run is a clear 400', async () => {
    const added = await call('POST', '/__admin/scenarios', {
      body: { name: 'runtime', match: { message: { regex: '/(e+)+$/i' } }, turns: [{ text: 'runtime rule' }] },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(await runOn('EEEe')).toBe('runtime rule');
    expect(await runOn('e'.repeat(40) + '!')).toContain('This is a mock reply');

    const lookahead = await call('POST', '/__admin/scenarios', {
      body: { name: 'lookahead', match: { message: { regex: 'a(?=b)' } }, turns: [{ text: 'x' }] },
    });
    expect(lookahead.status).toBe(400);
    expect(expectOpenAiError(lookahead.body).message).toContain('no lookaround or backreferences');
  });

  it('a fault path pattern and the journal path filter: an attack path does not stall the server', async () => {
    const fault = await call('POST', '/__admin/faults', { body: { path: '/^\\/v1\\/threads\\/(d+)+$/', status: 503 } });
    expect(fault.status, JSON.stringify(fault.body)).toBe(200);
    const attacked = await fetch(`${base}/v1/threads/${ATTACK}`, { signal: within(), headers: { authorization: 'Bearer sk-regex' } });
    expect(attacked.status).toBe(400); // not the fault: the pattern does not match, the id is refused
    const hit = await fetch(`${base}/v1/threads/dddd`, { signal: within(), headers: { authorization: 'Bearer sk-regex' } });
    expect(hit.status).toBe(503);

    // Anchored to /v1/threads/: run ids of the polls above may end with a `d` too.
    const res = await fetch(`${base}/__admin/requests?path=${encodeURIComponent(`/^\\/v1\\/threads\\/${EVIL}/`)}`, {
      signal: within(),
      headers: { authorization: 'Bearer sk-regex' },
    });
    const body = (await res.json()) as { data: { path: string }[] };
    expect(res.status).toBe(200);
    expect(body.data.map((e) => e.path)).toEqual(['/v1/threads/dddd']);

    const bad = await call('GET', `/__admin/requests?path=${encodeURIComponent('/(/')}`);
    expect(bad.status).toBe(400);
    expect(expectOpenAiError(bad.body).param).toBe('path');
    // The count endpoint takes the same filter, and the same 400.
    const badCount = await call('GET', `/__admin/requests/count?path=${encodeURIComponent('/(/')}`);
    expect(badCount.status).toBe(400);
    expect(expectOpenAiError(badCount.body).param).toBe('path');
  });

  it('a scenario file with a pattern RE2 cannot run fails to load, naming the file and line', async () => {
    const file = join(dir, 'lookahead.yaml');
    writeFileSync(
      file,
      ['scenarios:', '  - name: ahead', '    match:', '      message: { regex: "a(?=b)" }', '    turns: [{ text: x }]'].join('\n'),
    );
    await expect(startServer({ port: 0, dbPath: ':memory:', logger: false, scenarios: file })).rejects.toThrow(
      new RegExp(`Invalid scenario file ${file.replace(/[.]/g, '\\.')}, line 4, .*no lookaround or backreferences`),
    );
  });
});

// ---- items 9 to 13: one in-process server with small limits -------------------------------------

describe('request limits', () => {
  let server: TestServer;
  const call = jsonCaller(() => server.url, 'sk-limits');

  beforeAll(async () => {
    server = await startTestServer({ bodyLimitBytes: 4 * 1024 * 1024, requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 });
  });
  afterAll(async () => server.stop());

  it("item 9: a message's content over 256,000 characters is the real 400, wherever a message is written", async () => {
    const thread = await call('POST', '/v1/threads', { body: {} });
    const threadId = String(thread.body.id);
    const over = 'x'.repeat(256_001);

    const direct = await call('POST', `/v1/threads/${threadId}/messages`, { body: { role: 'user', content: over } });
    expect(direct.status).toBe(400);
    expect(expectOpenAiError(direct.body)).toEqual({
      message:
        "Invalid 'content': string too long. Expected a string with maximum length 256000, but got a string with length 256001 instead.",
      type: 'invalid_request_error',
      param: 'content',
      code: 'string_above_max_length',
    });
    const part = await call('POST', `/v1/threads/${threadId}/messages`, {
      body: { role: 'user', content: [{ type: 'text', text: over }] },
    });
    expect(part.status).toBe(400);
    expect(expectOpenAiError(part.body)).toMatchObject({ param: 'content[0].text', code: 'string_above_max_length' });
    const initial = await call('POST', '/v1/threads', { body: { messages: [{ role: 'user', content: over }] } });
    expect(initial.status).toBe(400);
    expect(expectOpenAiError(initial.body)).toMatchObject({ param: 'messages[0].content', code: 'string_above_max_length' });

    const atLimit = await call('POST', `/v1/threads/${threadId}/messages`, { body: { role: 'user', content: 'x'.repeat(256_000) } });
    expect(atLimit.status).toBe(200);
  });

  it('item 9: texts without a limit of their own (run instructions, tool outputs) are counted exactly up to 512,000 characters, then extrapolated', () => {
    const head = 'ab '.repeat(EXACT_TOKEN_CHARS / 3 + 1).slice(0, EXACT_TOKEN_CHARS);
    const headTokens = countTokens(head);
    // The tail would count as one token per character; past the exact part it is estimated from the head.
    expect(countTokens(head + '漢'.repeat(EXACT_TOKEN_CHARS))).toBe(headTokens * 2);
    expect(countTokens('hello world')).toBe(2);
  });

  it('item 10: JSON nested thousands of levels deep is a 400, and the journal still keeps the request', async () => {
    // Written as text: JSON.stringify itself overflows the stack on such values.
    const nested = (depth: number) => '{"type":"object","properties":{"x":'.repeat(depth) + '{"type":"string"}' + '}}'.repeat(depth);
    for (const depth of [4_100, 5_000]) {
      const res = await fetch(`${server.url}/v1/assistants`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-limits', 'content-type': 'application/json' },
        body: `{"model":"gpt-4o","tools":[{"type":"function","function":{"name":"deep_${depth}","parameters":${nested(depth)}}}]}`,
      });
      expect(res.status).toBe(400);
      expect(expectOpenAiError(await res.json()).message).toBe(
        'The JSON body of your request is nested too deeply: at most 256 levels of objects and arrays are accepted.',
      );
    }
    const journal = await call('GET', '/__admin/requests?path=/v1/assistants&status=400');
    expect((journal.body.data as Json[]).length).toBe(2);
    // A legitimate schema a few levels deep still works.
    const ok = await call('POST', '/v1/assistants', {
      body: { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'shallow', parameters: JSON.parse(nested(20)) as Json } }] },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('item 12: headers over 16 KiB get a 431 in the OpenAI shape', async () => {
    const answer = await rawExchange(server.port, (socket) => {
      socket.write(`GET /v1/assistants HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    });
    const { status, body } = parseRaw(answer.text);
    expect(status).toBe(431);
    expect(expectOpenAiError(body)).toMatchObject({ type: 'invalid_request_error', code: 'request_header_fields_too_large' });
  });

  it('item 12: a client still sending a body over the limit reads the 413, not a reset (5 of 5)', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await rawExchange(server.port, async (socket) => {
        const size = 12 * 1024 * 1024;
        socket.write(`POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
        const chunk = Buffer.alloc(256 * 1024, 'a');
        for (let sent = 0; sent < size && !socket.destroyed; sent += chunk.length) {
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
        }
        await sleep(200);
        socket.end();
      });
      expect(answer.reset, `attempt ${attempt}: reset`).toBe(false);
      const { status, body } = parseRaw(answer.text);
      expect(status, answer.text.slice(0, 200)).toBe(413);
      expect(expectOpenAiError(body).code).toBe('request_too_large');
    }
  });

  it('item 13: a body trickling in slower than the request timeout gets a 408 in the OpenAI shape', async () => {
    const answer = await rawExchange(
      server.port,
      async (socket) => {
        socket.write('POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
        for (let i = 0; i < 40 && !socket.destroyed; i++) {
          await sleep(250);
          if (!socket.destroyed) socket.write(' ');
        }
      },
      15_000,
    );
    const { status, body } = parseRaw(answer.text);
    expect(status).toBe(408);
    expect(expectOpenAiError(body).code).toBe('request_timeout');
  });

  it('item 13: headers trickling in slower than the headers timeout get a 408', async () => {
    const answer = await rawExchange(
      server.port,
      async (socket) => {
        socket.write('GET /v1/assistants HTTP/1.1\r\n');
        for (let i = 0; i < 40 && !socket.destroyed; i++) {
          await sleep(250);
          if (!socket.destroyed) socket.write(`x-slow-${i}: 1\r\n`);
        }
      },
      15_000,
    );
    expect(parseRaw(answer.text).status).toBe(408);
  });
});

describe('timeouts spare streams', () => {
  it('item 13: the timeouts are set on the server; 0 turns one off, and the headers one never exceeds the request one', async () => {
    for (const [headers, request, expected] of [
      [undefined, undefined, [30_000, 120_000]],
      [0, 5_000, [5_000, 5_000]],
      [9_000, 5_000, [5_000, 5_000]],
      [0, 0, [86_400_000, 0]],
    ] as const) {
      const server = await startServer({
        port: 0,
        dbPath: ':memory:',
        logger: false,
        headersTimeoutMs: headers,
        requestTimeoutMs: request,
      });
      expect([server.app.server.headersTimeout, server.app.server.requestTimeout]).toEqual(expected);
      await server.close();
    }
  });

  it('item 13: an SSE stream that lasts longer than the request timeout runs to its end', async () => {
    const server = await startTestServer({ requestTimeoutMs: 500, headersTimeoutMs: 500, streamDelayMs: 100 });
    try {
      const call = jsonCaller(() => server.url, 'sk-stream');
      const assistant = await call('POST', '/v1/assistants', { body: { model: 'gpt-4o' } });
      const words = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');
      const started = Date.now();
      const res = await fetch(`${server.url}/v1/threads/runs`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-stream', 'content-type': 'application/json' },
        body: JSON.stringify({ assistant_id: assistant.body.id, stream: true, thread: { messages: [{ role: 'user', content: words }] } }),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThan(1_000); // the stream outlived the timeout twice over
      expect(text).toContain('event: thread.run.completed');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

// ---- item 11 --------------------------------------------------------------------------------------

describe('the journal has a byte budget', () => {
  const record = (id: string, body: string): RecordedRequest => ({
    id,
    method: 'POST',
    url: '/v1/threads',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: body }),
    body_truncated: false,
    status: 200,
    duration_ms: 1,
    timestamp: 0,
  });

  it('keeps its estimate under the budget, dropping the oldest entries of any tenant first', () => {
    const journal = new RequestJournal(1000, 100, 100_000);
    for (let i = 0; i < 10; i++) journal.record('a', record(`a${i}`, 'x'.repeat(9_000)));
    for (let i = 0; i < 10; i++) journal.record('b', record(`b${i}`, 'x'.repeat(9_000)));
    expect(journal.bytes).toBeLessThanOrEqual(100_000);
    const b = journal.query('b').map((e) => e.id);
    const a = journal.query('a').map((e) => e.id);
    expect(b).toEqual(['b9', 'b8', 'b7', 'b6', 'b5', 'b4', 'b3', 'b2', 'b1', 'b0']); // the newer tenant is whole
    expect(a.length).toBeLessThan(10);
    expect(a).toEqual(['a9', 'a8', 'a7', 'a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'a0'].slice(0, a.length)); // a's newest kept
    journal.clear(null);
    expect(journal.bytes).toBe(0);
  });

  it('a server started with journalLimitBytes keeps the newest requests within it', async () => {
    const server = await startTestServer({ journalLimitBytes: 1024 * 1024 });
    try {
      const a = jsonCaller(() => server.url, 'sk-journal-old');
      const b = jsonCaller(() => server.url, 'sk-journal-new');
      const body = { metadata: { note: 'x'.repeat(500) }, messages: [{ role: 'user', content: 'y'.repeat(30_000) }] };
      for (let i = 0; i < 20; i++) expect((await a('POST', '/v1/threads', { body })).status).toBe(200);
      for (let i = 0; i < 20; i++) expect((await b('POST', '/v1/threads', { body })).status).toBe(200);
      const oldTenant = (await a('GET', '/__admin/requests?limit=1000')).body.data as Json[];
      const newTenant = (await b('GET', '/__admin/requests?limit=1000')).body.data as Json[];
      expect(newTenant).toHaveLength(20);
      expect(oldTenant.length).toBeLessThan(20);
      expect(server.app.ctx.journal.bytes).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      await server.stop();
    }
  });

  it('counts response bodies too: bodyless GETs of a large object fill the budget', async () => {
    const server = await startTestServer({ journalLimitBytes: 1024 * 1024 });
    try {
      const a = jsonCaller(() => server.url, 'sk-journal-reads');
      const created = await a('POST', '/v1/assistants', { body: { model: 'gpt-4o', instructions: 'x'.repeat(50_000) } });
      for (let i = 0; i < 30; i++) expect((await a('GET', `/v1/assistants/${created.body.id as string}`)).status).toBe(200);
      const kept = (await a('GET', '/__admin/requests?limit=1000')).body.data as Json[];
      // 31 answers of ~50 KB are ~1.5 MB: the oldest went, and what is left fits.
      expect(kept.length).toBeLessThan(31);
      expect(kept[0].response_body).toMatchObject({ id: created.body.id });
      expect(server.app.ctx.journal.bytes).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      await server.stop();
    }
  });
});

// ---- item 14 --------------------------------------------------------------------------------------

describe('scenario files', () => {
  it('a YAML alias bomb fails the start naming the file and the line', async () => {
    const dir = tempDir();
    const file = join(dir, 'bomb.yaml');
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const [prev, next] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    lines.push('scenarios: []');
    writeFileSync(file, lines.join('\n'));
    await expect(startServer({ port: 0, dbPath: ':memory:', logger: false, scenarios: file })).rejects.toThrow(
      `Invalid scenario file ${file}, line 2, column 8: its aliases expand to more than 1000 nodes (a YAML alias bomb?); use fewer aliases`,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
