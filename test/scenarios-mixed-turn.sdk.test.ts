/**
 * A scripted turn with text AND tool calls (a model reply with both content and tool_calls): the
 * assistant says the text as a message (its message_creation step completed), then makes the calls.
 * Through the official SDKs (openai 4.x and 7.x) over real HTTP: the streamed events in order, the
 * steps and messages, requires_action then the outputs, the turn's usage counted once; and the
 * scenario schema that allows text with tool_calls and nothing else together.
 */
import OpenAI4 from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateScenarioFile } from '../src/brains/scenarios/validate.js';
import { collapseDeltas } from './helpers/sse.js';
import { TEXT_THEN_TOOL_CALLS_EVENTS } from './helpers/fixtures.js';
import { runSdk, type Event, type Json, type Message, type Run, type RunSdk, type Step } from './helpers/run-sdk.js';
import { openai4, openai7 } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const sdk4 = (baseURL: string) => runSdk(openai4(baseURL, 'sk-mixed'));
const sdk7 = (baseURL: string) => runSdk(openai7(baseURL, 'sk-mixed'));

const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** Over the lowest max_completion_tokens the API takes (256). */
const LONG_PREFACE = 'Let me think about that carefully. '.repeat(60);

const SCENARIOS = [
  {
    name: 'preface then call',
    match: { message: { contains: 'weather in' } },
    turns: [
      {
        text: 'Let me look up the weather in {{run.metadata.city}} for you.',
        tool_calls: [{ function: 'get_weather', arguments: { city: '{{run.metadata.city}}' } }],
        usage: { prompt_tokens: 500, completion_tokens: 40 },
      },
      { text: 'It is {{tool_outputs.0.output}}.', usage: { prompt_tokens: 600, completion_tokens: 5 } },
    ],
  },
  {
    name: 'long preface',
    match: { message: 'a long preface' },
    turns: [{ text: LONG_PREFACE, tool_calls: [{ function: 'get_weather', arguments: { city: 'Oslo' } }] }],
  },
  {
    name: 'preface then search',
    match: { message: { contains: 'refund' } },
    turns: [{ text: 'Searching the handbook.', tool_calls: [{ file_search: { query: 'refund' } }] }, { text: 'Nothing found.' }],
  },
];

const textOf = (m: Message) => m.content.map((c) => c.text.value).join('');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.admin.withApiKey('sk-mixed').scenarios.add(SCENARIOS as never);
});
afterAll(async () => server?.stop());

