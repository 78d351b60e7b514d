/**
 * Races over real HTTP (every request on its own connection, all sent at once): concurrent tool
 * outputs on one run, concurrent run creation on one thread, cancel racing completion, concurrent
 * cancels. Each must end in one consistent state, with the real error texts for the losers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

interface Run {
  id: string;
  status: string;
  thread_id: string;
  completed_at: number | null;
  cancelled_at: number | null;
  failed_at: number | null;
  expires_at: number | null;
  required_action: { submit_tool_outputs: { tool_calls: { id: string }[] } } | null;
}

interface Step {
  id: string;
  type: string;
  status: string;
  completed_at: number | null;
  cancelled_at: number | null;
  step_details: { type: string; message_creation?: { message_id: string }; tool_calls?: { function?: { output: string | null } }[] };
}

interface Message {
  id: string;
  status: string;
  role: string;
  content: { text: { value: string } }[];
}

interface Answer<T> {
  status: number;
  body: T;
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function client(base: string) {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const res = await fetch(`${base}/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}

type Call = ReturnType<typeof client>;

async function waitFor(call: Call, threadId: string, runId: string, done: (run: Run) => boolean, timeoutMs = 10_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call<Run>('GET', `/threads/${threadId}/runs/${runId}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} stuck in ${body.status}`);
    await sleep(5);
  }
}

const ended = (run: Run) => ['completed', 'cancelled', 'failed', 'expired', 'incomplete'].includes(run.status);

async function steps(call: Call, threadId: string, runId: string): Promise<Step[]> {
  return (await call<{ data: Step[] }>('GET', `/threads/${threadId}/runs/${runId}/steps?order=asc`)).body.data;
}

describe('races', () => {
  let server: TestServer;
  let paced: TestServer;
  let call: Call;
  let callPaced: Call;
  let assistant: string;
  let assistantPaced: string;

  beforeAll(async () => {
    server = await startTestServer();
    // Deltas 15 ms apart: a text run lasts a few hundred milliseconds, long enough to race.
    paced = await startTestServer({ streamDelayMs: 15 });
    call = client(server.url);
    callPaced = client(paced.url);
    assistant = (await call<{ id: string }>('POST', '/assistants', { model: 'gpt-4o', tools: [WEATHER_TOOL] })).body.id;
    assistantPaced = (await callPaced<{ id: string }>('POST', '/assistants', { model: 'gpt-4o', tools: [WEATHER_TOOL] })).body.id;
  });

  afterAll(async () => {
    await server?.stop();
    await paced?.stop();
  });

  async function threadWith(c: Call, text: string): Promise<string> {
    return (await c<{ id: string }>('POST', '/threads', { messages: [{ role: 'user', content: text }] })).body.id;
  }

  it('concurrent submit_tool_outputs on one run: exactly one wins, the rest get the real 400', async () => {
    const RUNS = 4;
    const CONCURRENT = 20;
    await Promise.all(
      Array.from({ length: RUNS }, async (_, r) => {
        const threadId = await threadWith(call, `What is the weather in Paris? (${r})`);
        const created = await call<Run>('POST', `/threads/${threadId}/runs`, { assistant_id: assistant });
        const run = await waitFor(call, threadId, created.body.id, (x) => x.status === 'requires_action');
        const calls = run.required_action!.submit_tool_outputs.tool_calls;
        const answers = await Promise.all(
          Array.from({ length: CONCURRENT }, (_, i) =>
            call<Run | ErrorBody>('POST', `/threads/${threadId}/runs/${run.id}/submit_tool_outputs`, {
              tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: `output ${i}` })),
            }),
          ),
        );
        const winners = answers.filter((a) => a.status === 200);
        expect(winners).toHaveLength(1);
        for (const loser of answers.filter((a) => a.status !== 200)) {
          expect(loser.status).toBe(400);
          const error = (loser.body as ErrorBody).error;
          expect(error.message).toMatch(/^Runs in status "(queued|in_progress|completed)" do not accept tool outputs\.$/);
          expect(error.type).toBe('invalid_request_error');
        }
        const final = await waitFor(call, threadId, run.id, ended);
        expect(final.status).toBe('completed');
        // One tool step, carrying the winner's output only, then the message step.
        const list = await steps(call, threadId, run.id);
        const toolSteps = list.filter((s) => s.type === 'tool_calls');
        expect(toolSteps).toHaveLength(1);
        expect(toolSteps[0].status).toBe('completed');
        const outputs = toolSteps[0].step_details.tool_calls!.map((c) => c.function?.output);
        expect(new Set(outputs).size).toBe(1);
        expect(outputs[0]).toMatch(/^output \d+$/);
      }),
    );
  });

  it('concurrent run creation on one thread: exactly one succeeds, the others get "already has an active run"', async () => {
    const CONCURRENT = 20;
    // A run that waits for tool outputs, and a text run paced to last a while.
    const cases: [Call, string, string][] = [
      [call, assistant, 'What is the weather in Oslo?'],
      [callPaced, assistantPaced, 'Tell me a long and pleasant story, please.'],
    ];
    for (const [c, assistantId, text] of cases) {
      const threadId = await threadWith(c, text);
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, () => c<Run | ErrorBody>('POST', `/threads/${threadId}/runs`, { assistant_id: assistantId })),
      );
      const winners = answers.filter((a) => a.status === 200);
      expect(winners).toHaveLength(1);
      const winner = winners[0].body as Run;
      for (const loser of answers.filter((a) => a.status !== 200)) {
        expect(loser.status).toBe(400);
        expect((loser.body as ErrorBody).error.message).toBe(`Thread ${threadId} already has an active run ${winner.id}.`);
      }
      const runs = await c<{ data: Run[] }>('GET', `/threads/${threadId}/runs`);
      expect(runs.body.data.map((r) => r.id)).toEqual([winner.id]);
      // A message cannot slip in while the run is active either.
      const message = await c<ErrorBody>('POST', `/threads/${threadId}/messages`, { role: 'user', content: 'me too' });
      expect(message.status).toBe(400);
      expect(message.body.error.message).toBe(`Can't add messages to ${threadId} while a run ${winner.id} is active.`);
      await c('POST', `/threads/${threadId}/runs/${winner.id}/cancel`);
      expect((await waitFor(c, threadId, winner.id, ended)).status).toBe('cancelled');
    }
  });

  it('cancel racing completion: one consistent ending, never both', async () => {
    const TRIALS = 48;
    const outcomes = { cancelled: 0, completed: 0 };
    const trial = async (i: number) => {
      // Half on the paced server (cancel lands mid-stream), half on the fast one (cancel races the end).
      const [c, assistantId] = i % 2 === 0 ? [callPaced, assistantPaced] : [call, assistant];
      const threadId = await threadWith(c, `Say something kind (${i})`);
      const created = await c<Run>('POST', `/threads/${threadId}/runs`, { assistant_id: assistantId });
      // From at once (queued) to well after the end: the cancels land all along the run's life.
      await sleep(Math.floor(i / 2) * 6);
      const cancel = await c<Run | ErrorBody>('POST', `/threads/${threadId}/runs/${created.body.id}/cancel`);
      const final = await waitFor(c, threadId, created.body.id, ended);
      const list = await steps(c, threadId, final.id);
      if (cancel.status === 200) {
        expect(['cancelling', 'cancelled']).toContain((cancel.body as Run).status);
        expect(final.status).toBe('cancelled');
        expect(final.cancelled_at).not.toBeNull();
        expect(final.completed_at).toBeNull();
        expect(final.failed_at).toBeNull();
        for (const step of list) {
          expect(step.status).toBe('cancelled');
          expect(step.completed_at).toBeNull();
        }
        for (const step of list.filter((s) => s.step_details.message_creation)) {
          const message = await c<Message>('GET', `/threads/${threadId}/messages/${step.step_details.message_creation!.message_id}`);
          expect(message.body.status).toBe('incomplete');
        }
        outcomes.cancelled++;
      } else {
        expect(cancel.status).toBe(400);
        expect((cancel.body as ErrorBody).error.message).toBe("Cannot cancel run with status 'completed'");
        expect(final.status).toBe('completed');
        expect(final.completed_at).not.toBeNull();
        expect(final.cancelled_at).toBeNull();
        expect(list.length).toBeGreaterThan(0);
        for (const step of list) {
          expect(step.status).toBe('completed');
          expect(step.cancelled_at).toBeNull();
        }
        const messageId = list.find((s) => s.step_details.message_creation)!.step_details.message_creation!.message_id;
        const message = await c<Message>('GET', `/threads/${threadId}/messages/${messageId}`);
        expect(message.body.status).toBe('completed');
        expect(message.body.content[0].text.value.length).toBeGreaterThan(0);
        outcomes.completed++;
      }
      expect(final.expires_at).toBeNull();
    };
    for (let i = 0; i < TRIALS; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => trial(i + k)));
    // Both endings happened, or the race was not a race.
    expect(outcomes.cancelled).toBeGreaterThan(0);
    expect(outcomes.completed).toBeGreaterThan(0);
  });

  it('concurrent cancels of one run: one moves it to cancelling, the rest are refused', async () => {
    const threadId = await threadWith(call, 'What is the weather in Rome?');
    const created = await call<Run>('POST', `/threads/${threadId}/runs`, { assistant_id: assistant });
    await waitFor(call, threadId, created.body.id, (x) => x.status === 'requires_action');
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => call<Run | ErrorBody>('POST', `/threads/${threadId}/runs/${created.body.id}/cancel`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200)) {
      expect(loser.status).toBe(400);
      expect((loser.body as ErrorBody).error.message).toMatch(/^Cannot cancel run with status '(cancelling|cancelled)'$/);
    }
    const final = await waitFor(call, threadId, created.body.id, ended);
    expect(final.status).toBe('cancelled');
    const list = await steps(call, threadId, final.id);
    expect(list.map((s) => s.status)).toEqual(['cancelled']);
  });
});
