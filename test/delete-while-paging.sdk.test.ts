/**
 * The clean-up loop every teardown writes, `for await (const x of client.<list>()) await <delete>(x.id)`,
 * through the real SDKs. Their paginators ask for the next page with `after` = the last id of the page
 * just read, which the loop has deleted by then: the cursor must keep its place (docs/compatibility.md,
 * "Pagination"). Each loop must visit every object once, in the order the list had before the loop.
 */
import OpenAI4, { toFile as toFile4 } from 'openai';
import { CursorPage as CursorPage4 } from 'openai/pagination';
import OpenAI7, { toFile as toFile7 } from 'openai-v7';
import { CursorPage as CursorPage7 } from 'openai-v7/pagination';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

/** More than two default pages (20), so the loop crosses two page boundaries. */
const N = 45;

type Item = { id: string };
type Items = AsyncIterable<Item>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each SDK's resource tree, called as documented
type Loose = any;

/** The calls the loops need, in each SDK generation's own signatures. */
interface Client {
  name: string;
  createAssistant(): Promise<Item>;
  assistants(): Items;
  deleteAssistant(id: string): Promise<unknown>;
  uploadFile(name: string): Promise<Item>;
  /** Files list 10,000 a page unless told (as the real API): the loop asks for pages of 20. */
  files(): Items;
  deleteFile(id: string): Promise<unknown>;
  createThread(): Promise<Item>;
  createMessage(threadId: string): Promise<Item>;
  messages(threadId: string): Items;
  deleteMessage(threadId: string, id: string): Promise<unknown>;
  createStore(): Promise<Item>;
  stores(): Items;
  deleteStore(id: string): Promise<unknown>;
  attachToStore(storeId: string, fileId: string): Promise<unknown>;
  storeFiles(storeId: string): Items;
  deleteStoreFile(storeId: string, fileId: string): Promise<unknown>;
  createBatch(storeId: string, fileIds: string[]): Promise<Item>;
  batchFiles(storeId: string, batchId: string): Items;
  runs(threadId: string, after: string): Items;
  /** The v1 surface (`OpenAI-Beta: assistants=v1`), through the SDK's generic calls and paginator. */
  v1: {
    post(path: string, body: unknown): Promise<Item>;
    delete(path: string): Promise<unknown>;
    list(path: string, limit: number): Items;
  };
}

function openai4(baseURL: string): Client {
  const c: Loose = new OpenAI4({ apiKey: 'paging-4', baseURL, maxRetries: 0 });
  const v1: Loose = new OpenAI4({ apiKey: 'paging-4', baseURL, maxRetries: 0, defaultHeaders: { 'OpenAI-Beta': 'assistants=v1' } });
  return {
    name: 'openai 4.x',
    createAssistant: () => c.beta.assistants.create({ model: 'gpt-4o' }),
    assistants: () => c.beta.assistants.list(),
    deleteAssistant: (id) => c.beta.assistants.del(id),
    uploadFile: async (name) => c.files.create({ file: await toFile4(Buffer.from(`content of ${name}`), name), purpose: 'assistants' }),
    files: () => c.files.list({ limit: 20 }),
    deleteFile: (id) => c.files.del(id),
    createThread: () => c.beta.threads.create({}),
    createMessage: (tid) => c.beta.threads.messages.create(tid, { role: 'user', content: 'hello' }),
    messages: (tid) => c.beta.threads.messages.list(tid),
    deleteMessage: (tid, id) => c.beta.threads.messages.del(tid, id),
    createStore: () => c.vectorStores.create({}),
    stores: () => c.vectorStores.list(),
    deleteStore: (id) => c.vectorStores.del(id),
    attachToStore: (sid, fid) => c.vectorStores.files.create(sid, { file_id: fid }),
    storeFiles: (sid) => c.vectorStores.files.list(sid),
    deleteStoreFile: (sid, fid) => c.vectorStores.files.del(sid, fid),
    createBatch: (sid, ids) => c.vectorStores.fileBatches.create(sid, { file_ids: ids }),
    batchFiles: (sid, bid) => c.vectorStores.fileBatches.listFiles(sid, bid),
    runs: (tid, after) => c.beta.threads.runs.list(tid, { after }),
    v1: {
      post: (path, body) => v1.post(path, { body }),
      delete: (path) => v1.delete(path),
      list: (path, limit) => v1.getAPIList(path, CursorPage4, { query: { limit } }),
    },
  };
}

