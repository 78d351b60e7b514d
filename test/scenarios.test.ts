/**
 * Scenarios without a server: which rule plays a run (precedence and every match key), what the
 * templates render, and the TurnActions ScenarioRegistry.decide hands the run engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { ScenarioRegistry } from '../src/brains/scenarios/registry.js';
import { buildView, renderTemplate } from '../src/brains/scenarios/render.js';
import type { ScenarioSpec } from '../src/brains/scenarios/format.js';
import type { TurnInput } from '../src/brains/types.js';
import type { AssistantRow, MessageRow, RunRow, ThreadRow } from '../src/store/schema.js';
import { tempDir } from './helpers/server.js';

// ---- fixtures -------------------------------------------------------------------------------------

function assistantRow(over: Partial<AssistantRow> = {}): AssistantRow {
  return {
    seq: 1,
    id: 'asst_A',
    tenant: 't1',
    createdAt: 0,
    model: 'gpt-4o',
    name: 'Weather bot',
    description: null,
    instructions: 'You report the weather.',
    tools: [],
    toolResources: null,
    metadata: {},
    temperature: null,
    topP: null,
    responseFormat: null,
    reasoningEffort: null,
    ...over,
  };
}

function runRow(over: Partial<RunRow> = {}): RunRow {
  return {
    seq: 1,
    id: 'run_R',
    tenant: 't1',
    threadId: 'thread_T',
    assistantId: 'asst_A',
    createdAt: 0,
    status: 'in_progress',
    startedAt: 0,
    expiresAt: null,
    cancelledAt: null,
    failedAt: null,
    completedAt: null,
    incompleteAt: null,
    requiredAction: null,
    lastError: null,
    model: 'gpt-4o-mini',
    instructions: 'Be brief.',
    tools: [],
    toolResources: null,
    metadata: {},
    temperature: null,
    topP: null,
    maxPromptTokens: null,
    maxCompletionTokens: null,
    truncationStrategy: null,
    incompleteDetails: null,
    usage: null,
    responseFormat: null,
    toolChoice: null,
    parallelToolCalls: true,
    reasoningEffort: null,
    turn: 0,
    engineState: null,
    ...over,
  };
}

function message(role: 'user' | 'assistant', text: string): MessageRow {
  return {
    seq: 1,
    id: `msg_${role}`,
    tenant: 't1',
    threadId: 'thread_T',
    createdAt: 0,
    role,
    status: 'completed',
    content: [{ type: 'text', text: { value: text, annotations: [] } }],
    attachments: null,
    assistantId: null,
    runId: null,
    metadata: {},
    completedAt: null,
    incompleteAt: null,
    incompleteDetails: null,
  };
}

interface InputOptions {
  text?: string;
  run?: Partial<RunRow>;
  assistant?: Partial<AssistantRow> | null;
  thread?: Partial<ThreadRow>;
  turn?: number;
  toolOutputs?: TurnInput['toolOutputs'];
}

function input(o: InputOptions = {}): TurnInput {
  const text = o.text ?? 'What is the weather in Paris?';
  const thread: ThreadRow = { seq: 1, id: 'thread_T', tenant: 't1', createdAt: 0, toolResources: null, metadata: {}, ...o.thread };
  return {
    run: runRow(o.run),
    assistant: o.assistant === null ? undefined : assistantRow(o.assistant ?? {}),
    thread,
    messages: [message('user', 'Hello'), message('assistant', 'Hi!'), message('user', text)],
    lastUserMessage: text,
    toolOutputs: o.toolOutputs ?? [],
    turn: o.turn ?? 0,
    vectorStoreIds: [],
  };
}

const say = (name: string, match: ScenarioSpec['match'], text = name): ScenarioSpec => ({ name, match, turns: [{ text }] });

/** A registry with file rules (written to a temp file) and no runtime rules. */
const dirs: string[] = [];
function registryWithFile(yaml: string): ScenarioRegistry {
  const dir = tempDir('am-scn-');
  dirs.push(dir);
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, yaml);
  return new ScenarioRegistry(file);
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function textOf(registry: ScenarioRegistry, i: TurnInput): string | undefined {
  const action = registry.decide(i);
  return action?.kind === 'text' ? action.text : action ? `<${action.kind}>` : undefined;
}

// ---- selection ----------------------------------------------------------------------------------

