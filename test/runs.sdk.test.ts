/**
 * Issue 3 through the official SDKs (4.x and 7.x): the run lifecycle, tool calls, cancel, the thread
 * lock, misuse, pagination of runs and steps, token accounting.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/brains/tokens.js';
import { SDKS, type Obj, type SdkAdapter } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const WEATHER_PARAMS = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['c', 'f'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    when: { type: 'string', format: 'date' },
    options: {
      type: 'object',
      properties: { detailed: { type: 'boolean' }, fields: { type: 'array', items: { type: 'string' }, minItems: 2 } },
      required: ['detailed', 'fields'],
    },
  },
  required: ['city', 'unit', 'days', 'when', 'options'],
  additionalProperties: false,
};
const WEATHER = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather forecast for a city', parameters: WEATHER_PARAMS },
};
const STOCK = {
  type: 'function',
  function: {
    name: 'get_stock_price',
    description: 'Share price',
    parameters: { type: 'object', properties: { ticker: { type: 'string' } }, required: ['ticker'] },
  },
};

type RequiredAction = {
  submit_tool_outputs: { tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[] };
};
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

const ajv = new Ajv({ strict: false });
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
const validWeatherArgs = ajv.compile(WEATHER_PARAMS);

describe.each(SDKS)('runs through $name', ({ make }) => {
  let server: TestServer;
  let sdk: SdkAdapter;
  let assistant: Obj;

  beforeAll(async () => {
    server = await startTestServer();
    sdk = make(server.baseURL);
    assistant = await sdk.createAssistant({ model: 'gpt-4o', instructions: 'You are a test assistant.', tools: [WEATHER, STOCK] });
  });
  afterAll(async () => server.stop());

  it('createAndPoll: a text run is queued at once, completes quickly, with a message step and usage that adds up', async () => {
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Hello there' }] });
    const queued = await sdk.createRun(thread.id, { assistant_id: assistant.id, tool_choice: 'none' });
    expect(queued).toMatchObject({
      object: 'thread.run',
      status: 'queued',
      started_at: null,
      thread_id: thread.id,
      assistant_id: assistant.id,
    });
    expect(queued.id).toMatch(/^run_[A-Za-z0-9]{24}$/);
    expect(queued.expires_at).toBe((queued.created_at as number) + 600);
    const run = await sdk.pollRun(thread.id, queued.id);
    expect(run).toMatchObject({ status: 'completed', expires_at: null, instructions: 'You are a test assistant.', model: 'gpt-4o' });
    expect(run.completed_at).toEqual(expect.any(Number));
    expect(run.started_at).toEqual(expect.any(Number));

    const messages = await sdk.listMessagesAll(thread.id, { order: 'asc' });
    expect(messages).toHaveLength(2);
    const reply = messages[1];
    expect(reply).toMatchObject({ role: 'assistant', status: 'completed', run_id: run.id, assistant_id: assistant.id });
    const text = (reply.content as { text: { value: string } }[])[0].text.value;
    expect(text).toBe('This is a mock reply from assistants-mock. You said: "Hello there"');

    const steps = await sdk.listStepsAll(thread.id, run.id);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      type: 'message_creation',
      status: 'completed',
      step_details: { type: 'message_creation', message_creation: { message_id: reply.id } },
    });
    const usage = run.usage as Usage;
    expect(usage.completion_tokens).toBe(countTokens(text));
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect((steps[0].usage as Usage).total_tokens).toBe(usage.total_tokens);
  });

  it('forced function call: requires_action with schema-valid arguments, outputs recorded, then completed', async () => {
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Hi' }] });
    const run = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(run.status).toBe('requires_action');
    const calls = (run.required_action as RequiredAction).submit_tool_outputs.tool_calls;
    expect(calls).toHaveLength(1);
    expect(calls[0].id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(calls[0].function.name).toBe('get_weather');
    const args = JSON.parse(calls[0].function.arguments);
    expect(validWeatherArgs(args), JSON.stringify(validWeatherArgs.errors)).toBe(true);

    const done = await sdk.submitToolOutputsAndPoll(thread.id, run.id, {
      tool_outputs: [{ tool_call_id: calls[0].id, output: '21 degrees' }],
    });
    expect(done.status).toBe('completed');
    expect(done.required_action).toBeNull();

    const steps = await sdk.listStepsAll(thread.id, run.id, { order: 'asc' });
    expect(steps.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    expect(steps[0]).toMatchObject({
      status: 'completed',
      step_details: {
        type: 'tool_calls',
        tool_calls: [
          {
            id: calls[0].id,
            type: 'function',
            function: { name: 'get_weather', arguments: calls[0].function.arguments, output: '21 degrees' },
          },
        ],
      },
    });
    const messages = await sdk.listMessagesAll(thread.id, { run_id: run.id });
    expect((messages[0].content as { text: { value: string } }[])[0].text.value).toContain('21 degrees');
    const stepUsage = steps.map((s) => s.usage as Usage);
    const total = stepUsage.reduce((n, u) => n + u.total_tokens, 0);
    expect((done.usage as Usage).total_tokens).toBe(total);
  });

  it('tool_choice required calls a tool; auto calls the function the message mentions, else answers in text', async () => {
    const t1 = await sdk.createThread({ messages: [{ role: 'user', content: 'Nothing in particular' }] });
    const required = await sdk.createAndPoll(t1.id, { assistant_id: assistant.id, tool_choice: 'required' });
    expect(required.status).toBe('requires_action');
    await sdk.cancelRun(t1.id, required.id);

    const t2 = await sdk.createThread({ messages: [{ role: 'user', content: "What's the weather like in Paris?" }] });
    const auto = await sdk.createAndPoll(t2.id, { assistant_id: assistant.id });
    expect(auto.status).toBe('requires_action');
    expect((auto.required_action as RequiredAction).submit_tool_outputs.tool_calls.map((c) => c.function.name)).toEqual(['get_weather']);
    await sdk.cancelRun(t2.id, auto.id);

    const t3 = await sdk.createThread({ messages: [{ role: 'user', content: 'Tell me a joke' }] });
    expect((await sdk.createAndPoll(t3.id, { assistant_id: assistant.id })).status).toBe('completed');
  });

  it('parallel_tool_calls: both mentioned functions in one step when allowed, one when not', async () => {
    const content = 'Weather in Paris and the stock price of ACME please';
    const t1 = await sdk.createThread({ messages: [{ role: 'user', content }] });
    const both = await sdk.createAndPoll(t1.id, { assistant_id: assistant.id });
    const calls = (both.required_action as RequiredAction).submit_tool_outputs.tool_calls;
    expect(calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_stock_price']);
    // Every pending call needs an output: the real 400 names them.
    await expect(
      sdk.submitToolOutputs(t1.id, both.id, { tool_outputs: [{ tool_call_id: calls[0].id, output: 'x' }] }),
    ).rejects.toMatchObject({
      status: 400,
      error: { message: `Expected tool outputs for call_ids ['${calls[0].id}', '${calls[1].id}'], got ['${calls[0].id}']` },
    });
    const done = await sdk.submitToolOutputsAndPoll(t1.id, both.id, {
      tool_outputs: calls.map((c) => ({ tool_call_id: c.id, output: c.function.name })),
    });
    expect(done.status).toBe('completed');

    const t2 = await sdk.createThread({ messages: [{ role: 'user', content }] });
    const one = await sdk.createAndPoll(t2.id, { assistant_id: assistant.id, parallel_tool_calls: false });
    expect((one.required_action as RequiredAction).submit_tool_outputs.tool_calls).toHaveLength(1);
    expect(one.parallel_tool_calls).toBe(false);
  });

  it('createAndRunPoll creates the thread and runs it; instructions and model resolve from the run and assistant', async () => {
    const run = await sdk.createAndRunPoll({
      assistant_id: assistant.id,
      thread: { messages: [{ role: 'user', content: 'Hi from createAndRun' }] },
      model: 'gpt-4o-mini',
      tool_choice: 'none',
      metadata: { via: 'createAndRun' },
    });
    expect(run).toMatchObject({
      status: 'completed',
      model: 'gpt-4o-mini',
      instructions: 'You are a test assistant.',
      metadata: { via: 'createAndRun' },
    });
    const messages = await sdk.listMessagesAll(run.thread_id as string);
    expect(messages).toHaveLength(2);

    const thread = await sdk.createThread();
    const extra = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      additional_instructions: 'Answer in French.',
      additional_messages: [{ role: 'user', content: 'Bonjour' }],
      tool_choice: 'none',
    });
    expect(extra.instructions).toBe('You are a test assistant.\n\nAnswer in French.');
    expect((await sdk.listMessagesAll(thread.id)).length).toBe(2);
  });

  it('cancels from requires_action (cancelling, then cancelled with the step cancelled) and frees the thread', async () => {
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'weather?' }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('requires_action');
    const cancelling = await sdk.cancelRun(thread.id, run.id);
    expect(cancelling.status).toBe('cancelling');
    const cancelled = await sdk.pollRun(thread.id, run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelled_at).toEqual(expect.any(Number));
    const steps = await sdk.listStepsAll(thread.id, run.id);
    expect(steps[0]).toMatchObject({ status: 'cancelled' });
    await expect(sdk.cancelRun(thread.id, run.id)).rejects.toMatchObject({
      status: 400,
      error: { message: "Cannot cancel run with status 'cancelled'" },
    });
    // The thread is free again.
    await sdk.createMessage(thread.id, { role: 'user', content: 'again' });
    expect((await sdk.createAndPoll(thread.id, { assistant_id: assistant.id, tool_choice: 'none' })).status).toBe('completed');
  });

  it('refuses misuse with the real 400s and 404s', async () => {
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'weather' }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('requires_action');
    await expect(sdk.createRun(thread.id, { assistant_id: assistant.id })).rejects.toMatchObject({
      status: 400,
      error: { message: `Thread ${thread.id} already has an active run ${run.id}.` },
    });
    await expect(sdk.createMessage(thread.id, { role: 'user', content: 'x' })).rejects.toMatchObject({
      status: 400,
      error: { message: `Can't add messages to ${thread.id} while a run ${run.id} is active.` },
    });
    await expect(
      sdk.submitToolOutputs(thread.id, run.id, { tool_outputs: [{ tool_call_id: 'call_nope', output: 'x' }] }),
    ).rejects.toMatchObject({
      status: 400,
    });
    const callId = (run.required_action as RequiredAction).submit_tool_outputs.tool_calls[0].id;
    await sdk.submitToolOutputsAndPoll(thread.id, run.id, { tool_outputs: [{ tool_call_id: callId, output: 'ok' }] });
    await expect(
      sdk.submitToolOutputs(thread.id, run.id, { tool_outputs: [{ tool_call_id: callId, output: 'again' }] }),
    ).rejects.toMatchObject({
      status: 400,
      error: { message: 'Runs in status "completed" do not accept tool outputs.' },
    });
    await expect(sdk.createRun(thread.id, { assistant_id: 'asst_000000000000000000000000' })).rejects.toMatchObject({
      status: 404,
      error: { message: "No assistant found with id 'asst_000000000000000000000000'." },
    });
    await expect(sdk.retrieveRun(thread.id, 'run_000000000000000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(sdk.createRun(thread.id, { assistant_id: assistant.id, max_completion_tokens: 10 })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('lists runs and steps with pagination; updates run metadata', async () => {
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'hi' }] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await sdk.createAndPoll(thread.id, { assistant_id: assistant.id, tool_choice: 'none' })).id);
    expect((await sdk.listRunsAll(thread.id, { limit: 2, order: 'asc' })).map((r) => r.id)).toEqual(ids);
    expect((await sdk.listRunsAll(thread.id, { limit: 2 })).map((r) => r.id)).toEqual([...ids].reverse());
    const updated = await sdk.updateRun(thread.id, ids[0], { metadata: { tag: 'x' } });
    expect(updated.metadata).toEqual({ tag: 'x' });
    expect(updated.status).toBe('completed');

    const toolThread = await sdk.createThread({ messages: [{ role: 'user', content: 'weather' }] });
    const r = await sdk.createAndPoll(toolThread.id, { assistant_id: assistant.id });
    const callId = (r.required_action as RequiredAction).submit_tool_outputs.tool_calls[0].id;
    await sdk.submitToolOutputsAndPoll(toolThread.id, r.id, { tool_outputs: [{ tool_call_id: callId, output: 'sunny' }] });
    const steps = await sdk.listStepsAll(toolThread.id, r.id, { limit: 1, order: 'asc' });
    expect(steps.map((s) => s.type)).toEqual(['tool_calls', 'message_creation']);
    expect(await sdk.retrieveStep(toolThread.id, r.id, steps[1].id)).toEqual(steps[1]);
  });

  it('max_completion_tokens cuts the reply: message and run end incomplete', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: long }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id, tool_choice: 'none', max_completion_tokens: 256 });
    expect(run).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_completion_tokens' },
      max_completion_tokens: 256,
    });
    expect((run.usage as Usage).completion_tokens).toBeLessThanOrEqual(256);
    const [reply] = await sdk.listMessagesAll(thread.id, { run_id: run.id });
    expect(reply).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_tokens' } });
    expect(countTokens((reply.content as { text: { value: string } }[])[0].text.value)).toBeLessThanOrEqual(256);
  });

  it('max_prompt_tokens ends the run incomplete; truncation_strategy last_messages limits what is counted', async () => {
    const long = Array.from({ length: 600 }, (_, i) => `token${i}`).join(' ');
    const thread = await sdk.createThread({
      messages: [
        { role: 'user', content: long },
        { role: 'user', content: 'short' },
      ],
    });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id, tool_choice: 'none', max_prompt_tokens: 256 });
    expect(run).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_prompt_tokens' } });
    const truncated = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      tool_choice: 'none',
      max_prompt_tokens: 256,
      truncation_strategy: { type: 'last_messages', last_messages: 1 },
    });
    expect(truncated.status).toBe('completed');
    expect((truncated.usage as Usage).prompt_tokens).toBeLessThan(256);
  });
});