function openai7(baseURL: string): Client {
  const c: Loose = new OpenAI7({ apiKey: 'paging-7', baseURL, maxRetries: 0 });
  const v1: Loose = new OpenAI7({ apiKey: 'paging-7', baseURL, maxRetries: 0, defaultHeaders: { 'OpenAI-Beta': 'assistants=v1' } });
  return {
    name: 'openai 7.x',
    createAssistant: () => c.beta.assistants.create({ model: 'gpt-4o' }),
    assistants: () => c.beta.assistants.list(),
    deleteAssistant: (id) => c.beta.assistants.delete(id),
    uploadFile: async (name) => c.files.create({ file: await toFile7(Buffer.from(`content of ${name}`), name), purpose: 'assistants' }),
    files: () => c.files.list({ limit: 20 }),
    deleteFile: (id) => c.files.delete(id),
    createThread: () => c.beta.threads.create({}),
    createMessage: (tid) => c.beta.threads.messages.create(tid, { role: 'user', content: 'hello' }),
    messages: (tid) => c.beta.threads.messages.list(tid),
    deleteMessage: (tid, id) => c.beta.threads.messages.delete(id, { thread_id: tid }),
    createStore: () => c.vectorStores.create({}),
    stores: () => c.vectorStores.list(),
    deleteStore: (id) => c.vectorStores.delete(id),
    attachToStore: (sid, fid) => c.vectorStores.files.create(sid, { file_id: fid }),
    storeFiles: (sid) => c.vectorStores.files.list(sid),
    deleteStoreFile: (sid, fid) => c.vectorStores.files.delete(fid, { vector_store_id: sid }),
    createBatch: (sid, ids) => c.vectorStores.fileBatches.create(sid, { file_ids: ids }),
    batchFiles: (sid, bid) => c.vectorStores.fileBatches.listFiles(bid, { vector_store_id: sid }),
    runs: (tid, after) => c.beta.threads.runs.list(tid, { after }),
    v1: {
      post: (path, body) => v1.post(path, { body }),
      delete: (path) => v1.delete(path),
      list: (path, limit) => v1.getAPIList(path, CursorPage7, { query: { limit } }),
    },
  };
}

async function ids(items: Items): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item.id);
  return out;
}

/** The teardown loop itself: delete each object as the paginator hands it over; returns the ids visited. */
async function deleteWhilePaging(items: Items, remove: (id: string) => Promise<unknown>): Promise<string[]> {
  const visited: string[] = [];
  for await (const item of items) {
    visited.push(item.id);
    await remove(item.id);
  }
  return visited;
}

async function times<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await make(i));
  return out;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

