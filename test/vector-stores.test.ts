/**
 * Vector stores, vector store files and file batches through the official SDKs. In 4.104 the vector
 * stores live at `client.vectorStores` (they left `client.beta` in 4.9x), as in 7.x; both reach
 * /v1/vector_stores with `OpenAI-Beta: assistants=v2`.
 */
import OpenAI, { toFile } from 'openai';
import OpenAIv7, { toFile as toFileV7 } from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let v4: OpenAI;
let v7: OpenAIv7;

beforeAll(async () => {
  server = await startTestServer();
  v4 = new OpenAI({ apiKey: 'vs-key-a', baseURL: server.baseURL, maxRetries: 0 });
  v7 = new OpenAIv7({ apiKey: 'vs-key-a', baseURL: server.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
});

const text = (s: string, name = 'doc.txt') => toFile(Buffer.from(s), name);

async function upload(client: OpenAI, content: string | Buffer, name = 'doc.txt') {
  return client.files.create({
    file: await toFile(typeof content === 'string' ? Buffer.from(content) : content, name),
    purpose: 'assistants',
  });
}

/** Polls a vector store until no file is in progress (the SDK has no store-level poller). */
async function settled(client: OpenAI, id: string) {
  for (let i = 0; i < 200; i++) {
    const store = await client.vectorStores.retrieve(id);
    if (store.status !== 'in_progress') return store;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`vector store ${id} still in progress`);
}

describe('vector stores', () => {
  it('creates, retrieves, lists, modifies and deletes (4.x)', async () => {
    const created = await v4.vectorStores.create({ name: 'handbook', metadata: { team: 'docs' } });
    expect(created).toEqual({
      id: expect.stringMatching(/^vs_[A-Za-z0-9]{24}$/),
      object: 'vector_store',
      created_at: expect.any(Number),
      name: 'handbook',
      usage_bytes: 0,
      file_counts: { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 },
      status: 'completed',
      last_active_at: created.created_at,
      metadata: { team: 'docs' },
      expires_after: null,
      expires_at: null,
    });
    expect(await v4.vectorStores.retrieve(created.id)).toEqual(created);

    const modified = await v4.vectorStores.update(created.id, {
      name: 'handbook v2',
      metadata: { team: 'eng' },
      expires_after: { anchor: 'last_active_at', days: 3 },
    });
    expect(modified.name).toBe('handbook v2');
    expect(modified.metadata).toEqual({ team: 'eng' });
    expect(modified.expires_after).toEqual({ anchor: 'last_active_at', days: 3 });
    expect(modified.expires_at).toBe(created.last_active_at! + 3 * 86400);

    const cleared = await v4.vectorStores.update(created.id, { expires_after: null });
    expect(cleared.expires_after).toBeNull();
    expect(cleared.expires_at).toBeNull();

    const list = await v4.vectorStores.list();
    expect(list.data[0].id).toBe(created.id);

    expect(await v4.vectorStores.del(created.id)).toEqual({ id: created.id, object: 'vector_store.deleted', deleted: true });
    await expect(v4.vectorStores.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('creates with file_ids and derives file_counts, usage_bytes and status (7.x)', async () => {
    const a = await upload(v4, 'alpha beta gamma');
    const b = await upload(v4, 'delta epsilon');
    const store = await v7.vectorStores.create({ name: 'two', file_ids: [a.id, b.id] });
    expect(store.status).toBe('in_progress');
    expect(store.file_counts).toEqual({ in_progress: 2, completed: 0, failed: 0, cancelled: 0, total: 2 });

    const done = await settled(v4, store.id);
    expect(done.status).toBe('completed');
    expect(done.file_counts).toEqual({ in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 });
    expect(done.usage_bytes).toBe(Buffer.byteLength('alpha beta gamma') + Buffer.byteLength('delta epsilon'));

    const page = await v7.vectorStores.list({ limit: 100 });
    const listed = page.data.find((s) => s.id === store.id);
    expect(listed?.file_counts.completed).toBe(2);
    expect(listed?.usage_bytes).toBe(done.usage_bytes);

    expect((await v7.vectorStores.delete(store.id)).deleted).toBe(true);
    // The uploaded files outlive the store.
    expect((await v4.files.retrieve(a.id)).id).toBe(a.id);
  });

  it('refuses unknown file ids, wrong-prefix ids and a too-large overlap', async () => {
    await expect(v4.vectorStores.create({ file_ids: ['file-doesnotexist000000000000'] })).rejects.toMatchObject({ status: 404 });
    await expect(v4.vectorStores.retrieve('thread_abc')).rejects.toMatchObject({ status: 400 });
    const f = await upload(v4, 'x');
    const store = await v4.vectorStores.create({});
    await expect(
      v4.vectorStores.files.create(store.id, {
        file_id: f.id,
        chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 150 } },
      }),
    ).rejects.toMatchObject({ status: 400, param: 'chunking_strategy.static.chunk_overlap_tokens' });
    // Nothing half-created.
    expect((await v4.vectorStores.files.list(store.id)).data).toEqual([]);
  });
});

describe('vector store files', () => {
  it('uploadAndPoll reaches completed with the spec shape (4.x), with openai-poll-after-ms on retrieve', async () => {
    const store = await v4.vectorStores.create({ name: 'poll' });
    const file = await v4.vectorStores.files.uploadAndPoll(store.id, await text('The quick brown fox.', 'fox.txt'));
    expect(file).toEqual({
      id: expect.stringMatching(/^file-/),
      object: 'vector_store.file',
      usage_bytes: 20,
      created_at: expect.any(Number),
      vector_store_id: store.id,
      status: 'completed',
      last_error: null,
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } },
      attributes: {},
    });
    const { response } = await v4.vectorStores.files.retrieve(store.id, file.id).withResponse();
    expect(response.headers.get('openai-poll-after-ms')).toBe(String(server.app.ctx.config.pollAfterMs));
  });

  it('uploadAndPoll and createAndPoll work with 7.x, keeping chunking_strategy and attributes', async () => {
    const store = await v7.vectorStores.create({ name: 'v7' });
    const uploaded = await v7.vectorStores.files.uploadAndPoll(store.id, await toFileV7(Buffer.from('seven'), 'seven.txt'));
    expect(uploaded.status).toBe('completed');

    const f = await v7.files.create({ file: await toFileV7(Buffer.from('attributes here'), 'attr.txt'), purpose: 'assistants' });
    const created = await v7.vectorStores.files.createAndPoll(store.id, {
      file_id: f.id,
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 20 } },
      attributes: { author: 'ada', year: 1843, draft: false },
    });
    expect(created.status).toBe('completed');
    expect(created.chunking_strategy).toEqual({ type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 20 } });
    expect(created.attributes).toEqual({ author: 'ada', year: 1843, draft: false });

    const updated = await v7.vectorStores.files.update(f.id, { vector_store_id: store.id, attributes: { author: 'babbage' } });
    expect(updated.attributes).toEqual({ author: 'babbage' });

    const content = await v7.vectorStores.files.content(f.id, { vector_store_id: store.id });
    expect(content.data).toEqual([{ type: 'text', text: 'attributes here' }]);
  });

  it('marks a binary file failed with unsupported_file', async () => {
    const store = await v4.vectorStores.create({});
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe]);
    const file = await v4.vectorStores.files.uploadAndPoll(store.id, await toFile(binary, 'image.png'));
    expect(file.status).toBe('failed');
    expect(file.last_error).toEqual({ code: 'unsupported_file', message: expect.any(String) });
    expect(file.usage_bytes).toBe(0);
    const after = await v4.vectorStores.retrieve(store.id);
    expect(after.file_counts).toEqual({ in_progress: 0, completed: 0, failed: 1, cancelled: 0, total: 1 });
    expect(after.status).toBe('completed');
  });

  it('lists with filter and pagination, and deletes a vector store file', async () => {
    const store = await v4.vectorStores.create({});
    const good = [];
    for (let i = 0; i < 3; i++) good.push(await v4.vectorStores.files.uploadAndPoll(store.id, await text(`text ${i}`, `t${i}.txt`)));
    const bad = await v4.vectorStores.files.uploadAndPoll(store.id, await toFile(Buffer.from([0, 1, 2]), 'b.bin'));

    const completed = await v4.vectorStores.files.list(store.id, { filter: 'completed' });
    expect(completed.data.map((f) => f.id)).toEqual(good.map((f) => f.id).reverse());
    const failed = await v4.vectorStores.files.list(store.id, { filter: 'failed' });
    expect(failed.data.map((f) => f.id)).toEqual([bad.id]);

    const seen: string[] = [];
    for await (const f of v4.vectorStores.files.list(store.id, { limit: 1, order: 'asc' })) seen.push(f.id);
    expect(seen).toEqual([...good.map((f) => f.id), bad.id]);

    expect(await v4.vectorStores.files.del(store.id, good[0].id)).toEqual({
      id: good[0].id,
      object: 'vector_store.file.deleted',
      deleted: true,
    });
    await expect(v4.vectorStores.files.retrieve(store.id, good[0].id)).rejects.toMatchObject({ status: 404 });
    expect((await v4.vectorStores.retrieve(store.id)).file_counts.total).toBe(3);
    // The file itself stays.
    expect((await v4.files.retrieve(good[0].id)).id).toBe(good[0].id);
  });

  it('deleting a file detaches it from every vector store', async () => {
    const file = await upload(v4, 'shared between two stores about zebras');
    const one = await v4.vectorStores.create({ file_ids: [file.id] });
    const two = await v4.vectorStores.create({ file_ids: [file.id] });
    await settled(v4, one.id);
    await settled(v4, two.id);
    const search = await v4.vectorStores.search(one.id, { query: 'zebras' });
    expect(search.data).toHaveLength(1);

    await v4.files.del(file.id);
    for (const store of [one, two]) {
      const after = await v4.vectorStores.retrieve(store.id);
      expect(after.file_counts.total).toBe(0);
      expect(after.usage_bytes).toBe(0);
      expect((await v4.vectorStores.files.list(store.id)).data).toEqual([]);
      await expect(v4.vectorStores.files.retrieve(store.id, file.id)).rejects.toMatchObject({ status: 404 });
    }
    expect((await v4.vectorStores.search(one.id, { query: 'zebras' })).data).toEqual([]);
    const sqlite = server.app.ctx.db.$client;
    const chunks = sqlite.prepare('SELECT count(*) AS n FROM chunks WHERE file_id = ?').get(file.id) as { n: number };
    expect(chunks.n).toBe(0);
    // The full-text index followed (its triggers), and is consistent with the chunks table.
    expect(sqlite.prepare(`SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'zebras'`).all()).toEqual([]);
    expect(() => sqlite.prepare(`INSERT INTO chunks_fts(chunks_fts, rank) VALUES('integrity-check', 1)`).run()).not.toThrow();
  });
});

