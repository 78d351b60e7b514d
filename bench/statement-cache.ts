/**
 * Does the statement cache of src/store/database.ts (`sqlite.prepare` kept by SQL text) still pay
 * for itself? First what it saves per call: preparing the store's message INSERT and a drizzle-built
 * run UPDATE, from the cache and compiled by SQLite. Then the store's paths through it (a page of 20
 * messages, a message insert, a message update), with the cache and with better-sqlite3's own
 * `prepare` put back; on a busy machine these whole-path timings are noisy (the commit dominates).
 * Run: `npx tsx bench/statement-cache.ts`.
 */
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../src/store/database.js';
import { insertMessage, listMessages, updateMessage } from '../src/store/messages.js';
import { insertThread } from '../src/store/threads.js';
import { newId } from '../src/util/ids.js';
import { removeDir, tempDir } from './lib.js';

const TENANT = 'bench';

function timePerCall(name: string, iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(500, iterations); i++) fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
  console.log(`  ${name.padEnd(28)} ${us.toFixed(1)} µs`);
  return us;
}

function run(label: string, db: Db): Record<string, number> {
  console.log(label);
  const thread = insertThread(db, { id: newId('thread'), tenant: TENANT, createdAt: 1, toolResources: {}, metadata: {} });
  const message = (i: number) => ({
    id: newId('message'),
    tenant: TENANT,
    threadId: thread.id,
    createdAt: i,
    role: 'user' as const,
    status: 'completed' as const,
    content: [{ type: 'text', text: { value: `message ${i}`, annotations: [] } }],
    attachments: [],
    assistantId: null,
    runId: null,
    metadata: {},
    completedAt: null,
    incompleteAt: null,
    incompleteDetails: null,
  });
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) ids.push(insertMessage(db, message(i)).id);
  return {
    list: timePerCall('list a page of 20 messages', 5_000, () => listMessages(db, TENANT, thread.id, { limit: 20, order: 'desc' })),
    insert: timePerCall('insert a message', 5_000, (i) => insertMessage(db, message(1000 + i))),
    update: timePerCall('update a message', 5_000, (i) => updateMessage(db, ids[i % ids.length]!, { metadata: { n: String(i) } })),
  };
}

function prepareCost(db: Db): void {
  const insert = `INSERT INTO messages (id, tenant, thread_id, created_at, role, status, content, attachments, assistant_id,
  run_id, metadata, completed_at, incomplete_at, incomplete_details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const update =
    'update "runs" set "status" = ?, "usage" = ? where "runs"."id" = ? returning "seq", "id", "tenant", "thread_id", "assistant_id", "created_at", "status"';
  const compile = Object.getPrototypeOf(db.$client).prepare as (source: string) => unknown;
  console.log('preparing a statement');
  for (const [name, sql] of [
    ['message INSERT', insert],
    ['run UPDATE (drizzle)', update],
  ] as const) {
    timePerCall(`${name}, cached`, 20_000, () => db.$client.prepare(sql));
    timePerCall(`${name}, compiled`, 20_000, () => compile.call(db.$client, sql));
  }
}

/** Each setting twice, alternating, on a fresh file: the first round also warms the JIT up. */
const dir = tempDir();
try {
  const probe = openDatabase(join(dir, 'probe.db'));
  prepareCost(probe);
  closeDatabase(probe);
  const results: Record<'cache' | 'plain', Record<string, number>[]> = { cache: [], plain: [] };
  for (let round = 0; round < 2; round++) {
    for (const setting of ['cache', 'plain'] as const) {
      const db = openDatabase(join(dir, `${setting}-${round}.db`));
      // The cache is an own property over better-sqlite3's prototype method: removing it restores `prepare`.
      if (setting === 'plain') delete (db.$client as unknown as { prepare?: unknown }).prepare;
      results[setting].push(
        run(`round ${round + 1}, ${setting === 'cache' ? 'with the statement cache' : "better-sqlite3's own prepare"}`, db),
      );
      closeDatabase(db);
    }
  }
  const [withCache, without] = [results.cache[1]!, results.plain[1]!];
  for (const key of Object.keys(withCache))
    console.log(`${key}: ${(without[key]! / withCache[key]!).toFixed(2)}x the time without the cache (round 2)`);
} finally {
  removeDir(dir);
}