describe.each([sdk4, sdk7])('%o', (make) => {
  let client: RunSdk;
  let assistantId: string;
  beforeAll(async () => {
    client = make(server.baseURL);
    assistantId = (await client.createAssistant({ model: 'gpt-4o', name: 'Mixed', tools: [WEATHER, { type: 'file_search' }] })).id;
  });

  it('runs.stream: the message is said and completed, then the tool_calls step, then requires_action', async () => {
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'weather in Oslo?' }] })).id;
    const events: Event[] = [];
    // Copied as they come: openai 4.x's helper accumulates later deltas into the first one's object.
    for await (const event of client.stream(threadId, { assistant_id: assistantId, metadata: { city: 'Oslo' } }))
      events.push(structuredClone(event));

    expect(collapseDeltas(events.map((e) => e.event))).toEqual(TEXT_THEN_TOOL_CALLS_EVENTS);
    const said = events
      .filter((e) => e.event === 'thread.message.delta')
      .map((e) => (e.data.delta as { content: { text: { value: string } }[] }).content[0].text.value)
      .join('');
    expect(said).toBe('Let me look up the weather in Oslo for you.');
    const steps = events.filter((e) => e.event === 'thread.run.step.created').map((e) => (e.data as Step).type);
    expect(steps).toEqual(['message_creation', 'tool_calls']);

    const run = events.at(-1)!.data as Run;
    expect(run.status).toBe('requires_action');
    const [call] = run.required_action!.submit_tool_outputs.tool_calls;
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
    // The scripted usage is the whole turn's (message and calls), counted once.
    expect(run.usage).toEqual({ prompt_tokens: 500, completion_tokens: 40, total_tokens: 540 });

    const messages = await client.messages(threadId);
    expect(messages.map((m) => [m.role, m.status, textOf(m)])).toEqual([
      ['user', 'completed', 'weather in Oslo?'],
      ['assistant', 'completed', 'Let me look up the weather in Oslo for you.'],
    ]);
    const listed = await client.steps(threadId, run.id);
    expect(listed.map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'in_progress'],
    ]);
    expect(listed[0].step_details.message_creation?.message_id).toBe(messages[1].id);

    const done = await client.submitAndPoll(threadId, run.id, [{ tool_call_id: call.id, output: '-3C and snowing' }]);
    expect(done.status).toBe('completed');
    expect(done.usage).toEqual({ prompt_tokens: 1100, completion_tokens: 45, total_tokens: 1145 });
    expect((await client.messages(threadId)).map(textOf)).toEqual([
      'weather in Oslo?',
      'Let me look up the weather in Oslo for you.',
      'It is -3C and snowing.',
    ]);
    const after = await client.steps(threadId, run.id);
    expect(after.map((s) => [s.type, s.status])).toEqual([
      ['message_creation', 'completed'],
      ['tool_calls', 'completed'],
      ['message_creation', 'completed'],
    ]);
    // The first turn's two steps share its usage: together they are the scripted usage.
    const [said0, calls0] = after;
    expect(said0.usage!.prompt_tokens + calls0.usage!.prompt_tokens).toBe(500);
    expect(said0.usage!.completion_tokens + calls0.usage!.completion_tokens).toBe(40);
    expect(said0.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('max_completion_tokens cutting the text ends the run incomplete: the calls are not made', async () => {
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'a long preface' }] })).id;
    const run = await client.createAndPoll(threadId, { assistant_id: assistantId, max_completion_tokens: 256 });
    expect(run.status).toBe('incomplete');
    expect(run.incomplete_details).toEqual({ reason: 'max_completion_tokens' });
    expect(run.required_action).toBeNull();
    expect((await client.steps(threadId, run.id)).map((s) => s.type)).toEqual(['message_creation']);
    const [, said] = await client.messages(threadId);
    expect(said.status).toBe('incomplete');
    expect(textOf(said).length).toBeGreaterThan(0);
    expect(LONG_PREFACE.startsWith(textOf(said)) && textOf(said) !== LONG_PREFACE).toBe(true);
  });

  it('text then a file_search call: the message, the search step carried out, then the next turn', async () => {
    const threadId = (await client.createThread({ messages: [{ role: 'user', content: 'What is the refund policy?' }] })).id;
    const run = await client.createAndPoll(threadId, { assistant_id: assistantId });
    expect(run.status).toBe('completed');
    const steps = await client.steps(threadId, run.id);
    expect(steps.map((s) => [s.type, s.status, (s.step_details.tool_calls ?? []).map((c) => c.type)])).toEqual([
      ['message_creation', 'completed', []],
      ['tool_calls', 'completed', ['file_search']],
      ['message_creation', 'completed', []],
    ]);
    expect((await client.messages(threadId)).map(textOf)).toEqual([
      'What is the refund policy?',
      'Searching the handbook.',
      'Nothing found.',
    ]);
  });
});

