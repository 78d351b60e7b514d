/**
 * The store's hand-written fast paths against drizzle's own reading of the same rows: a column added
 * to the schema, renamed, or mapped differently must fail here, not serve a thread without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, getTableColumns } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../src/store/database.js';
import { insertMessage, listMessages } from '../src/store/messages.js';
import { threads } from '../src/store/schema.js';
import { deleteTenantRows } from '../src/admin/reset.js';
import {
  cachedThreadCount,
  deleteThread,
  findThread,
  insertThread,
  THREAD_CACHE_SIZE,
  updateThread,
  type NewThread,
} from '../src/store/threads.js';

let dir: string;
let db: Db;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'am-store-'));
  db = openDatabase(join(dir, 'store.db'));
});
afterAll(() => {
  closeDatabase(db);
  rmSync(dir, { recursive: true, force: true });
});

function drizzleThread(tenant: string, id: string) {
  return db
    .select()
    .from(threads)
    .where(and(eq(threads.id, id), eq(threads.tenant, tenant)))
    .get();
}

describe('findThread (raw statement, read-through cache)', () => {
  const rows: NewThread[] = [
    { id: 'thread_plain', tenant: 't1', createdAt: 1_700_000_000, toolResources: null, metadata: {} },
    {
      id: 'thread_full',
      tenant: 't1',
      createdAt: 1_700_000_001,
      toolResources: { file_search: { vector_store_ids: ['vs_1'] }, code_interpreter: { file_ids: ['file-1', 'file-2'] } },
      metadata: { suite: 'smoke', ünï: '✓ "quoted"' },
    },
  ];

  it('reads every column exactly as drizzle reads it', () => {
    for (const row of rows) {
      insertThread(db, row);
      const fast = findThread(db, row.tenant, row.id);
      expect(fast).toEqual(drizzleThread(row.tenant, row.id));
      expect(fast).toMatchObject(row);
    }
  });

  it('maps every column of the schema, and only those', () => {
    const fast = findThread(db, 't1', 'thread_full');
    expect(Object.keys(fast ?? {}).sort()).toEqual(Object.keys(getTableColumns(threads)).sort());
  });

  it("keeps tenants apart and answers undefined for an unknown id, as drizzle's query does", () => {
    expect(findThread(db, 't2', 'thread_full')).toBeUndefined();
    expect(findThread(db, 't1', 'thread_none')).toBeUndefined();
    expect(drizzleThread('t2', 'thread_full')).toBeUndefined();
  });

  it('serves a second database its own statement', () => {
    const other = openDatabase(':memory:');
    try {
      expect(findThread(other, 't1', 'thread_full')).toBeUndefined();
      insertThread(other, { ...rows[1], metadata: { other: 'db' } });
      expect(findThread(other, 't1', 'thread_full')?.metadata).toEqual({ other: 'db' });
      expect(findThread(db, 't1', 'thread_full')?.metadata).toEqual(rows[1].metadata);
    } finally {
      closeDatabase(other);
    }
  });

  it('forgets a thread that is updated or deleted, so no read after a write sees the old row', () => {
    insertThread(db, { id: 'thread_changes', tenant: 't1', createdAt: 1, toolResources: null, metadata: { v: '1' } });
    expect(findThread(db, 't1', 'thread_changes')?.metadata).toEqual({ v: '1' }); // now cached
    updateThread(db, 't1', 'thread_changes', { metadata: { v: '2' } });
    expect(findThread(db, 't1', 'thread_changes')?.metadata).toEqual({ v: '2' });
    updateThread(db, 't1', 'thread_changes', { toolResources: { code_interpreter: { file_ids: ['file-9'] } } });
    expect(findThread(db, 't1', 'thread_changes')).toEqual(drizzleThread('t1', 'thread_changes'));
    expect(deleteThread(db, 't1', 'thread_changes')).toBe(true);
    expect(findThread(db, 't1', 'thread_changes')).toBeUndefined();
  });

  it('forgets every thread after a reset, whose deletes bypass the store module', () => {
    insertThread(db, { id: 'thread_reset', tenant: 't3', createdAt: 1, toolResources: null, metadata: {} });
    expect(findThread(db, 't3', 'thread_reset')).toBeDefined();
    deleteTenantRows(db, 't3');
    expect(findThread(db, 't3', 'thread_reset')).toBeUndefined();
  });

  it('never caches a row read inside a transaction that is then rolled back', () => {
    const create = db.$client.transaction(() => {
      insertThread(db, { id: 'thread_ghost', tenant: 't1', createdAt: 1, toolResources: null, metadata: {} });
      expect(findThread(db, 't1', 'thread_ghost')).toBeDefined();
      throw new Error('roll back');
    });
    expect(() => create()).toThrow('roll back');
    expect(findThread(db, 't1', 'thread_ghost')).toBeUndefined();
    expect(drizzleThread('t1', 'thread_ghost')).toBeUndefined();
  });

  it('an update rolled back leaves the committed row visible', () => {
    insertThread(db, { id: 'thread_keep', tenant: 't1', createdAt: 1, toolResources: null, metadata: { v: 'committed' } });
    expect(findThread(db, 't1', 'thread_keep')?.metadata).toEqual({ v: 'committed' });
    const modify = db.$client.transaction(() => {
      updateThread(db, 't1', 'thread_keep', { metadata: { v: 'rolled back' } });
      expect(findThread(db, 't1', 'thread_keep')?.metadata).toEqual({ v: 'rolled back' });
      throw new Error('roll back');
    });
    expect(() => modify()).toThrow('roll back');
    expect(findThread(db, 't1', 'thread_keep')?.metadata).toEqual({ v: 'committed' });
  });

  it('hands out frozen rows: a caller cannot change the cached thread for the next one', () => {
    const row = findThread(db, 't1', 'thread_full');
    expect(Object.isFrozen(row)).toBe(true);
    expect(() => {
      (row?.metadata as Record<string, string>).suite = 'changed';
    }).toThrow(TypeError);
    expect(findThread(db, 't1', 'thread_full')?.metadata).toEqual(rows[1].metadata);
  });

  it('stays bounded: past its size the oldest cached rows go, and are read again from the file', () => {
    const many = THREAD_CACHE_SIZE + 5;
    db.$client.transaction(() => {
      for (let i = 0; i < many; i++)
        insertThread(db, { id: `thread_many_${i}`, tenant: 't4', createdAt: i, toolResources: null, metadata: {} });
    })();
    for (let i = 0; i < many; i++) expect(findThread(db, 't4', `thread_many_${i}`)?.createdAt).toBe(i);
    expect(cachedThreadCount(db)).toBe(THREAD_CACHE_SIZE);
    expect(findThread(db, 't4', 'thread_many_0')?.createdAt).toBe(0);
  });
});

describe('listPage (one prepared query per list shape)', () => {
  const THREAD = 'thread_pages';
  const ids: { id: string; runId: string | null }[] = [];

  beforeAll(() => {
    insertThread(db, { id: THREAD, tenant: 'p', createdAt: 1, toolResources: null, metadata: {} });
    insertThread(db, { id: 'thread_pages_other', tenant: 'p', createdAt: 1, toolResources: null, metadata: {} });
    const message = (id: string, threadId: string, runId: string | null) =>
      insertMessage(db, {
        id,
        tenant: 'p',
        threadId,
        createdAt: 1, // all in the same second: the order must come from seq
        role: 'user',
        status: 'completed',
        content: [],
        attachments: null,
        assistantId: null,
        runId,
        metadata: {},
        completedAt: null,
        incompleteAt: null,
        incompleteDetails: null,
      });
    for (let i = 0; i < 12; i++) {
      const runId = i % 3 === 0 ? 'run_a' : null;
      message(`msg_p${String(i).padStart(2, '0')}`, THREAD, runId);
      ids.push({ id: `msg_p${String(i).padStart(2, '0')}`, runId });
      message(`msg_o${i}`, 'thread_pages_other', runId); // interleaved rows of another thread
    }
  });

  /** The pagination rules (LIMITS.md section 2) computed on the whole list in memory. */
  function expected(order: 'asc' | 'desc', limit: number, after?: string, before?: string, runId?: string) {
    let list = ids.filter((m) => !runId || m.runId === runId).map((m) => m.id);
    if (order === 'desc') list = list.reverse();
    const from = after ? list.indexOf(after) + 1 : 0;
    const to = before ? list.indexOf(before) : list.length;
    const candidates = list.slice(from, Math.max(from, to));
    const nearBefore = before !== undefined && after === undefined;
    const page = nearBefore ? candidates.slice(-limit) : candidates.slice(0, limit);
    return { ids: page, hasMore: candidates.length > limit };
  }

  it('answers every combination of order, limit, cursors and filter as the rules say, across repeated shapes', () => {
    let checked = 0;
    for (const runId of [undefined, 'run_a']) {
      const scoped = ids.filter((m) => !runId || m.runId === runId).map((m) => m.id);
      const cursors = [undefined, scoped[0], scoped[1], scoped[Math.floor(scoped.length / 2)], scoped[scoped.length - 1]];
      for (const order of ['asc', 'desc'] as const)
        for (const limit of [1, 2, 5, 20])
          for (const after of cursors)
            for (const before of cursors) {
              const page = listMessages(db, 'p', THREAD, { order, limit, after, before, run_id: runId });
              const want = expected(order, limit, after, before, runId);
              expect(
                { ids: page.rows.map((r) => r.id), hasMore: page.hasMore },
                JSON.stringify({ order, limit, after, before, runId }),
              ).toEqual(want);
              checked++;
            }
    }
    expect(checked).toBe(2 * 2 * 4 * 5 * 5);
  });

  it('keeps tenants and threads apart, and refuses a cursor from another list', () => {
    expect(listMessages(db, 'other-tenant', THREAD, {}).rows).toEqual([]);
    expect(() => listMessages(db, 'p', THREAD, { after: 'msg_o1' })).toThrow("No object found with id 'msg_o1' in this list.");
    expect(() => listMessages(db, 'p', THREAD, { before: 'msg_p01', run_id: 'run_a' })).toThrow(/msg_p01/);
  });
});