describe('file batches', () => {
  it('fileBatches.uploadAndPoll (7.x) completes and lists its files with a filter', async () => {
    const store = await v7.vectorStores.create({ name: 'batch' });
    const files = await Promise.all(['one', 'two', 'three'].map((w) => toFileV7(Buffer.from(`file ${w}`), `${w}.txt`)));
    const batch = await v7.vectorStores.fileBatches.uploadAndPoll(store.id, { files });
    expect(batch).toEqual({
      id: expect.stringMatching(/^vsfb_[0-9a-f]{32}$/),
      object: 'vector_store.files_batch',
      created_at: expect.any(Number),
      vector_store_id: store.id,
      status: 'completed',
      file_counts: { in_progress: 0, completed: 3, failed: 0, cancelled: 0, total: 3 },
    });
    const listed = await v7.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id, filter: 'completed' });
    expect(listed.data).toHaveLength(3);
    const none = await v7.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: store.id, filter: 'in_progress' });
    expect(none.data).toEqual([]);
    const { response } = await v7.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: store.id }).withResponse();
    expect(response.headers.get('openai-poll-after-ms')).toBe(String(server.app.ctx.config.pollAfterMs));
  });

  it('fileBatches.createAndPoll (4.x) counts failures and keeps batches apart', async () => {
    const store = await v4.vectorStores.create({});
    const ok = await upload(v4, 'fine text');
    const bad = await upload(v4, Buffer.from([0xc3, 0x28]), 'bad.bin');
    const first = await v4.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [ok.id, bad.id] });
    expect(first.status).toBe('completed');
    expect(first.file_counts).toEqual({ in_progress: 0, completed: 1, failed: 1, cancelled: 0, total: 2 });

    const other = await upload(v4, 'another');
    const second = await v4.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [other.id] });
    const secondFiles = await v4.vectorStores.fileBatches.listFiles(store.id, second.id);
    expect(secondFiles.data.map((f) => f.id)).toEqual([other.id]);
    const failedOfFirst = await v4.vectorStores.fileBatches.listFiles(store.id, first.id, { filter: 'failed' });
    expect(failedOfFirst.data.map((f) => f.id)).toEqual([bad.id]);

    const onlyBad = await v4.vectorStores.fileBatches.createAndPoll(store.id, { file_ids: [bad.id] });
    expect(onlyBad.status).toBe('failed');
  });

  it('cancels a batch whose files are still in progress (manual clock)', async () => {
    const clock = new ManualClock();
    const manual = await startTestServer({ clock });
    try {
      const client = new OpenAI({ apiKey: 'vs-key-a', baseURL: manual.baseURL, maxRetries: 0 });
      const store = await client.vectorStores.create({});
      const a = await upload(client, 'first');
      const b = await upload(client, 'second');
      const batch = await client.vectorStores.fileBatches.create(store.id, { file_ids: [a.id, b.id] });
      expect(batch.status).toBe('in_progress');
      expect((await client.vectorStores.retrieve(store.id)).status).toBe('in_progress');

      const cancelled = await client.vectorStores.fileBatches.cancel(store.id, batch.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.file_counts).toEqual({ in_progress: 0, completed: 0, failed: 0, cancelled: 2, total: 2 });

      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
      expect((await client.vectorStores.files.retrieve(store.id, a.id)).status).toBe('cancelled');
      expect((await client.vectorStores.retrieve(store.id)).status).toBe('completed');

      await expect(client.vectorStores.fileBatches.cancel(store.id, batch.id)).rejects.toMatchObject({ status: 400 });
      await expect(client.vectorStores.fileBatches.retrieve(store.id, 'batch_abc')).rejects.toMatchObject({ status: 400 });
      await expect(client.vectorStores.fileBatches.retrieve(store.id, 'vsfb_00000000000000000000000000000000')).rejects.toMatchObject({
        status: 404,
      });
    } finally {
      await manual.stop();
    }
  });
});

