/**
 * A child process for test/store-checkpointer.test.ts: opens the database file of argv[2] as the
 * server does (openDatabase, so with its WAL checkpointer) and commits rows until it is killed,
 * writing each committed row's id to stdout, and `active` once the checkpointer's worker has
 * checkpointed. Run with `node --import tsx`.
 */
import { writeSync } from 'node:fs';
import { setImmediate as yieldToTimers } from 'node:timers/promises';
import { checkpointerOf, openDatabase } from '../../src/store/database.js';

const db = openDatabase(process.argv[2]);
db.$client.exec('CREATE TABLE IF NOT EXISTS written (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
const insert = db.$client.prepare('INSERT INTO written (body) VALUES (?)');
const body = 'x'.repeat(3000);
let told = false;
for (;;) {
  for (let i = 0; i < 20; i++) writeSync(1, `${insert.run(body).lastInsertRowid}\n`);
  if (!told && (checkpointerOf(db)?.checkpoints ?? 0) > 0) {
    writeSync(1, 'active\n');
    told = true;
  }
  await yieldToTimers(); // lets the WAL watch's timer run
}
