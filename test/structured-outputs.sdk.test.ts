/**
 * Structured outputs through the official SDKs (openai 4.x and 7.x): a run whose response_format is a
 * json_schema answers with a JSON document that validates against the schema (polled and streamed,
 * the same for the same schema); json_object answers with a JSON object; forced tool calls still come
 * first; strict schemas the real API refuses get its 400; scenarios script structured replies.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDKS, type Obj, type SdkAdapter } from './helpers/sdk.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
const addFormats = addFormatsModule.default;

/** A strict-mode schema using the keywords apps use: $defs, enum, pattern, format, bounds, uniqueItems, nullable. */
const REPORT_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    flight: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' },
    observed_at: { type: 'string', format: 'date-time' },
    temperature: { type: 'number', minimum: -50, maximum: 60 },
    unit: { type: 'string', enum: ['c', 'f'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 3, uniqueItems: true },
    station: { $ref: '#/$defs/station' },
    note: { type: ['string', 'null'] },
  },
  required: ['city', 'flight', 'observed_at', 'temperature', 'unit', 'tags', 'station', 'note'],
  additionalProperties: false,
  $defs: {
    station: {
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid' }, elevation: { type: 'integer', minimum: 120, multipleOf: 50 } },
      required: ['id', 'elevation'],
      additionalProperties: false,
    },
  },
};
const REPORT_FORMAT = { type: 'json_schema', json_schema: { name: 'weather_report', schema: REPORT_SCHEMA, strict: true } };

const WEATHER_TOOL = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

const ajv = new Ajv({ strict: false });
addFormats(ajv);
const validateReport = ajv.compile(REPORT_SCHEMA);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.stop());

/** The part of the SDKs' AssistantStream these tests use (the same in both majors). */
interface TextStream {
  on(event: 'textDelta', listener: (delta: { value?: string }) => void): this;
  finalRun(): Promise<Obj>;
  done(): Promise<void>;
}
type StreamingClient = { beta: { threads: { runs: { stream(threadId: string, body: Record<string, unknown>): TextStream } } } };

async function replyOf(sdk: SdkAdapter, threadId: string, runId: string): Promise<string> {
  const messages = await sdk.listMessagesAll(threadId, { run_id: runId });
  const content = messages[0].content as { type: string; text: { value: string } }[];
  return content[0].text.value;
}

function validationErrors(value: unknown): string {
  validateReport(value);
  return JSON.stringify(validateReport.errors);
}

