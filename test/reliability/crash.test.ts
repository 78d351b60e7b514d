/**
 * Crash: SIGKILL the server at random moments under a concurrent workload of full conversations,
 * restart it on the same file, and check that nothing acknowledged was lost and nothing is
 * half-written.
 *
 * Each round: workers hold conversations (thread with a message, another message, a run that is
 * either plain text or asks for `get_weather`, tool outputs when it does, a metadata update) against
 * the child server; after a random delay it gets SIGKILL. Then, with the server down, the SQLite file
 * must pass `PRAGMA integrity_check` and `foreign_key_check` and hold no half-written object. Then the
 * server restarts on it, and every write that was answered with a 2xx must read back, and every run
 * must reach a terminal state or requires_action.
 *
 * CRASH_SEED replays a sequence of kill moments; CRASH_ROUNDS sets the number of rounds.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, sleep, startChild, TERMINAL, WEATHER_TOOL, type Child, type RunShape } from './child.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 8);
const WORKERS = 8;
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing sequence of kill moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface ThreadRecord {
  id: string;
  /** Texts of user messages whose creation was acknowledged. */
  texts: string[];
  /** Metadata value last acknowledged, and values sent but not acknowledged after it. */
  metadata: { acked: string | undefined; pending: string[] };
}

interface RunRecord {
  id: string;
  threadId: string;
  kind: 'text' | 'tool';
  /** submit_tool_outputs was acknowledged: the run must go on to the end. */
  outputsAcked: boolean;
}

interface Ledger {
  assistants: string[];
  threads: Map<string, ThreadRecord>;
  runs: Map<string, RunRecord>;
  acked: number;
  failedCalls: number;
}

/** Any request failing at the network level ends the worker's round: the server is gone. */
class ServerGone extends Error {}

async function send<T>(base: string, method: string, path: string, body?: unknown) {
  try {
    return await call<T>(base, method, path, body, AbortSignal.timeout(10_000));
  } catch (error) {
    throw new ServerGone(String(error));
  }
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

async function conversation(base: string, ledger: Ledger, assistantId: string, random: () => number, n: number): Promise<void> {
  const first = `crash test message ${n}-a ${Math.floor(random() * 1e9)}`;
  const created = await send<{ id: string }>(base, 'POST', '/v1/threads', { messages: [{ role: 'user', content: first }] });
  if (!ok(created.status)) throw new Error(`create thread: ${created.status} ${JSON.stringify(created.body)}`);
  const thread: ThreadRecord = { id: created.body.id, texts: [first], metadata: { acked: undefined, pending: [] } };
  ledger.threads.set(thread.id, thread);
  ledger.acked++;

  const weather = random() < 0.5;
  const second = weather ? `What is the weather in Paris? (${n})` : `Tell me something nice (${n})`;
  const added = await send(base, 'POST', `/v1/threads/${thread.id}/messages`, { role: 'user', content: second });
  if (!ok(added.status)) throw new Error(`create message: ${added.status} ${JSON.stringify(added.body)}`);
  thread.texts.push(second);
  ledger.acked++;

  const run = await send<RunShape>(base, 'POST', `/v1/threads/${thread.id}/runs`, { assistant_id: assistantId });
  if (!ok(run.status)) throw new Error(`create run: ${run.status} ${JSON.stringify(run.body)}`);
  const record: RunRecord = { id: run.body.id, threadId: thread.id, kind: weather ? 'tool' : 'text', outputsAcked: false };
  ledger.runs.set(record.id, record);
  ledger.acked++;

  let current = run.body;
  for (let i = 0; i < 500 && !TERMINAL.has(current.status); i++) {
    await sleep(5);
    current = (await send<RunShape>(base, 'GET', `/v1/threads/${thread.id}/runs/${record.id}`)).body;
    if (current.status === 'requires_action') {
      const calls = current.required_action?.submit_tool_outputs.tool_calls ?? [];
      const submitted = await send<RunShape>(base, 'POST', `/v1/threads/${thread.id}/runs/${record.id}/submit_tool_outputs`, {
        tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: '{"temperature_c":21}' })),
      });
      if (!ok(submitted.status)) throw new Error(`submit: ${submitted.status} ${JSON.stringify(submitted.body)}`);
      record.outputsAcked = true;
      ledger.acked++;
      current = submitted.body;
    }
  }
  if (current.status !== 'completed') throw new Error(`run ${record.id} ended ${current.status}`);

  const value = String(n);
  thread.metadata.pending.push(value);
  const modified = await send(base, 'POST', `/v1/threads/${thread.id}`, { metadata: { n: value } });
  if (!ok(modified.status)) throw new Error(`modify thread: ${modified.status}`);
  thread.metadata = { acked: value, pending: [] };
  ledger.acked++;
}

