/**
 * Message numbers (messages.seq, the order of a thread's messages and of its list pages), handed out
 * by the store rather than by SQLite's AUTOINCREMENT, which rewrote sqlite_sequence, a page of its
 * own, on every insert (src/store/schema.ts).
 *
 * A number is never handed out twice, as with AUTOINCREMENT: a list cursor naming a deleted message
 * is placed by the number it had (src/store/deleted-cursors.ts), and a new message with that number
 * would be skipped by it. SQLite's own rowid would be the largest plus one, the number of a deleted
 * last message again. So the next number is counted here, in memory, from the largest in use or
 * remembered for a deleted message when the database was opened. Only one server opens a database
 * file at a time (src/store/file-guards.ts) and only insertMessage writes messages, so the count cannot
 * be overtaken.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

const nextSeq = new WeakMap<Db, number>();

/** The number for the next message of any thread of `db`. */
export function takeMessageSeq(db: Db): number {
  let next = nextSeq.get(db);
  if (next === undefined) next = largestMessageSeq(db) + 1;
  nextSeq.set(db, next + 1);
  return next;
}

function largestMessageSeq(db: Db): number {
  const row = db.get<{ largest: number | null }>(
    sql`SELECT max(coalesce((SELECT max(seq) FROM messages), 0), coalesce((SELECT max(position) FROM deleted_cursors WHERE list = 'messages'), 0)) AS largest`,
  );
  return row?.largest ?? 0;
}