describe('which scenario plays a run', () => {
  it('prefers run metadata mock_scenario over assistant metadata over the first matching rule', () => {
    const registry = new ScenarioRegistry();
    registry.addRuntime('t1', [say('first', undefined), say('by-assistant', { message: 'never' }), say('by-run', { message: 'never' })]);

    expect(textOf(registry, input())).toBe('first');
    expect(textOf(registry, input({ assistant: { metadata: { mock_scenario: 'by-assistant' } } }))).toBe('by-assistant');
    expect(
      textOf(
        registry,
        input({ assistant: { metadata: { mock_scenario: 'by-assistant' } }, run: { metadata: { mock_scenario: 'by-run' } } }),
      ),
    ).toBe('by-run');
    expect(registry.select(input({ run: { metadata: { mock_scenario: 'by-run' } } }))).toMatchObject({ via: 'run_metadata' });
    expect(registry.select(input({ assistant: { metadata: { mock_scenario: 'by-run' } } }))).toMatchObject({ via: 'assistant_metadata' });
    expect(registry.select(input())).toMatchObject({ via: 'match', scenario: { name: 'first' } });
  });

  it('takes the first rule that matches, in order', () => {
    const registry = new ScenarioRegistry();
    registry.addRuntime('t1', [say('a', { message: { contains: 'rain' } }), say('b', { message: { contains: 'weather' } }), say('c', {})]);
    expect(textOf(registry, input({ text: 'weather or rain?' }))).toBe('a');
    expect(textOf(registry, input({ text: 'the weather' }))).toBe('b');
    expect(textOf(registry, input({ text: 'anything else' }))).toBe('c');
  });

  it("puts the tenant's runtime rules before file rules, and never uses another tenant's", () => {
    const registry = registryWithFile('scenarios:\n  - name: from-file\n    turns: [ { text: file } ]\n');
    expect(textOf(registry, input())).toBe('file');
    registry.addRuntime('t1', [say('mine', {}, 'runtime')]);
    registry.addRuntime('t2', [say('theirs', {}, 'other tenant')]);
    expect(textOf(registry, input())).toBe('runtime');
    expect(textOf(registry, input({ run: { tenant: 't3' } }))).toBe('file');
    expect(textOf(registry, input({ run: { tenant: 't2' } }))).toBe('other tenant');
    // mock_scenario names resolve in the same order and within the tenant.
    expect(textOf(registry, input({ run: { metadata: { mock_scenario: 'from-file' } } }))).toBe('file');
    expect(textOf(registry, input({ run: { metadata: { mock_scenario: 'theirs' } } }))).toBe('<fail>');
  });

  it('returns undefined when nothing matches, so the engine defaults apply', () => {
    const registry = new ScenarioRegistry();
    expect(registry.decide(input())).toBeUndefined();
    registry.addRuntime('t1', [say('x', { message: 'other' })]);
    expect(registry.decide(input())).toBeUndefined();
  });

  it('fails the run visibly when mock_scenario names no scenario', () => {
    const registry = new ScenarioRegistry();
    expect(registry.decide(input({ run: { metadata: { mock_scenario: 'typo' } } }))).toEqual({
      kind: 'fail',
      code: 'server_error',
      message: "assistants-mock: no scenario named 'typo' (run metadata mock_scenario).",
    });
    expect(registry.decide(input({ assistant: { metadata: { mock_scenario: 'nope' } } }))).toMatchObject({
      kind: 'fail',
      message: expect.stringContaining("'nope' (assistant metadata"),
    });
  });

  it('replaces a runtime rule with the same name in place and removes rules by name', () => {
    const registry = new ScenarioRegistry();
    registry.addRuntime('t1', [say('a', { message: 'x' }), say('b', {})]);
    registry.addRuntime('t1', [say('a', {}, 'a again')]);
    expect(registry.list('t1').map((s) => s.name)).toEqual(['a', 'b']);
    expect(textOf(registry, input())).toBe('a again');
    expect(registry.removeRuntime('t1', 'a')).toBe(true);
    expect(registry.removeRuntime('t1', 'a')).toBe(false);
    expect(textOf(registry, input())).toBe('b');
    expect(registry.clearRuntime('t1')).toBe(1);
    expect(registry.list('t1')).toEqual([]);
  });
});