describe('the scenario schema: text may go with tool_calls, nothing else together', () => {
  const turn = (t: Json) => validateScenarioFile({ scenarios: [{ name: 'a', turns: [t] }] });
  const call = [{ function: 'f' }];

  it('accepts text with tool_calls (and the text’s annotations)', () => {
    expect(turn({ text: 'One moment.', tool_calls: call }).ok).toBe(true);
    expect(turn({ text: 'See 【1】.', annotations: [{ type: 'file_citation', text: '【1】', file_id: 'f' }], tool_calls: call }).ok).toBe(
      true,
    );
  });

  it.each([
    ['text and json', { text: 'a', json: {} }, "has 'text' and 'json', but only one of"],
    ['fail and text', { text: 'a', fail: {} }, "has 'text' and 'fail', but only one of"],
    ['text, tool_calls and json', { text: 'a', tool_calls: call, json: {} }, "has 'text' and 'json' and 'tool_calls', but only one of"],
    ['tool_calls and fail', { tool_calls: call, fail: {} }, "has 'tool_calls' and 'fail', but only one of"],
    ['incomplete and tool_calls', { incomplete: {}, tool_calls: call }, "has 'tool_calls' and 'incomplete', but only one of"],
  ])('rejects %s', (_name, value, message) => {
    const result = turn(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toContain(message);
  });

  it('rejects annotations on tool calls without text', () => {
    const result = turn({ tool_calls: call, annotations: [{ type: 'file_citation', text: 'x', file_id: 'f' }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).toBe("'annotations' belong to a text turn (add 'text')");
  });

  it('the control API takes a text-and-tool-calls turn and refuses text with json, with the OpenAI error shape', async () => {
    const admin = server.admin.withApiKey('sk-schema');
    await expect(
      admin.scenarios.add({ name: 'ok', turns: [{ text: 'Hi.', tool_calls: [{ function: 'f' }] }] } as never),
    ).resolves.toBeTruthy();
    const response = await fetch(`${server.url}/__admin/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-schema' },
      body: JSON.stringify({ name: 'bad', turns: [{ text: 'Hi.', json: {} }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; param: string | null } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain("has 'text' and 'json', but only one of");
  });
});

describe('manual run mode (docs/control-api.md)', () => {
  it('a text-then-tool-calls turn takes two more advances than a turn of calls alone: the message, then the calls', async () => {
    const manual = await startTestServer({ runMode: 'manual' });
    try {
      const admin = manual.admin.withApiKey('sk-manual');
      await admin.scenarios.add([
        { name: 'mixed', match: { message: 'mixed' }, turns: [{ text: 'One moment.', tool_calls: [{ function: 'get_weather' }] }] },
        { name: 'calls', match: { message: 'calls' }, turns: [{ tool_calls: [{ function: 'get_weather' }] }] },
      ] as never);
      const client = new OpenAI4({ apiKey: 'sk-manual', baseURL: manual.baseURL, maxRetries: 0 });
      const assistant = await client.beta.assistants.create({ model: 'gpt-4o', tools: [WEATHER as never] });
      /** What a client sees after each advance until requires_action: the run's status, the steps, the message. */
      const walk = async (content: string) => {
        const thread = await client.beta.threads.create({ messages: [{ role: 'user', content }] });
        const run = await client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
        const seen: string[] = [];
        for (let status = 'queued'; status !== 'requires_action';) {
          expect(seen.length).toBeLessThan(10);
          status = (await admin.runs.advance(run.id)).status;
          const steps = (await client.beta.threads.runs.steps.list(thread.id, run.id, { order: 'asc' })).data;
          const said = (await client.beta.threads.messages.list(thread.id)).data.find((m) => m.role === 'assistant');
          seen.push([status, ...steps.map((s) => `${s.type}:${s.status}`), said ? `message:${said.status}` : ''].join(' ').trim());
        }
        return seen;
      };
      expect(await walk('calls')).toEqual([
        'in_progress', // start
        'in_progress', // plan
        'in_progress tool_calls:in_progress', // begin
        'in_progress tool_calls:in_progress', // stream
        'requires_action tool_calls:in_progress', // finish
      ]);
      expect(await walk('mixed')).toEqual([
        'in_progress',
        'in_progress',
        'in_progress message_creation:in_progress message:in_progress',
        'in_progress message_creation:in_progress message:in_progress',
        'in_progress message_creation:completed tool_calls:in_progress message:completed', // the message is said; the calls' step opens
        'in_progress message_creation:completed tool_calls:in_progress message:completed', // the calls stream
        'requires_action message_creation:completed tool_calls:in_progress message:completed',
      ]);
    } finally {
      await manual.stop();
    }
  });
});
