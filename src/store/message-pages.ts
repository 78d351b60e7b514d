/**
 * Pages of messages as the API sends them, serialized once and kept until their thread's messages
 * change (listSerializedMessages in src/store/messages.ts; docs/benchmarks.md, "Where the time goes").
 *
 * Why whole pages and not each message's rendering: a page was mostly SQLite materializing 21 rows of
 * 15 columns and the pretty-printed JSON. Renderings kept per message (the page then the ids from the
 * `(thread_id, seq)` index and a concatenation) were measured too, and reached 0.24-0.33x of the bare
 * route against 0.63-0.66x for whole pages: the ids query still costs ~20 µs of SQLite and
 * better-sqlite3, and every answer is a new 12 KB string that the request journal keeps, which the
 * garbage collector then copies (~70 µs a request at the default journal size). A kept page is one
 * string shared by every answer and journal entry. The price: any write to a thread's messages drops
 * all of its pages (a streamed run's message grows on every delta), so a page read while a thread
 * changes costs what it did before.
 *
 * A page stays valid as long as the thread's messages and their attached files do, and every write of
 * those goes through the store and forgets the thread's pages: insertMessage, updateMessage,
 * deleteMessage, addMessageFiles (src/store/messages.ts), discardUnfinishedTurn (runs.ts),
 * deleteThread (threads.ts); deleteFile (files.ts) and a reset (src/admin/reset.ts) forget every page.
 * As with the thread cache (src/store/threads.ts), a page read inside a transaction is not kept (it
 * could still be rolled back), and neither is one placed by a deleted object's remembered cursor (it
 * can change without a write to the thread). One server owns the database file
 * (src/store/file-guards.ts), so no other process writes behind the cache.
 */
import type { Db } from './database.js';

interface KeptPages {
  /** By thread, each thread's pages by their key; the thread kept longest first (a Map keeps insertion order). */
  byThread: Map<string, Map<string, string>>;
  pages: number;
  chars: number;
}

/** Bounds, all threads together; past either the pages of the thread kept longest go first. */
export const KEPT_MESSAGE_PAGES = 10_000;
export const KEPT_MESSAGE_PAGE_CHARS = 32 * 1024 * 1024;

const byDb = new WeakMap<Db, KeptPages>();

export function keptMessagePage(db: Db, threadId: string, key: string): string | undefined {
  return byDb.get(db)?.byThread.get(threadId)?.get(key);
}

/** Keeps a page just serialized from rows read outside a transaction (inside one nothing is kept). */
export function keepMessagePage(db: Db, threadId: string, key: string, text: string): void {
  if (db.$client.inTransaction) return;
  let kept = byDb.get(db);
  if (!kept) byDb.set(db, (kept = { byThread: new Map(), pages: 0, chars: 0 }));
  let pages = kept.byThread.get(threadId);
  if (!pages) kept.byThread.set(threadId, (pages = new Map()));
  const previous = pages.get(key);
  if (previous !== undefined) {
    kept.pages--;
    kept.chars -= previous.length;
  }
  pages.set(key, text);
  kept.pages++;
  kept.chars += text.length;
  while (kept.pages > KEPT_MESSAGE_PAGES || kept.chars > KEPT_MESSAGE_PAGE_CHARS) {
    forget(kept, kept.byThread.keys().next().value as string);
  }
}

function forget(kept: KeptPages, threadId: string): void {
  const pages = kept.byThread.get(threadId);
  if (!pages) return;
  kept.byThread.delete(threadId);
  kept.pages -= pages.size;
  for (const text of pages.values()) kept.chars -= text.length;
}

/** Forgets every kept page of a thread: call on every write of its messages or of their attached files. */
export function forgetMessagePages(db: Db, threadId: string): void {
  const kept = byDb.get(db);
  if (kept) forget(kept, threadId);
}

/** Forgets every kept page of the database (after writes that cannot say which threads they touched). */
export function forgetAllMessagePages(db: Db): void {
  byDb.delete(db);
}

/** How many pages are kept (tests and diagnostics). */
export function keptMessagePageCount(db: Db): number {
  return byDb.get(db)?.pages ?? 0;
}
