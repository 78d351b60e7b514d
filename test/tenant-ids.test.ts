/**
 * Security review, item 5: ids named in a request body must be objects of the caller's tenant.
 * `tool_resources.file_search.vector_store_ids`, `tool_resources.code_interpreter.file_ids` (v2) and
 * `file_ids` (v1 messages and assistants) naming another tenant's objects, or invented ones, get the
 * 404 of an unknown object naming the parameter, on create and modify of assistants, threads,
 * create-and-run and messages, through /v1 (v2 and v1) and the Azure routes. And indexing jobs are
 * scoped by tenant: another tenant's run can neither cancel nor run them. docs/files-and-vector-stores.md.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { threads as threadsTable } from '../src/store/schema.js';
import { forgetCachedThreads } from '../src/store/threads.js';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from './helpers/server.js';

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const V1 = 'assistants=v1';
const V2 = 'assistants=v2';

let server: TestServer;
let clock: ManualClock;

/** A JSON call as tenant `key`; `azure`: the /openai layout with the api-key header. */
async function call(key: string, method: string, path: string, body?: unknown, beta = V2): Promise<{ status: number; body: unknown }> {
  const azure = path.startsWith('/openai/');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (azure) headers['api-key'] = key;
  else Object.assign(headers, { authorization: `Bearer ${key}`, 'openai-beta': beta });
  const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function upload(client: OpenAI, text: string, name: string): Promise<string> {
  return (await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants' })).id;
}

const A = 'tenant-a-key';
const B = 'tenant-b-key';
let clientA: OpenAI;
let clientB: OpenAI;
/** Tenant A's objects, which B names below. */
let aStore: string;
let aFile: string;
/** Tenant B's own, which B may name. */
let bStore: string;
let bFile: string;
let bAssistant: string;
let bThread: string;

beforeAll(async () => {
  clock = new ManualClock();
  server = await startTestServer({ clock });
  clientA = new OpenAI({ apiKey: A, baseURL: server.baseURL, maxRetries: 0 });
  clientB = new OpenAI({ apiKey: B, baseURL: server.baseURL, maxRetries: 0 });
  aFile = await upload(clientA, 'alpha secrets of tenant a', 'a.txt');
  aStore = (await clientA.vectorStores.create({ name: 'a-store' })).id;
  bFile = await upload(clientB, 'bravo notes of tenant b', 'b.txt');
  bStore = (await clientB.vectorStores.create({ name: 'b-store' })).id;
  bAssistant = (await clientB.beta.assistants.create({ model: 'gpt-4o' })).id;
  bThread = (await clientB.beta.threads.create()).id;
});

afterAll(async () => {
  await server?.stop();
});

function expectUnknown(res: { status: number; body: unknown }, what: 'file' | 'vector store', id: string, param: string): void {
  expect(res.status).toBe(404);
  expect((res.body as ErrorBody).error).toEqual({
    message: `No ${what} found with id '${id}'.`,
    type: 'invalid_request_error',
    param,
    code: null,
  });
}

describe('ids in request bodies must belong to the caller', () => {
  const VS = 'tool_resources.file_search.vector_store_ids';
  const CI = 'tool_resources.code_interpreter.file_ids';

  /** Every create/modify that takes tool_resources, with the resources put where that route wants them. */
  const ROUTES: { name: string; method: string; path: () => string; body: (resources: object) => object; param?: string }[] = [
    { name: 'create assistant', method: 'POST', path: () => '/v1/assistants', body: (r) => ({ model: 'gpt-4o', tool_resources: r }) },
    { name: 'modify assistant', method: 'POST', path: () => `/v1/assistants/${bAssistant}`, body: (r) => ({ tool_resources: r }) },
    { name: 'create thread', method: 'POST', path: () => '/v1/threads', body: (r) => ({ tool_resources: r }) },
    { name: 'modify thread', method: 'POST', path: () => `/v1/threads/${bThread}`, body: (r) => ({ tool_resources: r }) },
    {
      name: 'create thread and run (run resources)',
      method: 'POST',
      path: () => '/v1/threads/runs',
      body: (r) => ({ assistant_id: bAssistant, tool_resources: r }),
    },
    {
      name: 'create thread and run (thread resources)',
      method: 'POST',
      path: () => '/v1/threads/runs',
      body: (r) => ({ assistant_id: bAssistant, thread: { tool_resources: r } }),
    },
    {
      name: 'Azure create assistant (2024-05-01-preview)',
      method: 'POST',
      path: () => '/openai/assistants?api-version=2024-05-01-preview',
      body: (r) => ({ model: 'gpt-4o', tool_resources: r }),
    },
  ];

  it.each(ROUTES)('$name: another tenant’s or an invented vector store or file id is a 404 naming the param', async (route) => {
    for (const id of [aStore, 'vs_madeUp123']) {
      expectUnknown(
        await call(B, route.method, route.path(), route.body({ file_search: { vector_store_ids: [id] } })),
        'vector store',
        id,
        VS,
      );
    }
    for (const id of [aFile, 'file-madeUp123']) {
      expectUnknown(await call(B, route.method, route.path(), route.body({ code_interpreter: { file_ids: [bFile, id] } })), 'file', id, CI);
    }
    // Its own ids are accepted. (create-and-run: the earlier run is still going, so a new thread each time.)
    const own = await call(
      B,
      route.method,
      route.path(),
      route.body({ file_search: { vector_store_ids: [bStore] }, code_interpreter: { file_ids: [bFile] } }),
    );
    expect(own.status).toBe(200);
  });

  it('v1 file_ids of messages (create message, create thread, additional messages) and assistants, on /v1 and Azure', async () => {
    const v1Thread = ((await call(B, 'POST', '/v1/threads', {}, V1)).body as { id: string }).id;
    for (const id of [aFile, 'file-madeUp456']) {
      expectUnknown(
        await call(B, 'POST', `/v1/threads/${v1Thread}/messages`, { role: 'user', content: 'hi', file_ids: [id] }, V1),
        'file',
        id,
        'file_ids',
      );
      expectUnknown(
        await call(B, 'POST', '/v1/threads', { messages: [{ role: 'user', content: 'hi', file_ids: [bFile, id] }] }, V1),
        'file',
        id,
        'file_ids',
      );
      expectUnknown(
        await call(
          B,
          'POST',
          `/v1/threads/${v1Thread}/runs`,
          { assistant_id: bAssistant, additional_messages: [{ role: 'user', content: 'hi', file_ids: [id] }] },
          V1,
        ),
        'file',
        id,
        'file_ids',
      );
      expectUnknown(await call(B, 'POST', '/v1/assistants', { model: 'gpt-4o', file_ids: [id] }, V1), 'file', id, 'file_ids');
      expectUnknown(await call(B, 'POST', `/v1/assistants/${bAssistant}`, { file_ids: [id] }, V1), 'file', id, 'file_ids');
      expectUnknown(
        await call(B, 'POST', `/openai/threads/${v1Thread}/messages?api-version=2024-02-15-preview`, {
          role: 'user',
          content: 'hi',
          file_ids: [id],
        }),
        'file',
        id,
        'file_ids',
      );
    }
    // Nothing was written by the refused calls: the thread has no message yet.
    expect(((await call(B, 'GET', `/v1/threads/${v1Thread}/messages`, undefined, V1)).body as { data: unknown[] }).data).toEqual([]);
    // Its own file is accepted and shown.
    const own = await call(B, 'POST', `/v1/threads/${v1Thread}/messages`, { role: 'user', content: 'hi', file_ids: [bFile] }, V1);
    expect(own.status).toBe(200);
    expect((own.body as { file_ids: string[] }).file_ids).toEqual([bFile]);
  });
});

describe('indexing jobs are scoped by tenant', () => {
  it('a run of tenant B over A’s store (a thread stored before the checks) neither cancels nor runs A’s indexing', async () => {
    // A attaches 10 files; the clock stands still, so they wait `in_progress` for their jobs.
    const files: string[] = [];
    for (let i = 0; i < 10; i++) files.push(await upload(clientA, `document ${i} of tenant a about zebras`, `a${i}.txt`));
    const store = await clientA.vectorStores.create({ name: 'a-kb', file_ids: files });
    expect((await clientA.vectorStores.retrieve(store.id)).file_counts.in_progress).toBe(10);

    // B's thread names A's store, as a database from before the create-time checks could hold.
    const thread = await clientB.beta.threads.create({ messages: [{ role: 'user', content: 'zebras?' }] });
    const { db } = server.app.ctx;
    db.update(threadsTable)
      .set({ toolResources: { file_search: { vector_store_ids: [store.id] } } })
      .where(eq(threadsTable.id, thread.id))
      .run();
    forgetCachedThreads(db);
    const searcher = await clientB.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'file_search' }] });
    const run = await clientB.beta.threads.runs.createAndPoll(thread.id, { assistant_id: searcher.id });
    expect(run.status).toBe('completed');
    // B's search found nothing of A's.
    const steps = await clientB.beta.threads.runs.steps.list(thread.id, run.id, {
      include: ['step_details.tool_calls[*].file_search.results[*].content'],
    });
    const results = steps.data.flatMap((s) =>
      s.step_details.type === 'tool_calls'
        ? s.step_details.tool_calls.flatMap((c) => (c.type === 'file_search' ? (c.file_search.results ?? []) : []))
        : [],
    );
    expect(results).toEqual([]);

    // A's files are still waiting for their own jobs (none was cancelled or run as B), and all complete.
    expect((await clientA.vectorStores.retrieve(store.id)).file_counts.in_progress).toBe(10);
    clock.advance(1_000);
    for (let i = 0; i < 100; i++) {
      if ((await clientA.vectorStores.retrieve(store.id)).file_counts.completed === 10) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await clientA.vectorStores.retrieve(store.id)).file_counts).toMatchObject({ completed: 10, in_progress: 0 });
  });
});