describe('match keys', () => {
  const matches = (match: ScenarioSpec['match'], i: TurnInput) => {
    const registry = new ScenarioRegistry();
    registry.addRuntime('t1', [say('r', match)]);
    return registry.decide(i) !== undefined;
  };

  it('matches the last user message with equals, contains, regex and ignore_case', () => {
    const i = input({ text: 'What is the Weather in Paris?' });
    expect(matches({ message: 'What is the Weather in Paris?' }, i)).toBe(true);
    expect(matches({ message: 'what is the weather in paris?' }, i)).toBe(false);
    expect(matches({ message: { equals: 'what is the weather in paris?', ignore_case: true } }, i)).toBe(true);
    expect(matches({ message: { contains: 'Weather' } }, i)).toBe(true);
    expect(matches({ message: { contains: 'weather' } }, i)).toBe(false);
    expect(matches({ message: { contains: 'weather', ignore_case: true } }, i)).toBe(true);
    expect(matches({ message: { regex: 'Weather in (Paris|Rome)' } }, i)).toBe(true);
    expect(matches({ message: { regex: '/^what/i' } }, i)).toBe(true);
    expect(matches({ message: { regex: '^what' } }, i)).toBe(false);
    // Every test of one object must hold.
    expect(matches({ message: { contains: 'Weather', regex: 'Rome' } }, i)).toBe(false);
    // Only the last user message counts, not earlier ones.
    expect(matches({ message: { contains: 'Hello' } }, i)).toBe(false);
  });

  it('matches the assistant by id, name, instructions, model and metadata', () => {
    const i = input({ assistant: { id: 'asst_X', name: 'Weather bot', metadata: { team: 'ops', tier: 'a' } } });
    expect(matches({ assistant: { id: 'asst_X' } }, i)).toBe(true);
    expect(matches({ assistant: { id: 'asst_Y' } }, i)).toBe(false);
    expect(matches({ assistant: { name: 'Weather bot' } }, i)).toBe(true);
    expect(matches({ assistant: { name: { contains: 'bot' } } }, i)).toBe(true);
    expect(matches({ assistant: { instructions: { contains: 'weather' } } }, i)).toBe(true);
    expect(matches({ assistant: { model: 'gpt-4o' } }, i)).toBe(true);
    expect(matches({ assistant: { metadata: { team: 'ops' } } }, i)).toBe(true);
    expect(matches({ assistant: { metadata: { team: 'ops', tier: 'b' } } }, i)).toBe(false);
    expect(matches({ assistant: {} }, input({ assistant: null }))).toBe(false);
  });

  it('matches the run by metadata, instructions and model, and the thread by metadata', () => {
    const i = input({
      run: { metadata: { suite: 'smoke' }, model: 'gpt-4o-mini', instructions: 'Be brief.' },
      thread: { metadata: { user: 'u1' } },
    });
    expect(matches({ run: { metadata: { suite: 'smoke' } } }, i)).toBe(true);
    expect(matches({ run: { metadata: { suite: 'full' } } }, i)).toBe(false);
    expect(matches({ run: { model: 'gpt-4o-mini', instructions: { regex: 'brief' } } }, i)).toBe(true);
    expect(matches({ run: { model: 'gpt-4o' } }, i)).toBe(false);
    expect(matches({ thread: { metadata: { user: 'u1' } } }, i)).toBe(true);
    expect(matches({ thread: { metadata: { user: 'u2' } } }, i)).toBe(false);
  });

  it('requires every given key to hold', () => {
    const i = input({ run: { metadata: { suite: 'smoke' } } });
    expect(
      matches({ assistant: { name: 'Weather bot' }, run: { metadata: { suite: 'smoke' } }, message: { contains: 'weather' } }, i),
    ).toBe(true);
    expect(matches({ assistant: { name: 'Weather bot' }, run: { metadata: { suite: 'smoke' } }, message: { contains: 'snow' } }, i)).toBe(
      false,
    );
  });
});

// ---- templates ------------------------------------------------------------------------------------