async function worker(base: string, ledger: Ledger, assistantId: string, random: () => number, id: number): Promise<void> {
  for (let n = 0; ; n++) {
    try {
      await conversation(base, ledger, assistantId, random, id * 100_000 + n);
    } catch (error) {
      if (error instanceof ServerGone) {
        ledger.failedCalls++;
        return;
      }
      throw error;
    }
  }
}

/** The invariants a commit must never break, checked on the file while no server has it open. */
function checkFile(dbPath: string): { integrity: string; problems: Record<string, number> } {
  const db = new Database(dbPath);
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '';
    const foreign = (db.pragma('foreign_key_check') as unknown[]).length;
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const problems: Record<string, number> = {
      'foreign key violations': foreign,
      'runs whose thread is missing': count('SELECT COUNT(*) AS n FROM runs WHERE thread_id NOT IN (SELECT id FROM threads)'),
      'messages whose thread is missing': count('SELECT COUNT(*) AS n FROM messages WHERE thread_id NOT IN (SELECT id FROM threads)'),
      'steps whose run is missing': count('SELECT COUNT(*) AS n FROM run_steps WHERE run_id NOT IN (SELECT id FROM runs)'),
      'completed messages with empty content': count(
        "SELECT COUNT(*) AS n FROM messages WHERE status = 'completed' AND (content = '[]' OR content LIKE '%\"value\":\"\"%')",
      ),
      'completed runs without usage': count("SELECT COUNT(*) AS n FROM runs WHERE status = 'completed' AND usage IS NULL"),
      'completed runs without completed_at': count("SELECT COUNT(*) AS n FROM runs WHERE status = 'completed' AND completed_at IS NULL"),
      'completed runs without a completed assistant message': count(
        "SELECT COUNT(*) AS n FROM runs r WHERE r.status = 'completed' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.run_id = r.id AND m.role = 'assistant' AND m.status = 'completed')",
      ),
      'ended runs with steps still in progress': count(
        "SELECT COUNT(*) AS n FROM run_steps s JOIN runs r ON r.id = s.run_id WHERE r.status IN ('completed','failed','cancelled','expired','incomplete') AND s.status = 'in_progress'",
      ),
      'ended runs with messages still in progress': count(
        "SELECT COUNT(*) AS n FROM messages m JOIN runs r ON r.id = m.run_id WHERE r.status IN ('completed','failed','cancelled','expired','incomplete') AND m.status = 'in_progress'",
      ),
      'requires_action runs without required_action': count(
        "SELECT COUNT(*) AS n FROM runs WHERE status = 'requires_action' AND required_action IS NULL",
      ),
      'threads with two active runs': count(
        "SELECT COUNT(*) AS n FROM (SELECT thread_id FROM runs WHERE status IN ('queued','in_progress','requires_action','cancelling') GROUP BY thread_id HAVING COUNT(*) > 1)",
      ),
    };
    return { integrity, problems };
  } finally {
    db.close();
  }
}

async function settle(base: string, run: RunRecord): Promise<RunShape> {
  let current: RunShape | undefined;
  for (let i = 0; i < 400; i++) {
    const res = await call<RunShape>(base, 'GET', `/v1/threads/${run.threadId}/runs/${run.id}`);
    expect(res.status, `run ${run.id} reads back`).toBe(200);
    current = res.body;
    if (TERMINAL.has(current.status)) return current;
    if (current.status === 'requires_action' && !run.outputsAcked) return current;
    await sleep(25);
  }
  throw new Error(`run ${run.id} did not settle: ${current?.status}`);
}