describe('time and restarts', () => {
  it('indexes on the virtual clock and expires a store past expires_at', async () => {
    const clock = new ManualClock();
    const manual = await startTestServer({ clock });
    try {
      const client = new OpenAI({ apiKey: 'vs-key-a', baseURL: manual.baseURL, maxRetries: 0 });
      const file = await upload(client, 'clockwork');
      const store = await client.vectorStores.create({ file_ids: [file.id], expires_after: { anchor: 'last_active_at', days: 1 } });
      expect(store.expires_at).toBe(store.last_active_at! + 86400);
      await new Promise((r) => setTimeout(r, 20));
      // Time stands still: the file waits.
      expect((await client.vectorStores.files.retrieve(store.id, file.id)).status).toBe('in_progress');
      clock.advance(10);
      await new Promise((r) => setTimeout(r, 20));
      expect((await client.vectorStores.files.retrieve(store.id, file.id)).status).toBe('completed');

      // Adding a file is activity: last_active_at and expires_at move with the clock.
      clock.advance(12 * 3600 * 1000);
      const more = await upload(client, 'more');
      await client.vectorStores.files.create(store.id, { file_id: more.id });
      const touched = await client.vectorStores.retrieve(store.id);
      expect(touched.last_active_at).toBe(store.last_active_at! + 12 * 3600);
      expect(touched.expires_at).toBe(touched.last_active_at! + 86400);

      clock.advance(86400 * 1000);
      expect((await client.vectorStores.retrieve(store.id)).status).toBe('expired');
    } finally {
      await manual.stop();
    }
  });

  it('resumes indexing left in progress by a stopped server', async () => {
    const first = await startTestServer({ clock: new ManualClock() });
    const client = new OpenAI({ apiKey: 'vs-key-a', baseURL: first.baseURL, maxRetries: 0 });
    const file = await upload(client, 'survives a restart');
    const store = await client.vectorStores.create({ file_ids: [file.id] });
    await first.close(); // keeps the database file

    const second = await startTestServer({ dbPath: first.dbPath });
    try {
      const again = new OpenAI({ apiKey: 'vs-key-a', baseURL: second.baseURL, maxRetries: 0 });
      const done = await again.vectorStores.files.poll(store.id, file.id, { pollIntervalMs: 5 });
      expect(done.status).toBe('completed');
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('helpers used by assistants, threads and messages', () => {
  it('tool_resources.file_search.vector_stores creates a store with the files', async () => {
    const file = await upload(v4, 'helper content');
    const assistant = await v4.beta.assistants.create({
      model: 'gpt-4o',
      tools: [{ type: 'file_search' }],
      tool_resources: { file_search: { vector_stores: [{ file_ids: [file.id], metadata: { from: 'helper' } }] } },
    });
    const [storeId] = assistant.tool_resources!.file_search!.vector_store_ids!;
    expect(storeId).toMatch(/^vs_/);
    const store = await settled(v4, storeId);
    expect(store.metadata).toEqual({ from: 'helper' });
    expect(store.file_counts.completed).toBe(1);
  });

  it('message attachments with file_search go into the thread’s vector store, created on first use', async () => {
    const a = await upload(v4, 'attached one');
    const b = await upload(v4, 'attached two');
    const thread = await v4.beta.threads.create();
    await v4.beta.threads.messages.create(thread.id, {
      role: 'user',
      content: 'see file',
      attachments: [{ file_id: a.id, tools: [{ type: 'file_search' }] }],
    });
    const afterFirst = await v4.beta.threads.retrieve(thread.id);
    const ids = afterFirst.tool_resources?.file_search?.vector_store_ids ?? [];
    expect(ids).toHaveLength(1);

    await v4.beta.threads.messages.create(thread.id, {
      role: 'user',
      content: 'and this one',
      attachments: [
        { file_id: b.id, tools: [{ type: 'file_search' }] },
        { file_id: a.id, tools: [{ type: 'file_search' }] },
      ],
    });
    const afterSecond = await v4.beta.threads.retrieve(thread.id);
    expect(afterSecond.tool_resources?.file_search?.vector_store_ids).toEqual(ids);

    const store = await settled(v4, ids[0]);
    expect(store.file_counts).toMatchObject({ completed: 2, total: 2 });
    expect(store.expires_after).toEqual({ anchor: 'last_active_at', days: 7 });

    // A code_interpreter-only attachment does not touch the vector store.
    const c = await upload(v4, 'code only');
    await v4.beta.threads.messages.create(thread.id, {
      role: 'user',
      content: 'code',
      attachments: [{ file_id: c.id, tools: [{ type: 'code_interpreter' }] }],
    });
    expect((await v4.vectorStores.retrieve(ids[0])).file_counts.total).toBe(2);
  });
});

describe('tenants', () => {
  it('hides one API key’s vector stores, files and batches from another', async () => {
    const store = await v4.vectorStores.create({ name: 'mine' });
    const file = await v4.vectorStores.files.uploadAndPoll(store.id, await text('private'));
    const batch = await v4.vectorStores.fileBatches.create(store.id, { file_ids: [file.id] });

    const other = new OpenAI({ apiKey: 'vs-key-b', baseURL: server.baseURL, maxRetries: 0 });
    await expect(other.vectorStores.retrieve(store.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.update(store.id, { name: 'theirs' })).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.del(store.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.files.list(store.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.files.retrieve(store.id, file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.fileBatches.retrieve(store.id, batch.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.vectorStores.search(store.id, { query: 'private' })).rejects.toMatchObject({ status: 404 });
    expect((await other.vectorStores.list()).data.some((s) => s.id === store.id)).toBe(false);

    // Their own store cannot take our file either.
    const theirs = await other.vectorStores.create({});
    await expect(other.vectorStores.files.create(theirs.id, { file_id: file.id })).rejects.toMatchObject({ status: 404 });

    expect((await v4.vectorStores.retrieve(store.id)).name).toBe('mine');
  });
});
