/**
 * Issue 7, the contract test: every Assistants operation of OpenAI's published OpenAPI document
 * (assistants, threads, messages, runs, steps, files, vector stores and their files and batches) is
 * served, and is driven here over real HTTP with the v2 header; each response body is validated
 * against that operation's 200 response schema (test/contract/validator.ts). Deliberate differences
 * are in test/contract/allow-list.ts (and docs/compatibility.md); anything else fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { loadContract, type Contract } from './contract/extract.js';
import { ContractValidator, formatProblems, type ContractProblem } from './contract/validator.js';
import { WEATHER_TOOL } from './helpers/fixtures.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Json = Record<string, unknown>;

let contract: Contract;
let validator: ContractValidator;

beforeAll(() => {
  contract = loadContract().contract;
  validator = new ContractValidator(contract);
});

describe('the extracted contract', () => {
  it('covers the Assistants operations of the spec', () => {
    const ids = contract.operations.map((o) => o.operationId);
    expect(ids.length).toBeGreaterThanOrEqual(40);
    for (const id of ['createAssistant', 'createThreadAndRun', 'submitToolOuputsToRun', 'listRunSteps', 'createVectorStoreFileBatch']) {
      expect(ids).toContain(id);
    }
  });

  it('fails a body that drifts from the spec (the test can fail)', () => {
    const good = {
      id: 'asst_abc',
      object: 'assistant',
      created_at: 1700000000,
      name: null,
      description: null,
      model: 'gpt-4o',
      instructions: null,
      tools: [],
      metadata: {},
    };
    expect(validator.validate('getAssistant', good).problems).toEqual([]);
    const drifts: [Json, string, string][] = [
      [{ ...good, created_at: '2024-01-01' }, '/created_at', 'type'],
      [{ ...good, object: 'assistants' }, '/object', 'enum'],
      [(({ model: _m, ...rest }) => rest)(good), '/model', 'required'],
      [{ ...good, tools: [{ type: 'retrieval' }] }, '/tools/0', 'oneOf'],
      [{ ...good, file_ids: [] }, '/file_ids', 'undeclared'],
      [{ ...good, created_at: 1700000000.5 }, '/created_at', 'type'],
    ];
    for (const [body, path, keyword] of drifts) {
      const { problems } = validator.validate('getAssistant', body);
      expect(
        problems.some((p) => p.instancePath === path && p.keyword === keyword),
        `${path} ${keyword}: ${formatProblems(problems)}`,
      ).toBe(true);
    }
    // A null first_id is allowed on an empty page only.
    const empty = { object: 'list', data: [], first_id: null, last_id: null, has_more: false };
    expect(validator.validate('listAssistants', empty).problems).toEqual([]);
    expect(validator.validate('listAssistants', { ...empty, data: [good] }).problems).toEqual([]);
    expect(validator.validate('listAssistants', { ...empty, has_more: 'no' }).problems).not.toEqual([]);
  });
});

describe('every Assistants operation of the spec, against a real server', () => {
  let server: TestServer;
  let clock: ManualClock;
  /** operationId -> how many 200 responses were validated. */
  const validated = new Map<string, number>();
  const problems: ContractProblem[] = [];

  beforeAll(async () => {
    clock = new ManualClock();
    server = await startTestServer({ clock });
  });
  afterAll(async () => server.stop());

  /** Calls an operation over HTTP and validates the 200 body against its schema. */
  async function call(operationId: string, params: Record<string, string> = {}, body?: unknown, query = ''): Promise<Json> {
    const op = validator.operation(operationId);
    const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (!(name in params)) throw new Error(`${operationId}: missing path parameter ${name}`);
      return encodeURIComponent(params[name]);
    });
    const isForm = body instanceof FormData;
    const response = await fetch(`${server.baseURL}${path}${query}`, {
      method: op.method,
      headers: {
        authorization: 'Bearer contract-key',
        'openai-beta': 'assistants=v2',
        ...(body !== undefined && !isForm ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
    });
    const text = await response.text();
    expect(response.status, `${operationId} ${op.method} ${path}: ${text}`).toBe(200);
    if (!op.contentType.includes('json') || op.schema.type === 'string') {
      validated.set(operationId, (validated.get(operationId) ?? 0) + 1);
      return { text };
    }
    const json = JSON.parse(text) as Json;
    problems.push(...validator.validate(operationId, json).problems);
    validated.set(operationId, (validated.get(operationId) ?? 0) + 1);
    return json;
  }

  /** Advances the manual clock until the run leaves queued/in_progress. */
  async function settle(threadId: string, runId: string): Promise<Json> {
    for (let i = 0; i < 300; i++) {
      const run = await call('getRun', { thread_id: threadId, run_id: runId });
      if (!['queued', 'in_progress', 'cancelling'].includes(run.status as string)) return run;
      clock.advance(1000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`run ${runId} did not settle`);
  }

  function form(text: string, name: string, purpose = 'assistants'): FormData {
    const data = new FormData();
    data.append('purpose', purpose);
    data.append('file', new Blob([text]), name);
    return data;
  }

  it('drives files, vector stores, vector store files and file batches', async () => {
    const fileA = await call('createFile', {}, form('The capital of France is Paris. Paris is on the Seine.', 'france.txt'));
    const fileB = await call('createFile', {}, form('The capital of Italy is Rome. Rome is on the Tiber.', 'italy.txt'));
    const fileC = await call('createFile', {}, form('The capital of Spain is Madrid.', 'spain.txt'));
    const fileD = await call('createFile', {}, form('The capital of Norway is Oslo.', 'norway.txt'));
    await call('listFiles');
    await call('listFiles', {}, undefined, '?purpose=assistants&limit=2&order=asc');
    await call('retrieveFile', { file_id: fileA.id as string });
    // assistants uploads are not downloadable (docs/compatibility.md): download a batch upload.
    const batchFile = await call('createFile', {}, form('{"custom_id":"1"}\n', 'input.jsonl', 'batch'));
    await call('downloadFile', { file_id: batchFile.id as string });

    await call('listVectorStores'); // empty page
    const store = await call('createVectorStore', {}, { name: 'capitals', file_ids: [fileA.id], metadata: { k: 'v' } });
    const vs = store.id as string;
    await call('getVectorStore', { vector_store_id: vs });
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await call('getVectorStore', { vector_store_id: vs });
    await call('modifyVectorStore', { vector_store_id: vs }, { name: 'capitals 2', expires_after: { anchor: 'last_active_at', days: 7 } });
    await call('listVectorStores');

    await call('createVectorStoreFile', { vector_store_id: vs }, { file_id: fileB.id, attributes: { country: 'italy' } });
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await call('getVectorStoreFile', { vector_store_id: vs, file_id: fileB.id as string });
    await call('updateVectorStoreFileAttributes', { vector_store_id: vs, file_id: fileB.id as string }, { attributes: { country: 'it' } });
    await call('listVectorStoreFiles', { vector_store_id: vs });
    await call('listVectorStoreFiles', { vector_store_id: vs }, undefined, '?filter=completed&limit=1');
    await call('retrieveVectorStoreFileContent', { vector_store_id: vs, file_id: fileB.id as string });
    await call('searchVectorStore', { vector_store_id: vs }, { query: 'capital of Italy', max_num_results: 3 });

    // A batch that stays in progress (the manual clock stands still) can be cancelled.
    const pending = await call('createVectorStoreFileBatch', { vector_store_id: vs }, { file_ids: [fileC.id] });
    await call('cancelVectorStoreFileBatch', { vector_store_id: vs, batch_id: pending.id as string });
    const batch = await call('createVectorStoreFileBatch', { vector_store_id: vs }, { file_ids: [fileD.id] });
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await call('getVectorStoreFileBatch', { vector_store_id: vs, batch_id: batch.id as string });
    await call('listFilesInVectorStoreBatch', { vector_store_id: vs, batch_id: batch.id as string });

    await call('deleteVectorStoreFile', { vector_store_id: vs, file_id: fileB.id as string });
    await call('deleteVectorStore', { vector_store_id: vs });
    await call('deleteFile', { file_id: fileD.id as string });
  });

  it('drives assistants, threads, messages, runs and steps', async () => {
    await call('listAssistants'); // empty page
    const file = await call('createFile', {}, form('Refunds take 5 business days.', 'policy.txt'));
    const store = await call('createVectorStore', {}, { name: 'policies', file_ids: [file.id] });
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const assistant = await call(
      'createAssistant',
      {},
      {
        model: 'gpt-4o',
        name: 'Contract',
        description: 'Checks the contract',
        instructions: 'Be brief.',
        tools: [WEATHER_TOOL, { type: 'file_search' }, { type: 'code_interpreter' }],
        tool_resources: { file_search: { vector_store_ids: [store.id] }, code_interpreter: { file_ids: [file.id] } },
        metadata: { suite: 'contract' },
        temperature: 0.7,
        top_p: 0.9,
        // A schema strict mode accepts (every object closed, every property required): the real API refuses others.
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'answer',
            schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false },
            strict: true,
          },
        },
      },
    );
    const asst = assistant.id as string;
    await call('getAssistant', { assistant_id: asst });
    await call('modifyAssistant', { assistant_id: asst }, { name: 'Contract 2', response_format: 'auto' });
    await call('listAssistants');
    await call('listAssistants', {}, undefined, '?limit=1&order=asc');

    const thread = await call(
      'createThread',
      {},
      {
        messages: [
          { role: 'user', content: 'Hello', attachments: [{ file_id: file.id, tools: [{ type: 'file_search' }] }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hi, how can I help?' }] },
        ],
        metadata: { k: 'v' },
      },
    );
    const t = thread.id as string;
    await call('getThread', { thread_id: t });
    await call('modifyThread', { thread_id: t }, { metadata: { k: 'w' } });
    const message = await call(
      'createMessage',
      { thread_id: t },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look at https://example.com/a.png' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
    );
    await call('getMessage', { thread_id: t, message_id: message.id as string });
    await call('modifyMessage', { thread_id: t, message_id: message.id as string }, { metadata: { seen: 'yes' } });
    await call('listMessages', { thread_id: t });

    // A function call: requires_action, submit the outputs, completed.
    await call('createMessage', { thread_id: t }, { role: 'user', content: 'What is the weather in Paris?' });
    const run = await call('createRun', { thread_id: t }, { assistant_id: asst, metadata: { n: '1' }, tool_choice: 'auto' });
    const waiting = await settle(t, run.id as string);
    expect(waiting.status).toBe('requires_action');
    const calls = (waiting.required_action as { submit_tool_outputs: { tool_calls: { id: string }[] } }).submit_tool_outputs.tool_calls;
    await call(
      'submitToolOuputsToRun',
      { thread_id: t, run_id: run.id as string },
      { tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: '22 C' })) },
    );
    expect((await settle(t, run.id as string)).status).toBe('completed');
    await call('modifyRun', { thread_id: t, run_id: run.id as string }, { metadata: { n: '2' } });

    // file_search and code_interpreter steps, with and without the chunk content.
    const searchRun = await call(
      'createRun',
      { thread_id: t },
      {
        assistant_id: asst,
        tool_choice: { type: 'file_search' },
        additional_messages: [{ role: 'user', content: 'How long do refunds take?' }],
        truncation_strategy: { type: 'last_messages', last_messages: 10 },
        max_prompt_tokens: 5000,
        max_completion_tokens: 2000,
      },
    );
    expect((await settle(t, searchRun.id as string)).status).toBe('completed');
    const codeRun = await call('createRun', { thread_id: t }, { assistant_id: asst, tool_choice: { type: 'code_interpreter' } });
    expect((await settle(t, codeRun.id as string)).status).toBe('completed');

    for (const r of [run, searchRun, codeRun]) {
      const steps = await call('listRunSteps', { thread_id: t, run_id: r.id as string });
      await call(
        'listRunSteps',
        { thread_id: t, run_id: r.id as string },
        undefined,
        '?include[]=step_details.tool_calls[*].file_search.results[*].content',
      );
      for (const step of steps.data as Json[])
        await call('getRunStep', { thread_id: t, run_id: r.id as string, step_id: step.id as string });
    }
    await call('listRuns', { thread_id: t });
    await call('listMessages', { thread_id: t }, undefined, '?order=asc&limit=100');

    // Cancel a run that waits for tool outputs.
    await call('createMessage', { thread_id: t }, { role: 'user', content: 'weather in Rome?' });
    const toCancel = await call('createRun', { thread_id: t }, { assistant_id: asst });
    expect((await settle(t, toCancel.id as string)).status).toBe('requires_action');
    await call('cancelRun', { thread_id: t, run_id: toCancel.id as string });
    await settle(t, toCancel.id as string);
    await call('listRuns', { thread_id: t });

    // Create a thread and run it in one call.
    const both = await call(
      'createThreadAndRun',
      {},
      { assistant_id: asst, thread: { messages: [{ role: 'user', content: 'Say hi' }] }, tool_choice: 'none', parallel_tool_calls: false },
    );
    expect((await settle(both.thread_id as string, both.id as string)).status).toBe('completed');
    await call('listMessages', { thread_id: both.thread_id as string });

    // Failed and incomplete runs (scripted through the control API): last_error, incomplete_details, failed steps.
    const scenarios = await fetch(`${server.url}/__admin/scenarios`, {
      method: 'POST',
      headers: { authorization: 'Bearer contract-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        scenarios: [
          { name: 'contract-fail', turns: [{ fail: { code: 'invalid_prompt', message: 'Refused.' } }] },
          {
            name: 'contract-tool-then-fail',
            turns: [{ tool_calls: [{ code_interpreter: { input: 'print(1)' } }] }, { fail: { code: 'server_error' } }],
          },
          { name: 'contract-incomplete', turns: [{ incomplete: { reason: 'max_completion_tokens', text: 'Partial' } }] },
        ],
      }),
    });
    expect(scenarios.status, await scenarios.text()).toBe(200);
    for (const name of ['contract-fail', 'contract-tool-then-fail', 'contract-incomplete']) {
      const scripted = await call('createRun', { thread_id: t }, { assistant_id: asst, metadata: { mock_scenario: name } });
      const ended = await settle(t, scripted.id as string);
      expect(ended.status).toBe(name === 'contract-incomplete' ? 'incomplete' : 'failed');
      const steps = await call('listRunSteps', { thread_id: t, run_id: scripted.id as string });
      for (const step of steps.data as Json[])
        await call('getRunStep', { thread_id: t, run_id: scripted.id as string, step_id: step.id as string });
    }
    await call('listMessages', { thread_id: t }, undefined, '?limit=3');

    await call('deleteMessage', { thread_id: t, message_id: message.id as string });
    await call('deleteThread', { thread_id: t });
    await call('deleteAssistant', { assistant_id: asst });
    await call('listAssistants');
  });

  it('validated every response against its operation schema', () => {
    // One line per kind of problem (the same field of the same operation counts once).
    const distinct = [
      ...new Map(problems.map((p) => [`${p.operationId} ${p.instancePath.replace(/\/\d+(?=\/|$)/g, '/*')} ${p.keyword}`, p])).values(),
    ];
    expect(distinct.length, formatProblems(distinct)).toBe(0);
  });

  it('drove every Assistants operation of the spec', () => {
    const missing = contract.operations.map((o) => o.operationId).filter((id) => !validated.has(id));
    expect(missing).toEqual([]);
  });

  it('serves every Assistants operation of the spec (no Invalid URL, no 405)', async () => {
    const ids: Record<string, string> = {
      assistant_id: 'asst_contract0000000000000000',
      thread_id: 'thread_contract000000000000000',
      message_id: 'msg_contract0000000000000000',
      run_id: 'run_contract0000000000000000',
      step_id: 'step_contract000000000000000',
      file_id: 'file-contract000000000000000',
      vector_store_id: 'vs_contract00000000000000000',
      batch_id: 'vsfb_contract0000000000000000',
    };
    const unserved: string[] = [];
    for (const op of contract.operations) {
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => ids[name] ?? 'x');
      for (const prefix of ['/v1', '/openai']) {
        const query = prefix === '/openai' ? '?api-version=2024-05-01-preview' : '';
        const response = await fetch(`${server.url}${prefix}${path}${query}`, {
          method: op.method,
          headers: { authorization: 'Bearer contract-key', 'openai-beta': 'assistants=v2', 'content-type': 'application/json' },
          body: op.method === 'POST' ? '{}' : undefined,
        });
        const body = await response.text();
        if (response.status === 405 || (response.status === 404 && body.includes('Invalid URL'))) {
          unserved.push(`${op.operationId} ${op.method} ${prefix}${path}: ${response.status}`);
        }
      }
    }
    expect(unserved).toEqual([]);
  });
});