async function verifyReadBack(base: string, ledger: Ledger): Promise<void> {
  for (const id of ledger.assistants) expect((await call(base, 'GET', `/v1/assistants/${id}`)).status, `assistant ${id}`).toBe(200);
  for (const thread of ledger.threads.values()) {
    const got = await call<{ metadata: Record<string, string> }>(base, 'GET', `/v1/threads/${thread.id}`);
    expect(got.status, `thread ${thread.id} reads back`).toBe(200);
    const allowed = [thread.metadata.acked, ...thread.metadata.pending];
    expect(allowed, `thread ${thread.id} metadata`).toContain(got.body.metadata.n);
    const list = await call<{ data: { role: string; content: { text: { value: string } }[] }[] }>(
      base,
      'GET',
      `/v1/threads/${thread.id}/messages?limit=100&order=asc`,
    );
    expect(list.status).toBe(200);
    const texts = list.body.data.filter((m) => m.role === 'user').map((m) => m.content[0]?.text.value);
    for (const text of thread.texts) expect(texts, `message of ${thread.id}`).toContain(text);
  }
  for (const run of ledger.runs.values()) {
    const settled = await settle(base, run);
    if (run.outputsAcked) expect(settled.status, `run ${run.id} after acknowledged tool outputs`).toBe('completed');
    else if (run.kind === 'text') expect(settled.status, `text run ${run.id}`).toBe('completed');
    else expect(['requires_action', 'completed'], `tool run ${run.id}`).toContain(settled.status);
    if (settled.status === 'completed') expect(settled.usage?.total_tokens ?? 0).toBeGreaterThan(0);
  }
}

describe('crash: SIGKILL under load, restart on the same file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-crash-'));
  const dbPath = join(dir, 'crash.db');
  let child: Child | undefined;

  afterAll(async () => {
    await child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`loses no acknowledged write and leaves nothing half-written (${ROUNDS} rounds, seed ${SEED})`, { timeout: 240_000 }, async () => {
    const random = prng(SEED);
    const ledger: Ledger = { assistants: [], threads: new Map(), runs: new Map(), acked: 0, failedCalls: 0 };
    const killedAfter: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      child = await startChild(dbPath);
      // The previous round's writes are all there, and its runs finish or wait for outputs.
      await verifyReadBack(child.url, ledger);
      const assistant = await call<{ id: string }>(child.url, 'POST', '/v1/assistants', { model: 'gpt-4o', tools: [WEATHER_TOOL] });
      expect(assistant.status).toBe(200);
      ledger.assistants.push(assistant.body.id);

      const workers = Array.from({ length: WORKERS }, (_, i) => worker(child!.url, ledger, assistant.body.id, random, round * WORKERS + i));
      const delay = 300 + Math.floor(random() * 2_200);
      killedAfter.push(delay);
      await sleep(delay);
      await child.kill('SIGKILL');
      await Promise.all(workers);

      const { integrity, problems } = checkFile(dbPath);
      expect(integrity, `integrity_check after kill ${round + 1} (seed ${SEED})`).toBe('ok');
      for (const [what, n] of Object.entries(problems)) expect(n, `${what} after kill ${round + 1} (seed ${SEED})`).toBe(0);
    }
    child = await startChild(dbPath);
    await verifyReadBack(child.url, ledger);
    await child.kill('SIGTERM');
    const after = checkFile(dbPath);
    expect(after.integrity).toBe('ok');
    for (const [what, n] of Object.entries(after.problems)) expect(n, what).toBe(0);
    // The rounds did real work: several conversations each, cut in the middle.
    expect(ledger.acked).toBeGreaterThan(ROUNDS * 20);
    expect(ledger.failedCalls).toBeGreaterThan(0);
    process.stdout.write(
      `crash: ${ROUNDS} kills after ${killedAfter.join(', ')} ms; ${ledger.acked} acknowledged writes, ${ledger.threads.size} threads, ${ledger.runs.size} runs (seed ${SEED})\n`,
    );
  });
});
