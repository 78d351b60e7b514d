/**
 * A model reply with text AND tool calls in one Chat Completions response, from a real third-party
 * OpenAI-compatible server (@copilotkit/aimock, in-process), through the official SDKs: the text is a
 * message completed before the tool_calls step; text the backend sends after a call has started is
 * not shown (one step at a time); the backend's usage for the whole call is counted once; and
 * a recorded conversation replays with the backend off giving the same messages, steps, calls and
 * statuses.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestBody, startAimock, type Aimock } from './helpers/aimock.js';
import { collapseDeltas } from './helpers/sse.js';
import { TEXT_THEN_TOOL_CALLS_EVENTS } from './helpers/fixtures.js';
import { runSdk, type Event, type Message, type Run, type RunSdk } from './helpers/run-sdk.js';
import { openai4, openai7 } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const sdk4 = (baseURL: string) => runSdk(openai4(baseURL));
const sdk7 = (baseURL: string) => runSdk(openai7(baseURL));

const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const USAGE = { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 };
const textOf = (m: Message) => m.content.map((c) => c.text.value).join('');

let aimock: Aimock;
let server: TestServer;

beforeAll(async () => {
  aimock = await startAimock();
  server = await startTestServer({ modelBackendUrl: aimock.baseURL });
});
afterAll(async () => {
  await server?.stop();
  await aimock?.stop();
});
beforeEach(() => aimock.mock.reset());

/** After a tool result, aimock must answer the follow-up, not the first fixture again: put it first. */
function onToolResult(answer: (output: string) => string) {
  aimock.mock.prependFixture({
    match: { predicate: (req) => req.messages.at(-1)?.role === 'tool' },
    response: (req) => ({ content: answer(String(req.messages.at(-1)?.content)) }),
  });
}

describe.each([sdk4, sdk7])('%o', (make) => {
  let client: RunSdk;
  let assistantId: string;
  beforeAll(async () => {
    client = make(server.baseURL);
    assistantId = (await client.createAssistant({ model: 'gpt-4o', name: 'Mixed bot', tools: [WEATHER] })).id;
  });
  const thread = async (text: string) => (await client.createThread({ messages: [{ role: 'user', content: text }] })).id;

  it('content then tool calls: the message completes, then the tool_calls step streams, then requires_action', async () => {
    aimock.mock.onMessage('weather in Oslo', {
      content: 'Let me check the weather.',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      usage: USAGE,
    });
    const threadId = await thread('weather in Oslo?');
    const events: Event[] = [];
    for await (const event of client.stream(threadId, { assistant_id: assistantId })) events.push(structuredClone(event));
    expect(collapseDeltas(events.map((e) => e.event))).toEqual(TEXT_THEN_TOOL_CALLS_EVENTS);
    const run = events.at(-1)!.data as Run;
    // The backend's usage is the whole call's (the message and the calls): counted once.
    expect(run.usage).toEqual(USAGE);
    const steps = await client.steps(threadId, run.id);
    expect(steps.map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'in_progress'],
    ]);
    expect((await client.messages(threadId)).map((m) => [m.role, m.status, textOf(m)])).toEqual([
      ['user', 'completed', 'weather in Oslo?'],
      ['assistant', 'completed', 'Let me check the weather.'],
    ]);

    onToolResult((output) => `Oslo: ${output}.`);
    const [call] = run.required_action!.submit_tool_outputs.tool_calls;
    const done = await client.submitAndPoll(threadId, run.id, [{ tool_call_id: call.id, output: '-3C' }]);
    expect(done.status).toBe('completed');
    const after = await client.steps(threadId, run.id);
    // The two steps of the first call share the backend's usage between them, once.
    expect(after[0].usage!.prompt_tokens + after[1].usage!.prompt_tokens).toBe(USAGE.prompt_tokens);
    expect(after[0].usage!.completion_tokens + after[1].usage!.completion_tokens).toBe(USAGE.completion_tokens);
    expect(done.usage!.prompt_tokens - USAGE.prompt_tokens).toBe(after[2].usage!.prompt_tokens);
  });

  it('text after a call has started is not shown: one step at a time, and both SDK stream helpers accept the events', async () => {
    aimock.mock.onMessage('interleaved', {
      blocks: [
        { type: 'text', text: 'First I look.' },
        { type: 'toolCall', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'text', text: 'Then I wait for it.' },
      ],
    });
    const threadId = await thread('interleaved please');
    const events: Event[] = [];
    for await (const event of client.stream(threadId, { assistant_id: assistantId })) events.push(structuredClone(event));
    const run = events.at(-1)!.data as Run;
    expect(run.status).toBe('requires_action');
    expect((await client.steps(threadId, run.id)).map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'in_progress'],
    ]);
    expect((await client.messages(threadId)).map(textOf)).toEqual(['interleaved please', 'First I look.']);
    const said = events
      .filter((e) => e.event === 'thread.message.delta')
      .map((e) => (e.data.delta as { content: { text: { value: string } }[] }).content[0].text.value)
      .join('');
    expect(said).toBe('First I look.');
    expect(run.required_action!.submit_tool_outputs.tool_calls.map((c) => c.function.name)).toEqual(['get_weather']);
  });

  it('a tool call first, then text: only the tool_calls step', async () => {
    aimock.mock.onMessage('tool first', {
      blocks: [
        { type: 'toolCall', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'text', text: 'Checking Rome.' },
      ],
    });
    const threadId = await thread('tool first please');
    const events: Event[] = [];
    for await (const event of client.stream(threadId, { assistant_id: assistantId })) events.push(structuredClone(event));
    const run = events.at(-1)!.data as Run;
    expect(run.status).toBe('requires_action');
    expect((await client.steps(threadId, run.id)).map((s) => [s.type, s.status])).toEqual([['tool_calls', 'in_progress']]);
    expect((await client.messages(threadId)).map(textOf)).toEqual(['tool first please']);
  });
});