describe('templates', () => {
  const outputs = [
    { tool_call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', output: '18°C & sunny' },
    { tool_call_id: 'call_2', name: 'get_time', arguments: '{}', output: '<noon>' },
  ];
  const view = buildView(
    input({
      text: 'Is it "warm" & <nice>?',
      toolOutputs: outputs,
      run: { id: 'run_1', metadata: { suite: 'smoke' } },
      assistant: { name: 'Weather bot', metadata: { team: 'ops' } },
    }),
  );

  it('renders the message, tool outputs, assistant, run and thread without HTML escaping', () => {
    expect(renderTemplate('You asked: {{message}}', view)).toBe('You asked: Is it "warm" & <nice>?');
    expect(renderTemplate('It is {{tool_outputs.0.output}} at {{tool_outputs.1.output}}', view)).toBe('It is 18°C & sunny at <noon>');
    expect(renderTemplate('{{tool_outputs.0.name}} {{tool_outputs.0.tool_call_id}} {{tool_outputs.0.arguments}}', view)).toBe(
      'get_weather call_1 {"city":"Paris"}',
    );
    expect(renderTemplate('{{assistant.name}} / {{assistant.metadata.team}} / {{run.id}} / {{run.metadata.suite}}', view)).toBe(
      'Weather bot / ops / run_1 / smoke',
    );
    expect(renderTemplate('{{thread.id}} turn {{turn}}', view)).toBe('thread_T turn 0');
  });

  it('iterates lists with sections and renders objects as JSON', () => {
    expect(renderTemplate('{{#messages}}[{{role}}: {{text}}]{{/messages}}', view)).toBe(
      '[user: Hello][assistant: Hi!][user: Is it "warm" & <nice>?]',
    );
    expect(renderTemplate('{{#tool_outputs}}{{name}}={{output}};{{/tool_outputs}}', view)).toBe(
      'get_weather=18°C & sunny;get_time=<noon>;',
    );
    expect(renderTemplate('{{run.metadata}}', view)).toBe('{"suite":"smoke"}');
    expect(renderTemplate('{{^search_results}}no results{{/search_results}}', view)).toBe('no results');
    expect(renderTemplate('[{{missing}}]', view)).toBe('[]');
  });
});

// ---- turn actions ---------------------------------------------------------------------------------

describe('ScenarioRegistry.decide', () => {
  const weather = `
scenarios:
  - name: weather
    match:
      assistant: { name: Weather bot }
      message: { contains: weather }
    turns:
      - tool_calls:
          - function: get_weather
            arguments: { city: Paris, unit: c, days: 2, detailed: true, note: "for {{assistant.name}}" }
          - function: raw_args
            arguments: '{"q": "{{message}}"'
        usage: { prompt_tokens: 42, completion_tokens: 12 }
      - text: "It is {{tool_outputs.0.output}} in Paris. You asked: {{message}}"
        stream: { chunk_tokens: 2, delay_ms: 30 }
`;

  it('plays a tool call script turn by turn, with arguments as a JSON string', () => {
    const registry = registryWithFile(weather);
    expect(registry.decide(input())).toEqual({
      kind: 'tool_calls',
      usage: { prompt_tokens: 42, completion_tokens: 12 },
      calls: [
        {
          type: 'function',
          name: 'get_weather',
          arguments: '{"city":"Paris","unit":"c","days":2,"detailed":true,"note":"for Weather bot"}',
        },
        // A string is sent as written (rendered), even when it is not valid JSON.
        { type: 'function', name: 'raw_args', arguments: '{"q": "What is the weather in Paris?"' },
      ],
    });
    const second = registry.decide(
      input({ turn: 1, toolOutputs: [{ tool_call_id: 'call_1', name: 'get_weather', arguments: '{}', output: '18°C' }] }),
    );
    expect(second).toEqual({
      kind: 'text',
      text: 'It is 18°C in Paris. You asked: What is the weather in Paris?',
      stream: { chunk_tokens: 2, delay_ms: 30 },
    });
    // Past the end of the script: the engine's defaults.
    expect(registry.decide(input({ turn: 2 }))).toBeUndefined();
  });

  it('produces fail, incomplete, file_search, code_interpreter and annotated text actions', () => {
    const registry = new ScenarioRegistry();
    registry.addRuntime('t1', [
      {
        name: 'all-kinds',
        turns: [
          { fail: { code: 'rate_limit_exceeded' }, delay_ms: 500 },
          { fail: { message: 'Broke on {{message}}' } },
          { incomplete: { reason: 'max_prompt_tokens', text: 'Partial {{turn}}' } },
          { incomplete: {} },
          { tool_calls: [{ file_search: { query: 'about {{message}}' } }, { file_search: null }] },
          {
            tool_calls: [
              { code_interpreter: { input: 'print({{turn}})', outputs: [{ logs: '{{turn}}' }, { image: { file_id: 'file-img' } }] } },
            ],
          },
          {
            text: 'See 【1†a】 and 【2†b】.',
            annotations: [
              { type: 'file_citation', text: '【2†b】', file_id: 'file-b', quote: 'q' },
              { type: 'file_path', text: '【9†z】', file_id: 'file-z' },
            ],
          },
        ],
      },
    ]);
    const at = (turn: number) => registry.decide(input({ turn, text: 'x' }));
    expect(at(0)).toEqual({
      kind: 'fail',
      code: 'rate_limit_exceeded',
      delay_ms: 500,
      message: expect.stringContaining('You exceeded your current quota'),
    });
    expect(at(1)).toEqual({ kind: 'fail', code: 'server_error', message: 'Broke on x' });
    expect(at(2)).toEqual({ kind: 'incomplete', reason: 'max_prompt_tokens', text: 'Partial 2' });
    expect(at(3)).toEqual({ kind: 'incomplete', reason: 'max_completion_tokens' });
    expect(at(4)).toEqual({ kind: 'tool_calls', calls: [{ type: 'file_search', query: 'about x' }, { type: 'file_search' }] });
    expect(at(5)).toEqual({
      kind: 'tool_calls',
      calls: [
        {
          type: 'code_interpreter',
          input: 'print(5)',
          outputs: [
            { type: 'logs', logs: '5' },
            { type: 'image', image: { file_id: 'file-img' } },
          ],
        },
      ],
    });
    const text = 'See 【1†a】 and 【2†b】.【9†z】';
    expect(at(6)).toEqual({
      kind: 'text',
      text,
      annotations: [
        {
          type: 'file_citation',
          text: '【2†b】',
          start_index: text.indexOf('【2†b】'),
          end_index: text.indexOf('【2†b】') + 5,
          file_citation: { file_id: 'file-b', quote: 'q' },
        },
        // Not in the text: appended, so the indices still point at the marker.
        { type: 'file_path', text: '【9†z】', start_index: text.length - 5, end_index: text.length, file_path: { file_id: 'file-z' } },
      ],
    });
  });

  it('is deterministic: the same input gives the same action', () => {
    const registry = registryWithFile(weather);
    expect(registry.decide(input())).toEqual(registry.decide(input()));
  });
});

describe('ScenarioRegistry.decide: json turns (structured outputs)', () => {
  const rules = `
scenarios:
  - name: report
    turns:
      - json: { city: "{{message}}", days: 2, tags: [a, "{{assistant.name}}"], ok: true, none: null }
`;
  const schemaFormat = (schema: object) => ({ type: 'json_schema', json_schema: { name: 'report', schema, strict: false } });

  it('renders the string leaves as templates and serializes the value, marked as JSON for streaming', () => {
    const registry = registryWithFile(rules);
    expect(registry.decide(input({ text: 'Lyon' }))).toEqual({
      kind: 'text',
      format: 'json',
      text: '{"city":"Lyon","days":2,"tags":["a","Weather bot"],"ok":true,"none":null}',
    });
  });

  it("passes when the value fits the run's json_schema, and fails the run naming the scenario when it does not", () => {
    const registry = registryWithFile(rules);
    const fits = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', maximum: 7 } }, required: ['city'] };
    expect(registry.decide(input({ run: { responseFormat: schemaFormat(fits) } }))).toMatchObject({ kind: 'text', format: 'json' });
    const tooFew = { type: 'object', properties: { days: { type: 'integer', minimum: 3 } } };
    expect(registry.decide(input({ run: { responseFormat: schemaFormat(tooFew) } }))).toEqual({
      kind: 'fail',
      code: 'server_error',
      message:
        "assistants-mock: scenario 'report' turn 0: its json does not match the response_format json_schema 'report': /days must be >= 3.",
    });
  });

  it('json_object: the value must be an object', () => {
    const registry = registryWithFile('scenarios:\n  - name: listed\n    turns: [ { json: [1, 2] } ]\n');
    expect(registry.decide(input({ run: { responseFormat: { type: 'json_object' } } }))).toEqual({
      kind: 'fail',
      code: 'server_error',
      message: "assistants-mock: scenario 'listed' turn 0: its json is not an object, which response_format json_object requires.",
    });
    // Without a JSON response_format the value is sent as it is.
    expect(textOf(registry, input())).toBe('[1,2]');
  });
});