describe.each([
  ['openai 4.x', openai4],
  ['openai 7.x', openai7],
])('deleting while paging, %s', (_name, make) => {
  let client: Client;
  beforeAll(() => {
    client = make(server.baseURL);
  });

  it(`assistants: the loop deletes all ${N}`, async () => {
    await times(N, () => client.createAssistant());
    const before = await ids(client.assistants());
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.assistants(), (id) => client.deleteAssistant(id))).toEqual(before);
    expect(await ids(client.assistants())).toEqual([]);
  });

  it(`files: the loop deletes all ${N}`, async () => {
    await times(N, (i) => client.uploadFile(`f${i}.txt`));
    const before = await ids(client.files());
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.files(), (id) => client.deleteFile(id))).toEqual(before);
    expect(await ids(client.files())).toEqual([]);
  });

  it(`messages: the loop deletes all ${N}`, async () => {
    const thread = await client.createThread();
    await times(N, () => client.createMessage(thread.id));
    const before = await ids(client.messages(thread.id));
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.messages(thread.id), (id) => client.deleteMessage(thread.id, id))).toEqual(before);
    expect(await ids(client.messages(thread.id))).toEqual([]);
  });

  it(`vector stores: the loop deletes all ${N}`, async () => {
    await times(N, () => client.createStore());
    const before = await ids(client.stores());
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.stores(), (id) => client.deleteStore(id))).toEqual(before);
    expect(await ids(client.stores())).toEqual([]);
  });

  it(`vector store files: the loop detaches all ${N}`, async () => {
    const store = await client.createStore();
    const files = await times(N, (i) => client.uploadFile(`vs${i}.txt`));
    for (const file of files) await client.attachToStore(store.id, file.id);
    const before = await ids(client.storeFiles(store.id));
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.storeFiles(store.id), (id) => client.deleteStoreFile(store.id, id))).toEqual(before);
    expect(await ids(client.storeFiles(store.id))).toEqual([]);
  });

  it(`vector store files, deleted through files.delete: the loop deletes all ${N}`, async () => {
    const store = await client.createStore();
    const files = await times(N, (i) => client.uploadFile(`gone${i}.txt`));
    for (const file of files) await client.attachToStore(store.id, file.id);
    const before = await ids(client.storeFiles(store.id));
    expect(await deleteWhilePaging(client.storeFiles(store.id), (id) => client.deleteFile(id))).toEqual(before);
    expect(await ids(client.storeFiles(store.id))).toEqual([]);
  });

  it(`a file batch's files: the loop detaches all ${N}`, async () => {
    const store = await client.createStore();
    const files = await times(N, (i) => client.uploadFile(`batch${i}.txt`));
    const batch = await client.createBatch(
      store.id,
      files.map((f) => f.id),
    );
    const before = await ids(client.batchFiles(store.id, batch.id));
    expect(before).toHaveLength(N);
    expect(await deleteWhilePaging(client.batchFiles(store.id, batch.id), (id) => client.deleteStoreFile(store.id, id))).toEqual(before);
    expect(await ids(client.batchFiles(store.id, batch.id))).toEqual([]);
  });

  // v1 caps an assistant at 20 files and a message at 10, so these lists page 3 at a time.
  it('v1 assistant files: the loop detaches all 20', async () => {
    const files = await times(20, (i) => client.uploadFile(`a${i}.txt`));
    const assistant = await client.v1.post('/assistants', { model: 'gpt-4', file_ids: files.map((f) => f.id) });
    const path = `/assistants/${assistant.id}/files`;
    const before = await ids(client.v1.list(path, 3));
    expect(before).toHaveLength(20);
    expect(await deleteWhilePaging(client.v1.list(path, 3), (id) => client.v1.delete(`${path}/${id}`))).toEqual(before);
    expect(await ids(client.v1.list(path, 3))).toEqual([]);
  });

  it('v1 message files: the loop over a message deletes all 10 of its files', async () => {
    const files = await times(10, (i) => client.uploadFile(`m${i}.txt`));
    const thread = await client.v1.post('/threads', {});
    const message = await client.v1.post(`/threads/${thread.id}/messages`, {
      role: 'user',
      content: 'see files',
      file_ids: files.map((f) => f.id),
    });
    const path = `/threads/${thread.id}/messages/${message.id}/files`;
    const before = await ids(client.v1.list(path, 3));
    expect(before).toHaveLength(10);
    // A message's files cannot be detached; deleting the file removes it from the message.
    expect(await deleteWhilePaging(client.v1.list(path, 3), (id) => client.deleteFile(id))).toEqual(before);
    expect(await ids(client.v1.list(path, 3))).toEqual([]);
  });

  it('a cursor naming an id that never existed is refused with 400 (runs, which have no delete)', async () => {
    const thread = await client.createThread();
    const error = await ids(client.runs(thread.id, 'run_neverexisted')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      error: {
        type: 'invalid_request_error',
        param: 'after',
        code: 'invalid_value',
        message: "Invalid 'after': No object found with id 'run_neverexisted' in this list.",
      },
    });
  });
});
