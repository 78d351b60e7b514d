/**
 * The two SDK generations whose call signatures differ, behind one small adapter so a test can run
 * the same scenario through both: openai 4.x (`runs.retrieve(threadId, runId)`) and openai 7.x
 * (`runs.retrieve(runId, { thread_id })`). Each method calls the real, unmodified SDK.
 */
import OpenAI4 from 'openai';
import OpenAI7 from 'openai-v7';

/** The response objects both SDKs return, as loose records (their static types differ by major). */
export type Obj = Record<string, unknown> & { id: string };

export interface SdkAdapter {
  name: string;
  raw: unknown;
  createAssistant(body: Record<string, unknown>): Promise<Obj>;
  retrieveAssistant(id: string): Promise<Obj>;
  updateAssistant(id: string, body: Record<string, unknown>): Promise<Obj>;
  deleteAssistant(id: string): Promise<Obj>;
  listAssistantsAll(query?: Record<string, unknown>): Promise<Obj[]>;
  createThread(body?: Record<string, unknown>): Promise<Obj>;
  retrieveThread(id: string): Promise<Obj>;
  updateThread(id: string, body: Record<string, unknown>): Promise<Obj>;
  deleteThread(id: string): Promise<Obj>;
  createMessage(threadId: string, body: Record<string, unknown>): Promise<Obj>;
  retrieveMessage(threadId: string, id: string): Promise<Obj>;
  updateMessage(threadId: string, id: string, body: Record<string, unknown>): Promise<Obj>;
  deleteMessage(threadId: string, id: string): Promise<Obj>;
  listMessages(threadId: string, query?: Record<string, unknown>): Promise<{ data: Obj[]; has_more: boolean }>;
  listMessagesAll(threadId: string, query?: Record<string, unknown>): Promise<Obj[]>;
  createRun(threadId: string, body: Record<string, unknown>): Promise<Obj>;
  createAndPoll(threadId: string, body: Record<string, unknown>): Promise<Obj>;
  createAndRunPoll(body: Record<string, unknown>): Promise<Obj>;
  retrieveRun(threadId: string, runId: string): Promise<Obj>;
  pollRun(threadId: string, runId: string): Promise<Obj>;
  updateRun(threadId: string, runId: string, body: Record<string, unknown>): Promise<Obj>;
  cancelRun(threadId: string, runId: string): Promise<Obj>;
  listRunsAll(threadId: string, query?: Record<string, unknown>): Promise<Obj[]>;
  submitToolOutputs(threadId: string, runId: string, body: Record<string, unknown>): Promise<Obj>;
  submitToolOutputsAndPoll(threadId: string, runId: string, body: Record<string, unknown>): Promise<Obj>;
  listStepsAll(threadId: string, runId: string, query?: Record<string, unknown>): Promise<Obj[]>;
  retrieveStep(threadId: string, runId: string, stepId: string): Promise<Obj>;
  /** `runs.stream` (the same signature in both majors): the SDK's stream helper, iterated as events. */
  streamRun(threadId: string, body: Record<string, unknown>): AsyncIterable<{ event: string; data: unknown }>;
}

type Loose = Record<string, (...args: unknown[]) => Promise<unknown>> & Record<string, unknown>;

async function collect(page: unknown): Promise<Obj[]> {
  const out: Obj[] = [];
  for await (const item of page as AsyncIterable<Obj>) out.push(item);
  return out;
}

/** No pollIntervalMs: the pollers must follow the server's `openai-poll-after-ms` header. */
const POLL = {};

export function openai4(baseURL: string, apiKey = 'test-key', extra: Record<string, unknown> = {}): SdkAdapter {
  const client = new OpenAI4({ apiKey, baseURL, maxRetries: 0, ...extra });
  const b = client.beta as unknown as { assistants: Loose; threads: Loose & { messages: Loose; runs: Loose & { steps: Loose } } };
  const t = b.threads;
  return {
    name: 'openai 4.x',
    raw: client,
    createAssistant: (body) => b.assistants.create(body) as Promise<Obj>,
    retrieveAssistant: (id) => b.assistants.retrieve(id) as Promise<Obj>,
    updateAssistant: (id, body) => b.assistants.update(id, body) as Promise<Obj>,
    deleteAssistant: (id) => b.assistants.del(id) as Promise<Obj>,
    listAssistantsAll: (q) => collect(b.assistants.list(q ?? {})),
    createThread: (body) => t.create(body ?? {}) as Promise<Obj>,
    retrieveThread: (id) => t.retrieve(id) as Promise<Obj>,
    updateThread: (id, body) => t.update(id, body) as Promise<Obj>,
    deleteThread: (id) => t.del(id) as Promise<Obj>,
    createMessage: (tid, body) => t.messages.create(tid, body) as Promise<Obj>,
    retrieveMessage: (tid, id) => t.messages.retrieve(tid, id) as Promise<Obj>,
    updateMessage: (tid, id, body) => t.messages.update(tid, id, body) as Promise<Obj>,
    deleteMessage: (tid, id) => t.messages.del(tid, id) as Promise<Obj>,
    listMessages: (tid, q) => t.messages.list(tid, q ?? {}) as Promise<{ data: Obj[]; has_more: boolean }>,
    listMessagesAll: (tid, q) => collect(t.messages.list(tid, q ?? {})),
    createRun: (tid, body) => t.runs.create(tid, body) as Promise<Obj>,
    createAndPoll: (tid, body) => t.runs.createAndPoll(tid, body, POLL) as Promise<Obj>,
    createAndRunPoll: (body) => t.createAndRunPoll(body, POLL) as Promise<Obj>,
    retrieveRun: (tid, rid) => t.runs.retrieve(tid, rid) as Promise<Obj>,
    pollRun: (tid, rid) => t.runs.poll(tid, rid, POLL) as Promise<Obj>,
    updateRun: (tid, rid, body) => t.runs.update(tid, rid, body) as Promise<Obj>,
    cancelRun: (tid, rid) => t.runs.cancel(tid, rid) as Promise<Obj>,
    listRunsAll: (tid, q) => collect(t.runs.list(tid, q ?? {})),
    submitToolOutputs: (tid, rid, body) => t.runs.submitToolOutputs(tid, rid, body) as Promise<Obj>,
    submitToolOutputsAndPoll: (tid, rid, body) => t.runs.submitToolOutputsAndPoll(tid, rid, body, POLL) as Promise<Obj>,
    listStepsAll: (tid, rid, q) => collect(t.runs.steps.list(tid, rid, q ?? {})),
    retrieveStep: (tid, rid, sid) => t.runs.steps.retrieve(tid, rid, sid) as Promise<Obj>,
    streamRun: (tid, body) => t.runs.stream(tid, body) as unknown as AsyncIterable<{ event: string; data: unknown }>,
  };
}