async function admin(key: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/__admin${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe.each(SDKS)('structured outputs through $name', ({ make, name }) => {
  const key = `sk-structured-${name.replace(/\W+/g, '-')}`;
  let sdk: SdkAdapter;
  beforeAll(() => {
    sdk = make(server.baseURL, key);
  });

  it('json_schema (assistant): the polled reply parses and validates, and the same schema gives the same document', async () => {
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', response_format: REPORT_FORMAT });
    const replies: string[] = [];
    for (const question of ['Report the weather in Lyon, please.', 'And in Nice?']) {
      const thread = await sdk.createThread({ messages: [{ role: 'user', content: question }] });
      const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
      expect(run.status).toBe('completed');
      expect(run.response_format).toEqual(REPORT_FORMAT);
      const reply = await replyOf(sdk, thread.id, run.id);
      const parsed = JSON.parse(reply) as Record<string, unknown>;
      expect(validateReport(parsed), validationErrors(parsed)).toBe(true);
      expect(parsed.city).toBe('Paris'); // the name-aware sample
      replies.push(reply);
    }
    expect(replies[1]).toBe(replies[0]);
  });

  it('json_schema (run): the streamed deltas add up to a document that validates, the stored message too', async () => {
    const assistant = await sdk.createAssistant({ model: 'gpt-4o' });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Stream me a report.' }] });
    const client = sdk.raw as StreamingClient;
    const stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id, response_format: REPORT_FORMAT });
    const deltas: string[] = [];
    stream.on('textDelta', (delta) => deltas.push(delta.value ?? ''));
    const run = await stream.finalRun();
    await stream.done();
    expect(run.status).toBe('completed');
    expect(deltas.length).toBeGreaterThan(3);
    const streamed = deltas.join('');
    const parsed = JSON.parse(streamed) as unknown;
    expect(validateReport(parsed), validationErrors(parsed)).toBe(true);
    expect(await replyOf(sdk, thread.id, run.id)).toBe(streamed);
  });

  it('json_object: the reply is a JSON object quoting the user message', async () => {
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', response_format: { type: 'json_object' } });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Answer in JSON: what is "2 + 2"?' }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('completed');
    expect(JSON.parse(await replyOf(sdk, thread.id, run.id))).toEqual({ message: 'Answer in JSON: what is "2 + 2"?' });
  });

  it('a forced tool call comes first; the final message after the outputs follows the schema', async () => {
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', tools: [WEATHER_TOOL] });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Weather report please.' }] });
    const run = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      response_format: REPORT_FORMAT,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(run.status).toBe('requires_action');
    const [call] = (run.required_action as { submit_tool_outputs: { tool_calls: { id: string }[] } }).submit_tool_outputs.tool_calls;
    const done = await sdk.submitToolOutputsAndPoll(thread.id, run.id, { tool_outputs: [{ tool_call_id: call.id, output: '21' }] });
    expect(done.status).toBe('completed');
    const parsed = JSON.parse(await replyOf(sdk, thread.id, run.id)) as unknown;
    expect(validateReport(parsed), validationErrors(parsed)).toBe(true);
  });

  it('a strict json_schema the real API refuses gets its 400 (assistant create, assistant update, run create)', async () => {
    const open = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const partial = {
      type: 'object',
      properties: {
        a: { type: 'object', properties: { b: { type: 'string' }, c: { type: 'string' } }, required: ['b'], additionalProperties: false },
      },
      required: ['a'],
      additionalProperties: false,
    };
    const format = (schema: object) => ({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });
    const refused = async (call: Promise<unknown>) => {
      const error = (await call.then(
        () => undefined,
        (e: unknown) => e,
      )) as { status?: number; error?: { message: string; param: string | null; type: string } } | undefined;
      expect(error?.status).toBe(400);
      expect(error?.error?.type).toBe('invalid_request_error');
      expect(error?.error?.param).toBe('response_format');
      return error?.error?.message;
    };
    expect(await refused(sdk.createAssistant({ model: 'gpt-4o', response_format: format(open) }))).toBe(
      "Invalid schema for response_format 'answer': In context=(), 'additionalProperties' is required to be supplied and to be false.",
    );
    const assistant = await sdk.createAssistant({ model: 'gpt-4o' });
    expect(await refused(sdk.updateAssistant(assistant.id, { response_format: format(partial) }))).toBe(
      "Invalid schema for response_format 'answer': In context=('properties', 'a'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'c'.",
    );
    const thread = await sdk.createThread();
    expect(
      await refused(sdk.createRun(thread.id, { assistant_id: assistant.id, response_format: format({ type: 'array', items: {} }) })),
    ).toBe(`Invalid schema for response_format 'answer': schema must be a JSON Schema of 'type: "object"', got 'type: "array"'.`);
    // Not strict: the same schema is accepted, and the reply still validates against it.
    const lax = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: open } },
    });
    expect(lax.status).toBe('completed');
    expect(JSON.parse(await replyOf(sdk, thread.id, lax.id))).toEqual({ a: 'example' });
  });

  it('generated function arguments validate for $ref/$defs, uniqueItems, pattern and allOf parameters', async () => {
    const parameters = {
      allOf: [
        {
          type: 'object',
          properties: {
            booking: { $ref: '#/$defs/booking' },
            seats: { type: 'array', items: { type: 'string', pattern: '^[1-9][0-9]?[A-F]$' }, minItems: 3, uniqueItems: true },
          },
          required: ['booking', 'seats'],
        },
        { type: 'object', properties: { passengers: { type: 'integer', minimum: 1, maximum: 9 } }, required: ['passengers'] },
      ],
      $defs: {
        booking: {
          type: 'object',
          properties: { flight: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' }, date: { type: 'string', format: 'date' } },
          required: ['flight', 'date'],
          additionalProperties: false,
        },
      },
    };
    const tool = { type: 'function', function: { name: 'book_flight', parameters } };
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', tools: [tool] });
    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'Book it.' }] });
    const run = await sdk.createAndPoll(thread.id, {
      assistant_id: assistant.id,
      tool_choice: { type: 'function', function: { name: 'book_flight' } },
    });
    expect(run.status).toBe('requires_action');
    const [call] = (run.required_action as { submit_tool_outputs: { tool_calls: { function: { arguments: string } }[] } })
      .submit_tool_outputs.tool_calls;
    const args = JSON.parse(call.function.arguments) as unknown;
    const validate = ajv.compile(parameters);
    expect(validate(args), JSON.stringify(validate.errors)).toBe(true);
  });

  it('scenarios script a structured reply; one that does not fit the schema fails the run naming the scenario', async () => {
    const added = await admin(key, '/scenarios', {
      scenarios: [
        {
          name: 'scripted-report',
          match: { message: { contains: 'scripted report' } },
          turns: [
            {
              json: {
                city: 'Lyon',
                flight: 'LYS-0042',
                observed_at: '2024-06-01T08:30:00Z',
                temperature: 24.5,
                unit: 'c',
                tags: ['sunny', 'calm', '{{message}}'],
                station: { id: '6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f', elevation: 200 },
                note: null,
              },
            },
          ],
        },
        { name: 'broken-report', match: { message: { contains: 'broken report' } }, turns: [{ json: { city: 'Lyon' } }] },
      ],
    });
    expect(added.status).toBe(200);
    const assistant = await sdk.createAssistant({ model: 'gpt-4o', response_format: REPORT_FORMAT });

    const thread = await sdk.createThread({ messages: [{ role: 'user', content: 'A scripted report' }] });
    const run = await sdk.createAndPoll(thread.id, { assistant_id: assistant.id });
    expect(run.status).toBe('completed');
    const parsed = JSON.parse(await replyOf(sdk, thread.id, run.id)) as { tags: string[] };
    expect(validateReport(parsed), validationErrors(parsed)).toBe(true);
    expect(parsed.tags).toEqual(['sunny', 'calm', 'A scripted report']);

    const other = await sdk.createThread({ messages: [{ role: 'user', content: 'A broken report' }] });
    const failed = await sdk.createAndPoll(other.id, { assistant_id: assistant.id });
    expect(failed.status).toBe('failed');
    expect((failed.last_error as { message: string }).message).toBe(
      "assistants-mock: scenario 'broken-report' turn 0: its json does not match the response_format json_schema 'weather_report': (root) must have required property 'flight'.",
    );
  });
});
