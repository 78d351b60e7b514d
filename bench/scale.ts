/**
 * Scale: list latency (first page, limit 20) on a thread of 100 messages against one of 100,000, and
 * retrieve latency with 1,000,000 message rows in the store against a store of 100.
 *
 * The large database is written before its server starts, straight into the SQLite file through the
 * server's own migrations and prepared statements in large transactions (an API client would need
 * hours). Rows are interleaved across threads, as a long-lived server's would be, so one thread's
 * messages are spread over the whole file rather than packed together.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ANONYMOUS_TENANT } from '../src/http/compat.js';
import { closeDatabase, openDatabase } from '../src/store/database.js';
import { newId } from '../src/util/ids.js';
import { median, MiB, percentile, removeDir, sequentialLatencies, spawnMock, tempDir } from './lib.js';

export interface Latency {
  name: string;
  p50: number;
  p99: number;
}

export interface ScaleResult {
  totalRows: number;
  bigThreadRows: number;
  smallThreadRows: number;
  buildMs: number;
  dbMiB: number;
  startOnBigMs: number;
  samples: number;
  small: Latency[];
  big: Latency[];
}

interface Seeded {
  small: { id: string; middle: string; any: string };
  big: { id: string; middle: string; any: string };
}

function content(i: number): string {
  return JSON.stringify([{ type: 'text', text: { value: `Message number ${i} of the benchmark thread.`, annotations: [] } }]);
}

/**
 * Writes `fillerThreads` threads of `perFiller` messages, one thread of `big` messages and one of 100,
 * interleaved. Returns the ids the benchmark asks for.
 */
function buildDatabase(path: string, big: number, fillerThreads: number, perFiller: number): Seeded {
  closeDatabase(openDatabase(path)); // creates the schema through the real migrations
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const now = Math.floor(Date.now() / 1000);
  const insertThread = db.prepare('INSERT INTO threads (id, tenant, created_at, tool_resources, metadata) VALUES (?, ?, ?, ?, ?)');
  const insertMessage = db.prepare(
    `INSERT INTO messages (id, tenant, thread_id, created_at, role, status, content, attachments, assistant_id, run_id, metadata,
       completed_at, incomplete_at, incomplete_details) VALUES (?, ?, ?, ?, ?, 'completed', ?, '[]', NULL, NULL, '{}', NULL, NULL, NULL)`,
  );
  const smallId = newId('thread');
  const bigId = newId('thread');
  const fillers = Array.from({ length: fillerThreads }, () => newId('thread'));
  const ids: Record<string, string[]> = { [smallId]: [], [bigId]: [] };
  const add = (threadId: string, i: number) => {
    const id = newId('message');
    insertMessage.run(id, ANONYMOUS_TENANT, threadId, now, i % 2 === 0 ? 'user' : 'assistant', content(i));
    return id;
  };
  db.transaction(() => {
    for (const id of [smallId, bigId, ...fillers]) insertThread.run(id, ANONYMOUS_TENANT, now, '{}', '{}');
  })();
  // Round r writes big/rounds messages of the big thread and one message of each filler thread.
  const rounds = perFiller;
  const bigPerRound = Math.ceil(big / rounds);
  const smallEvery = Math.max(1, Math.floor(rounds / 100));
  let bigDone = 0;
  let smallDone = 0;
  const round = db.transaction((r: number) => {
    for (let k = 0; k < bigPerRound && bigDone < big; k++, bigDone++) {
      const id = add(bigId, bigDone);
      if (bigDone === Math.floor(big / 2) || bigDone === 0) ids[bigId].push(id);
    }
    for (const filler of fillers) add(filler, r);
    if (r % smallEvery === 0 && smallDone < 100) {
      const id = add(smallId, smallDone);
      if (smallDone === 50 || smallDone === 0) ids[smallId].push(id);
      smallDone++;
    }
  });
  for (let r = 0; r < rounds; r++) round(r);
  db.transaction(() => {
    for (; smallDone < 100; smallDone++) add(smallId, smallDone);
    for (; bigDone < big; bigDone++) add(bigId, bigDone);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    small: { id: smallId, any: ids[smallId][0], middle: ids[smallId][1] ?? ids[smallId][0] },
    big: { id: bigId, any: ids[bigId][0], middle: ids[bigId][1] ?? ids[bigId][0] },
  };
}

function cases(base: string, seeded: Seeded['small']): [string, string][] {
  const thread = `${base}/v1/threads/${seeded.id}`;
  return [
    ['list messages, first page (limit 20)', `${thread}/messages?limit=20`],
    ['list messages, first page, order=asc', `${thread}/messages?limit=20&order=asc`],
    ['list messages, page after a cursor mid-thread', `${thread}/messages?limit=20&after=${seeded.middle}`],
    ['retrieve message', `${thread}/messages/${seeded.any}`],
    ['retrieve thread', thread],
  ];
}

/**
 * Latencies of each case for each of `targets`, in alternating blocks (a block of every target, then
 * the next block), so that warm-up and the machine's mood fall on all of them alike.
 */
async function measure(targets: [string, string][][], samples: number, blocks = 5): Promise<Latency[][]> {
  const per = Math.ceil(samples / blocks);
  const values = targets.map((list) => list.map(() => [] as number[]));
  for (const list of targets) for (const [, url] of list) await sequentialLatencies(url, 0, 100);
  for (let b = 0; b < blocks; b++) {
    for (let c = 0; c < targets[0].length; c++) {
      for (let t = 0; t < targets.length; t++) values[t][c].push(...(await sequentialLatencies(targets[t][c][1], per, 0)));
    }
  }
  return targets.map((list, t) => list.map(([name], c) => ({ name, p50: median(values[t][c]), p99: percentile(values[t][c], 99) })));
}

export async function benchScale(samples = 1_000, big = 100_000, fillerThreads = 900, perFiller = 1_000): Promise<ScaleResult> {
  const dir = tempDir();
  try {
    const smallPath = join(dir, 'small.db');
    const smallSeed = buildDatabase(smallPath, 0, 0, 100);
    const smallServer = await spawnMock({ dbPath: smallPath });
    let small: Latency[];
    try {
      [small] = await measure([cases(smallServer.url, smallSeed.small)], samples);
    } finally {
      await smallServer.kill();
    }

    const bigPath = join(dir, 'big.db');
    const t0 = performance.now();
    const bigSeed = buildDatabase(bigPath, big, fillerThreads, perFiller);
    const buildMs = performance.now() - t0;
    const bigServer = await spawnMock({ dbPath: bigPath });
    let bigFigures: Latency[];
    try {
      const [onSmall, onBig] = await measure([cases(bigServer.url, bigSeed.small), cases(bigServer.url, bigSeed.big)], samples);
      bigFigures = [
        ...onSmall.map((l) => ({ ...l, name: `100-message thread: ${l.name}` })),
        ...onBig.map((l) => ({ ...l, name: `${big.toLocaleString('en-US')}-message thread: ${l.name}` })),
      ];
    } finally {
      await bigServer.kill();
    }
    return {
      totalRows: big + fillerThreads * perFiller + 100,
      bigThreadRows: big,
      smallThreadRows: 100,
      buildMs,
      dbMiB: statSync(bigPath).size / MiB,
      startOnBigMs: bigServer.startMs,
      samples,
      small,
      big: bigFigures,
    };
  } finally {
    removeDir(dir);
  }
}