describe('what the model is sent back: the run so far, in the order it happened', () => {
  it('each message the run said goes back with the tool calls of its turn, before their outputs', async () => {
    const client = sdk7(server.baseURL);
    const assistant = await client.createAssistant({ model: 'gpt-4o', name: 'Two turns', tools: [WEATHER] });
    const toolResults = (req: { messages: { role: string }[] }) => req.messages.filter((m) => m.role === 'tool').length;
    aimock.mock.prependFixture({
      match: { predicate: (req) => toolResults(req) === 0 },
      response: { content: 'First, Oslo.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
    });
    aimock.mock.prependFixture({
      match: { predicate: (req) => toolResults(req) === 1 },
      response: { content: 'Now Rome.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Rome"}' }] },
    });
    aimock.mock.prependFixture({ match: { predicate: (req) => toolResults(req) === 2 }, response: { content: 'Oslo -3C, Rome 20C.' } });
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'Oslo and Rome, one by one' }] })).id;
    let run = await client.createAndPoll(threadId, { assistant_id: assistant.id });
    for (const output of ['-3C', '20C']) {
      const [call] = run.required_action!.submit_tool_outputs.tool_calls;
      run = await client.submitAndPoll(threadId, run.id, [{ tool_call_id: call.id, output }]);
    }
    expect(run.status).toBe('completed');
    const last = requestBody(aimock.chatRequests().at(-1)!).messages as {
      role: string;
      content: unknown;
      tool_calls?: { function: { arguments: string } }[];
    }[];
    expect(last.map((m) => [m.role, m.content, m.tool_calls?.map((c) => c.function.arguments)])).toEqual([
      ['user', 'Oslo and Rome, one by one', undefined],
      ['assistant', 'First, Oslo.', ['{"city":"Oslo"}']],
      ['tool', '-3C', undefined],
      ['assistant', 'Now Rome.', ['{"city":"Rome"}']],
      ['tool', '20C', undefined],
    ]);
    expect((await client.messages(threadId)).map(textOf)).toEqual([
      'Oslo and Rome, one by one',
      'First, Oslo.',
      'Now Rome.',
      'Oslo -3C, Rome 20C.',
    ]);
  });
});

