/**
 * Group commit of message creates (src/store/write-batch.ts): writes of one turn of the event loop
 * share one commit (fewer WAL pages), each rolls back alone, a failed commit stores none of them and
 * says so, closing the database commits what waits; and over HTTP, concurrent creates from the SDK
 * are all stored and answered in order, a create on a locked thread failing alone.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, inTransaction, openDatabase, type Db } from '../src/store/database.js';
import { insertMessage, listMessages } from '../src/store/messages.js';
import { commitWriteBatch, committed, inWriteBatch } from '../src/store/write-batch.js';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDatabase, userMessage, type TempDatabase } from './helpers/store.js';

let temp: TempDatabase;
let db: Db;
beforeEach(() => {
  temp = tempDatabase('am-batch-', [{ id: 'thread_b', tenant: 't' }]);
  db = temp.db;
});
afterEach(() => temp.remove());

const message = (id: string, threadId = 'thread_b') => userMessage(id, threadId, 't');

/** Empties the WAL so that the next writes are counted from a fresh log. */
const emptyWal = () => db.$client.pragma('wal_checkpoint(TRUNCATE)');
/** Frames in the WAL now (a passive checkpoint reports the log's length and copies what it can). */
const walFrames = (d: Db) => (d.$client.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0].log;
const ids = (d: Db) => listMessages(d, 't', 'thread_b', { order: 'asc', limit: 100 }).rows.map((r) => r.id);

describe('write batch', () => {
  it('commits the writes of one turn once: fewer WAL pages than a commit each', async () => {
    emptyWal();
    const before = walFrames(db);
    for (let i = 0; i < 10; i++) inTransaction(db, () => insertMessage(db, message(`msg_single${i}`)));
    const single = walFrames(db) - before;

    emptyWal();
    const start = walFrames(db);
    for (let i = 0; i < 10; i++) inWriteBatch(db, () => insertMessage(db, message(`msg_batch${i}`)));
    expect(db.$client.inTransaction).toBe(true); // not committed yet: nobody may be answered
    await committed(db);
    expect(db.$client.inTransaction).toBe(false);
    const batched = walFrames(db) - start;

    expect(single).toBeGreaterThanOrEqual(30); // three pages a create: the table and two indexes
    expect(batched).toBeLessThanOrEqual(4);
    expect(ids(db)).toHaveLength(20);
  });

  it('rolls back a write that throws, alone; the others of the batch are stored', async () => {
    inWriteBatch(db, () => insertMessage(db, message('msg_a')));
    expect(() =>
      inWriteBatch(db, () => {
        insertMessage(db, message('msg_b'));
        throw new Error('thread locked');
      }),
    ).toThrow('thread locked');
    inWriteBatch(db, () => insertMessage(db, message('msg_c')));
    await committed(db);
    expect(ids(db)).toEqual(['msg_a', 'msg_c']);
  });

  it('a commit that fails stores nothing of the batch, and those waiting are told', async () => {
    inWriteBatch(db, () => insertMessage(db, message('msg_kept_not')));
    inWriteBatch(db, () => {
      // Checked at COMMIT: a message of a thread that does not exist.
      db.$client.pragma('defer_foreign_keys = ON');
      insertMessage(db, message('msg_orphan', 'thread_missing'));
    });
    await expect(committed(db)).rejects.toThrow(/FOREIGN KEY/);
    expect(db.$client.inTransaction).toBe(false);
    expect(ids(db)).toEqual([]);
    // The next batch starts afresh.
    inWriteBatch(db, () => insertMessage(db, message('msg_after')));
    await committed(db);
    expect(ids(db)).toEqual(['msg_after']);
  });

  it('closing the database commits what is waiting', () => {
    inWriteBatch(db, () => insertMessage(db, message('msg_at_close')));
    closeDatabase(db);
    db = temp.db = openDatabase(temp.path);
    expect(ids(db)).toEqual(['msg_at_close']);
    commitWriteBatch(db); // nothing open: a no-op
  });
});

describe('message creates over HTTP, committed together', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ apiKey: 'sk-batch', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.stop());

  it('answers every concurrent create with its stored message, in the order they were stored', async () => {
    const thread = await client.beta.threads.create();
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.beta.threads.messages.create(thread.id, { role: 'user', content: `m${i}` })),
    );
    const listed = await client.beta.threads.messages.list(thread.id, { order: 'asc', limit: 100 });
    expect(listed.data.map((m) => m.id).sort()).toEqual(created.map((m) => m.id).sort());
    for (const message of created) expect(listed.data.find((m) => m.id === message.id)).toEqual(message);
  });

  it('a create on a thread with an active run fails alone among concurrent creates', async () => {
    const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [WEATHER_TOOL] });
    const busy = await client.beta.threads.create({ messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    const free = await client.beta.threads.create();
    const run = await client.beta.threads.runs.createAndPoll(busy.id, { assistant_id: assistant.id });
    expect(run.status).toBe('requires_action');
    const results = await Promise.allSettled([
      client.beta.threads.messages.create(free.id, { role: 'user', content: 'one' }),
      client.beta.threads.messages.create(busy.id, { role: 'user', content: 'blocked' }),
      client.beta.threads.messages.create(free.id, { role: 'user', content: 'two' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ status: 400 });
    const listed = await client.beta.threads.messages.list(free.id);
    expect(listed.data.map((m) => m.content[0].type === 'text' && m.content[0].text.value).sort()).toEqual(['one', 'two']);
    expect((await client.beta.threads.messages.list(busy.id)).data).toHaveLength(1); // the question alone
  });
});