export function openai7(baseURL: string, apiKey = 'test-key', extra: Record<string, unknown> = {}): SdkAdapter {
  const client = new OpenAI7({ apiKey, baseURL, maxRetries: 0, ...extra });
  const b = client.beta as unknown as { assistants: Loose; threads: Loose & { messages: Loose; runs: Loose & { steps: Loose } } };
  const t = b.threads;
  return {
    name: 'openai 7.x',
    raw: client,
    createAssistant: (body) => b.assistants.create(body) as Promise<Obj>,
    retrieveAssistant: (id) => b.assistants.retrieve(id) as Promise<Obj>,
    updateAssistant: (id, body) => b.assistants.update(id, body) as Promise<Obj>,
    deleteAssistant: (id) => b.assistants.delete(id) as Promise<Obj>,
    listAssistantsAll: (q) => collect(b.assistants.list(q ?? {})),
    createThread: (body) => t.create(body ?? {}) as Promise<Obj>,
    retrieveThread: (id) => t.retrieve(id) as Promise<Obj>,
    updateThread: (id, body) => t.update(id, body) as Promise<Obj>,
    deleteThread: (id) => t.delete(id) as Promise<Obj>,
    createMessage: (tid, body) => t.messages.create(tid, body) as Promise<Obj>,
    retrieveMessage: (tid, id) => t.messages.retrieve(id, { thread_id: tid }) as Promise<Obj>,
    updateMessage: (tid, id, body) => t.messages.update(id, { thread_id: tid, ...body }) as Promise<Obj>,
    deleteMessage: (tid, id) => t.messages.delete(id, { thread_id: tid }) as Promise<Obj>,
    listMessages: (tid, q) => t.messages.list(tid, q ?? {}) as Promise<{ data: Obj[]; has_more: boolean }>,
    listMessagesAll: (tid, q) => collect(t.messages.list(tid, q ?? {})),
    createRun: (tid, body) => t.runs.create(tid, body) as Promise<Obj>,
    createAndPoll: (tid, body) => t.runs.createAndPoll(tid, body, POLL) as Promise<Obj>,
    createAndRunPoll: (body) => t.createAndRunPoll(body, POLL) as Promise<Obj>,
    retrieveRun: (tid, rid) => t.runs.retrieve(rid, { thread_id: tid }) as Promise<Obj>,
    pollRun: (tid, rid) => t.runs.poll(rid, { thread_id: tid }, POLL) as Promise<Obj>,
    updateRun: (tid, rid, body) => t.runs.update(rid, { thread_id: tid, ...body }) as Promise<Obj>,
    cancelRun: (tid, rid) => t.runs.cancel(rid, { thread_id: tid }) as Promise<Obj>,
    listRunsAll: (tid, q) => collect(t.runs.list(tid, q ?? {})),
    submitToolOutputs: (tid, rid, body) => t.runs.submitToolOutputs(rid, { thread_id: tid, ...body }) as Promise<Obj>,
    submitToolOutputsAndPoll: (tid, rid, body) => t.runs.submitToolOutputsAndPoll(rid, { thread_id: tid, ...body }, POLL) as Promise<Obj>,
    listStepsAll: (tid, rid, q) => collect(t.runs.steps.list(rid, { thread_id: tid, ...(q ?? {}) })),
    retrieveStep: (tid, rid, sid) => t.runs.steps.retrieve(sid, { thread_id: tid, run_id: rid }) as Promise<Obj>,
    streamRun: (tid, body) => t.runs.stream(tid, body) as unknown as AsyncIterable<{ event: string; data: unknown }>,
  };
}

export const SDKS = [
  { name: 'openai 4.x', make: openai4 },
  { name: 'openai 7.x', make: openai7 },
] as const;