describe('record, then replay with no model: a reply with text and tool calls', () => {
  /** A question whose first reply has text and a call; then the output and the answer. */
  async function ask(client: RunSdk, assistantId: string, question: string) {
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: question }] })).id;
    const first = await client.createAndPoll(threadId, { assistant_id: assistantId });
    const calls = first.required_action?.submit_tool_outputs.tool_calls ?? [];
    const stepsAtAction = await client.steps(threadId, first.id);
    const done = await client.submitAndPoll(
      threadId,
      first.id,
      calls.map((c) => ({ tool_call_id: c.id, output: 'rain' })),
    );
    const steps = await client.steps(threadId, first.id);
    return {
      statuses: [first.status, done.status],
      usage: [first.usage, done.usage],
      calls: calls.map((c) => c.function),
      stepsAtAction: stepsAtAction.map((s) => [s.type, s.status]),
      steps: steps.map((s) => [s.type, s.status, (s.step_details.tool_calls ?? []).map((c) => c.type)]),
      messages: (await client.messages(threadId)).map((m) => [m.role, m.status, textOf(m)]),
    };
  }

  /** Two conversations: content then a call; and content, a call, then content the client never sees. */
  async function converse(client: RunSdk) {
    const assistant = await client.createAssistant({ model: 'gpt-4o', name: 'Mixed recorder', tools: [WEATHER] });
    const weather = [await ask(client, assistant.id, 'weather in Bergen?'), await ask(client, assistant.id, 'weather in Rome?')];
    // Text, then a file_search call the server carries out, then the answer: one run.
    const searcher = await client.createAssistant({ model: 'gpt-4o', name: 'Mixed searcher', tools: [{ type: 'file_search' }] });
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'What is the refund policy?' }] })).id;
    const run = await client.createAndPoll(threadId, { assistant_id: searcher.id });
    const search = {
      status: run.status,
      usage: run.usage,
      steps: (await client.steps(threadId, run.id)).map((s) => [s.type, s.status, (s.step_details.tool_calls ?? []).map((c) => c.type)]),
      messages: (await client.messages(threadId)).map((m) => [m.role, m.status, textOf(m)]),
    };
    return { weather, search };
  }

  it('gives the same messages, steps (types and order), tool calls, statuses and usage', async () => {
    const recording = join(server.dir, 'mixed-recorded.yaml');
    const recorder = await startTestServer({ modelBackendUrl: aimock.baseURL, recordTo: recording });
    let live;
    try {
      aimock.mock.onMessage('weather in Bergen', {
        content: 'One moment, checking Bergen.',
        toolCalls: [{ name: 'get_weather', arguments: '{"city": "Bergen"}' }],
        usage: USAGE,
      });
      aimock.mock.onMessage('weather in Rome', {
        blocks: [
          { type: 'text', text: 'Rome, then.' },
          { type: 'toolCall', name: 'get_weather', arguments: '{"city":"Rome"}' },
          { type: 'text', text: 'Not shown.' },
        ],
      });
      aimock.mock.onMessage('refund policy', {
        content: 'Let me search the handbook.',
        toolCalls: [{ name: 'file_search', arguments: '{"query":"refund"}' }],
      });
      onToolResult((output) => (output.includes('rain') ? `It is ${output}.` : 'The handbook says nothing about refunds.'));
      live = await converse(sdk7(recorder.baseURL));
    } finally {
      await recorder.stop();
    }
    for (const conversation of live.weather) {
      expect(conversation.statuses).toEqual(['requires_action', 'completed']);
      expect(conversation.stepsAtAction).toEqual([
        ['message_creation', 'completed'],
        ['tool_calls', 'in_progress'],
      ]);
    }
    expect(live.weather[0].usage[0]).toEqual(USAGE);
    expect(live.weather.map((c) => c.messages)).toEqual([
      [
        ['user', 'completed', 'weather in Bergen?'],
        ['assistant', 'completed', 'One moment, checking Bergen.'],
        ['assistant', 'completed', 'It is rain.'],
      ],
      [
        ['user', 'completed', 'weather in Rome?'],
        ['assistant', 'completed', 'Rome, then.'],
        ['assistant', 'completed', 'It is rain.'],
      ],
    ]);
    expect(live.search.status).toBe('completed');
    expect(live.search.steps).toEqual([
      ['message_creation', 'completed', []],
      ['tool_calls', 'completed', ['file_search']],
      ['message_creation', 'completed', []],
    ]);
    expect(live.search.messages.map((m) => m[2])).toEqual([
      'What is the refund policy?',
      'Let me search the handbook.',
      'The handbook says nothing about refunds.',
    ]);
    const requests = aimock.chatRequests().length;

    const replay = await startTestServer({ scenarios: recording });
    try {
      expect(await converse(sdk4(replay.baseURL))).toEqual(live);
    } finally {
      await replay.stop();
    }
    expect(aimock.chatRequests()).toHaveLength(requests);
  });
});
