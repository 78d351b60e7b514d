/**
 * What `wal_autocheckpoint` (the WAL size, in pages, at which a commit checkpoints inline) does to a
 * message create's SQLite work and to the create baseline's one INSERT (bench/http.ts), in wall time
 * per call: the checkpoint's `fsync`s are waits, not CPU, so bench/create-sql.ts does not see them.
 * One process, the values alternating for several rounds, each on a fresh database file; the loop
 * yields to the event loop every 20 calls, as a server would. Run: `npx tsx bench/wal-autocheckpoint.ts`.
 */
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { closeDatabase, inTransaction, openDatabase } from '../src/store/database.js';
import { insertMessage } from '../src/store/messages.js';
import { activeRunId } from '../src/store/runs.js';
import { insertThread } from '../src/store/threads.js';
import { newId } from '../src/util/ids.js';
import { benchMessage, openBareMessages } from './create-fixtures.js';
import { median, removeDir, tempDir } from './lib.js';

const CALLS = Number(process.env.CALLS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PAGES = [1000, 2000, 4000, 10_000];

const dir = tempDir();
const results = new Map<string, number[]>();

async function timed(name: string, call: () => unknown): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) {
    call();
    if (i % 20 === 0) await yieldToEventLoop();
  }
  const perCall = ((performance.now() - t0) * 1000) / CALLS;
  results.set(name, [...(results.get(name) ?? []), perCall]);
}

async function storeCreates(pages: number, round: number): Promise<void> {
  const db = openDatabase(join(dir, `store-${pages}-${round}.db`));
  db.$client.pragma(`wal_autocheckpoint = ${pages}`);
  const thread = insertThread(db, { id: newId('thread'), tenant: 'bench', createdAt: 1, toolResources: {}, metadata: {} });
  await timed(`message create, wal_autocheckpoint ${pages}`, () =>
    inTransaction(db, () => {
      if (activeRunId(db, thread.id) !== undefined) throw new Error('thread locked');
      return insertMessage(db, benchMessage(thread.id));
    }),
  );
  closeDatabase(db);
}

async function bareInserts(pages: number, round: number): Promise<void> {
  const bare = openBareMessages(join(dir, `bare-${pages}-${round}.db`), pages);
  await timed(`baseline INSERT, wal_autocheckpoint ${pages}`, bare.insert);
  bare.close();
}

for (let round = 0; round < ROUNDS; round++)
  for (const pages of PAGES) {
    await bareInserts(pages, round);
    await storeCreates(pages, round);
  }
for (const [name, perCall] of results)
  console.log(
    `${name.padEnd(42)} median ${median(perCall).toFixed(1)} µs per call (rounds: ${perCall.map((x) => x.toFixed(0)).join(', ')})`,
  );
removeDir(dir);
