/**
 * The SQLite side of a message create, in-process: what the create route runs against the bare
 * create baseline's one INSERT (bench/http.ts), in CPU time per call (`process.cpuUsage`, so that a
 * busy machine's waits do not count), the variants alternating for several rounds:
 * - baseline: one prepared INSERT into a one-table WAL database with the same pragmas;
 * - drizzle: the route as it was, drizzle's `db.transaction` around findActiveRun and insertMessage,
 *   on the schema before migration 0004 (messages_run indexing every row);
 * - store: inTransaction and activeRunId (src/store/database.ts, runs.ts), same schema;
 * - store + partial index: the same on the current schema (messages_run only rows with a run_id).
 * Each variant writes its own database file. Run: `npx tsx bench/create-sql.ts`.
 */
import { join } from 'node:path';
import { closeDatabase, inTransaction, openDatabase, WAL_AUTOCHECKPOINT_PAGES, type Db } from '../src/store/database.js';
import { insertMessage } from '../src/store/messages.js';
import { activeRunId, findActiveRun } from '../src/store/runs.js';
import { insertThread } from '../src/store/threads.js';
import { newId } from '../src/util/ids.js';
import { benchMessage, openBareMessages } from './create-fixtures.js';
import { median, removeDir, tempDir } from './lib.js';

const CALLS = 2_000;
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const FULL_RUN_INDEX = 'DROP INDEX messages_run; CREATE INDEX messages_run ON messages (run_id);';

const dir = tempDir();

function storeDb(name: string, schemaChange?: string): { db: Db; threadId: string } {
  const db = openDatabase(join(dir, name));
  if (schemaChange) db.$client.exec(schemaChange);
  const thread = insertThread(db, { id: newId('thread'), tenant: 'bench', createdAt: 1, toolResources: {}, metadata: {} });
  return { db, threadId: thread.id };
}

const bare = openBareMessages(join(dir, 'bare.db'), WAL_AUTOCHECKPOINT_PAGES);

const viaDrizzle = storeDb('drizzle.db', FULL_RUN_INDEX);
const viaStore = storeDb('store.db', FULL_RUN_INDEX);
const viaStorePartial = storeDb('store-partial.db');
const storeCreate = ({ db, threadId }: { db: Db; threadId: string }) =>
  inTransaction(db, () => {
    if (activeRunId(db, threadId) !== undefined) throw new Error('thread locked');
    return insertMessage(db, benchMessage(threadId));
  });

const variants: [string, () => unknown][] = [
  ['baseline: one INSERT', bare.insert],
  [
    'drizzle transaction, full index',
    () =>
      viaDrizzle.db.transaction(() => {
        if (findActiveRun(viaDrizzle.db, viaDrizzle.threadId)) throw new Error('thread locked');
        return insertMessage(viaDrizzle.db, benchMessage(viaDrizzle.threadId));
      }),
  ],
  ['store, full index', () => storeCreate(viaStore)],
  ['store, partial index', () => storeCreate(viaStorePartial)],
];

const perCall = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of round % 2 === 0 ? variants : [...variants].reverse()) {
    const start = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) fn();
    const used = process.cpuUsage(start);
    perCall.get(name)!.push((used.user + used.system) / CALLS);
  }
}
console.log(`CPU per call (µs), median of ${ROUNDS} rounds of ${CALLS} calls; the rounds:`);
for (const [name, values] of perCall) {
  console.log(`  ${name.padEnd(34)} ${median(values).toFixed(1).padStart(6)}   ${values.map((v) => v.toFixed(0)).join(' ')}`);
}
bare.close();
for (const { db } of [viaDrizzle, viaStore, viaStorePartial]) closeDatabase(db);
removeDir(dir);
