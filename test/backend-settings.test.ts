/**
 * The model backend's settings (MODEL_BACKEND_URL, MODEL_MAP, ...) as resolveConfig reads them, and
 * the recording of backend turns (RECORD_TO) as a scenario file the loader accepts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mustache from 'mustache';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { backendModel, parseModelMap } from '../src/brains/backend/settings.js';
import { TurnRecorder } from '../src/brains/backend/recorder.js';
import { literalTemplate } from '../src/brains/backend/template-escape.js';
import { loadScenarioFile } from '../src/brains/scenarios/load.js';
import type { BrainTurnInput } from '../src/brains/brain.js';

const dir = mkdtempSync(join(tmpdir(), 'am-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('unset: no backend', () => {
    const config = resolveConfig({}, {});
    expect(config.modelBackend).toBeUndefined();
    expect(config.recordTo).toBeUndefined();
  });

  it('from the environment, options winning', () => {
    const env = {
      MODEL_BACKEND_URL: 'http://127.0.0.1:11434/v1/',
      MODEL_BACKEND_KEY: 'k',
      MODEL_MAP: 'gpt-4o=llama3.2:3b, *=qwen2.5:7b',
      RECORD_TO: 'r.yaml',
    };
    const config = resolveConfig({ modelBackendTimeoutMs: 5000 }, env);
    expect(config.modelBackend).toEqual({
      url: 'http://127.0.0.1:11434/v1',
      key: 'k',
      modelMap: new Map([
        ['gpt-4o', 'llama3.2:3b'],
        ['*', 'qwen2.5:7b'],
      ]),
      timeoutMs: 5000,
    });
    expect(config.recordTo).toBe('r.yaml');
    expect(resolveConfig({ modelBackendUrl: 'https://api.example.com/v1', modelMap: { 'gpt-4o': 'm' } }, env).modelBackend).toMatchObject({
      url: 'https://api.example.com/v1',
      modelMap: new Map([['gpt-4o', 'm']]),
    });
  });

  it.each([
    [{ MODEL_BACKEND_URL: 'http://h/v1', MODEL_MAP: 'gpt-4o' }, /MODEL_MAP must be a list of model=backend-model pairs .*not 'gpt-4o'/],
    [{ MODEL_BACKEND_URL: 'http://h/v1', MODEL_MAP: 'a=b,=c' }, /MODEL_MAP must be/],
    [{ MODEL_BACKEND_URL: 'http://h/v1', MODEL_MAP: 'a=b,a=c' }, /MODEL_MAP names 'a' twice/],
    [{ MODEL_BACKEND_URL: 'localhost:11434' }, /MODEL_BACKEND_URL must be an http\(s\) URL .*not 'localhost:11434'/],
    [{ MODEL_BACKEND_URL: 'nonsense' }, /MODEL_BACKEND_URL must be an http\(s\) URL/],
    [{ MODEL_BACKEND_URL: 'http://h/v1', MODEL_BACKEND_TIMEOUT_MS: 'soon' }, /MODEL_BACKEND_TIMEOUT_MS must be a whole number/],
  ])('a bad value stops the start: %j', (env, message) => {
    expect(() => resolveConfig({}, env)).toThrow(message);
  });

  it('without MODEL_BACKEND_URL, backend settings given as options stop the start, while the environment is ignored', () => {
    expect(() => resolveConfig({ modelMap: 'a=b', recordTo: 'x.yaml' }, {})).toThrow(
      'MODEL_MAP, RECORD_TO need MODEL_BACKEND_URL (the model backend).',
    );
    // Other tools use these names too (a test helper's RECORD_TO, say): no backend, nothing recorded.
    const config = resolveConfig({}, { MODEL_MAP: 'nonsense', RECORD_TO: 'x.jsonl', MODEL_BACKEND_KEY: 'k' });
    expect(config.modelBackend).toBeUndefined();
    expect(config.recordTo).toBeUndefined();
  });

  it('maps a model by its entry, else `*`, else passes it through', () => {
    expect(backendModel(parseModelMap('gpt-4o=a,*=b'), 'gpt-4o')).toBe('a');
    expect(backendModel(parseModelMap('gpt-4o=a,*=b'), 'gpt-4.1')).toBe('b');
    expect(backendModel(parseModelMap('gpt-4o=a'), 'gpt-4.1')).toBe('gpt-4.1');
  });
});

describe('literal templates', () => {
  it.each(['plain', 'a {{b}} c', 'a {{b}} <% x %>', 'x {{{y}}} {{#z}}q{{/z}} <% [[% <<< (%% <%~ end'])('%j renders to itself', (text) => {
    expect(Mustache.render(literalTemplate(text), { b: 'B', y: 'Y', z: true }, {}, { escape: String })).toBe(text);
  });
});

describe('recording', () => {
  const turnInput = (runId: string, turn: number, message: string) =>
    ({
      run: { id: runId, turn },
      turn,
      assistant: { id: 'asst_1', name: 'Weather bot' },
      lastUserMessage: message,
    }) as unknown as BrainTurnInput;

  it('appends each run as a rule whose turns replay what the backend said, in a file the loader accepts', () => {
    const path = join(dir, 'nested', 'recorded.yaml');
    const recorder = new TurnRecorder(path);
    recorder.record(
      turnInput('run_a', 0, 'Weather in {{city}}?'),
      {
        text: '',
        calls: [{ id: 'x', name: 'get_weather', arguments: '{"city": "{{Paris}}"}' }],
        usage: { prompt_tokens: 9, completion_tokens: 4 },
      },
      [],
      new Map(),
      'm',
    );
    recorder.record(
      turnInput('run_a', 1, 'Weather in {{city}}?'),
      { text: 'Sunny {{today}}.', calls: [], usage: undefined },
      [],
      new Map(),
      'm',
    );
    recorder.record(
      turnInput('run_b', 0, 'Look it up'),
      { text: '', calls: [{ id: 'y', name: 'file_search', arguments: '{"query":"refunds"}' }], usage: undefined },
      [],
      new Map(),
      'm',
    );
    const sources = new Map([['3:0', { fileId: 'file-1', fileName: 'a.md', latestIndex: 0 }]]);
    const cited = 'Thirty days 【3:0†a.md】.';
    recorder.record(
      turnInput('run_b', 1, 'Look it up'),
      { text: cited, calls: [], usage: undefined },
      [{ type: 'file_citation', text: '【3:0†a.md】', start_index: 12, end_index: 22, file_citation: { file_id: 'file-1' } }],
      sources,
      'm',
    );
    // A run whose turn 0 was not the backend's is not recorded.
    recorder.record(turnInput('run_c', 1, 'late'), { text: 'late', calls: [], usage: undefined }, [], new Map(), 'm');

    const loaded = loadScenarioFile(path);
    expect(loaded.map((l) => l.spec.match)).toEqual([
      { assistant: { name: 'Weather bot' }, message: 'Weather in {{city}}?' },
      { assistant: { name: 'Weather bot' }, message: 'Look it up' },
    ]);
    expect(loaded[0].spec.turns).toEqual([
      {
        tool_calls: [{ function: 'get_weather', arguments: literalTemplate('{"city": "{{Paris}}"}') }],
        usage: { prompt_tokens: 9, completion_tokens: 4 },
      },
      { text: literalTemplate('Sunny {{today}}.') },
    ]);
    expect(loaded[1].spec.turns).toEqual([
      { tool_calls: [{ file_search: { query: 'refunds' } }] },
      {
        text: cited,
        annotations: [
          { type: 'file_citation', text: '【3:0†a.md】', file_id: '{{search_results.0.file_id}}', start_index: 12, end_index: 22 },
        ],
      },
    ]);
    expect(readFileSync(path, 'utf8')).toMatch(/^# Recorded by assistants-mock/);
  });

  it('never overwrites a file that is not a scenario file', () => {
    const path = join(dir, 'other.yaml');
    writeFileSync(path, 'just: a config\n');
    const warnings: string[] = [];
    new TurnRecorder(path, { warn: (_obj, msg) => warnings.push(msg) }).record(
      turnInput('run_x', 0, 'hi'),
      { text: 'hello', calls: [], usage: undefined },
      [],
      new Map(),
      'm',
    );
    expect(readFileSync(path, 'utf8')).toBe('just: a config\n');
    expect(warnings).toEqual(['could not record the backend turn']);
  });
});
