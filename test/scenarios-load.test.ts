/**
 * Scenario files: loading a file or a folder, errors that name the file, the line and the problem
 * (at start-up they stop buildApp), reload on change (a bad edit keeps the previous rules), the
 * shipped examples and the JSON Schema.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { listScenarioFiles, loadScenarioPath, parseScenarioText, ScenarioFileError } from '../src/brains/scenarios/load.js';
import { ScenarioRegistry, type ReloadResult } from '../src/brains/scenarios/registry.js';
import { SCENARIO_SCHEMA_PATH } from '../src/brains/scenarios/schema.js';
import { buildApp } from '../src/server.js';
import { tempDir } from './helpers/server.js';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('am-scn-load-');
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const GOOD = `# a comment
scenarios:
  - name: weather
    match:
      assistant: { name: Weather bot }
      message: { contains: weather }
    turns:
      - tool_calls:
          - function: get_weather
            arguments: { city: Paris, unit: c }
      - text: "It is {{tool_outputs.0.output}} in Paris."

  - name: outage
    match: { message: { contains: fail please } }
    turns:
      - fail: { code: server_error, message: Something went wrong. }
`;

function errorOf(fn: () => unknown): ScenarioFileError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioFileError);
    return error as ScenarioFileError;
  }
  throw new Error('expected a ScenarioFileError');
}

describe('loading scenario files', () => {
  it('loads a YAML file with each rule and the line it starts on', () => {
    const file = join(dir(), 'rules.yaml');
    writeFileSync(file, GOOD);
    const loaded = loadScenarioPath(file);
    expect(loaded.map((l) => l.spec.name)).toEqual(['weather', 'outage']);
    expect(loaded[0].source).toEqual({ kind: 'file', file, line: 3 });
    expect(loaded[1].source).toEqual({ kind: 'file', file, line: 13 });
    expect(loaded[0].spec.turns[0]).toEqual({ tool_calls: [{ function: 'get_weather', arguments: { city: 'Paris', unit: 'c' } }] });
  });

  it('loads JSON files, with line numbers in their errors too', () => {
    const d = dir();
    writeFileSync(join(d, 'a.json'), JSON.stringify({ scenarios: [{ name: 'j', turns: [{ text: 'hi' }] }] }, null, 2));
    expect(loadScenarioPath(d).map((l) => l.spec.name)).toEqual(['j']);
    const bad = '{\n  "scenarios": [\n    {\n      "name": "j",\n      "turns": [{ "txet": "hi" }]\n    }\n  ]\n}\n';
    const error = errorOf(() => parseScenarioText(bad, 'bad.json'));
    expect(error.line).toBe(5);
    expect(error.message).toContain("unknown property 'txet'");
  });

  it('loads a folder: every .yaml/.yml/.json below it in path order, other files and dotfiles ignored', () => {
    const d = dir();
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'b.yml'), 'scenarios:\n  - name: b\n    turns: [ { text: b } ]\n');
    writeFileSync(join(d, 'a.yaml'), 'scenarios:\n  - name: a\n    turns: [ { text: a } ]\n');
    writeFileSync(join(d, 'sub', 'c.json'), '{"scenarios": [{"name": "c", "turns": [{"text": "c"}]}]}');
    writeFileSync(join(d, 'notes.txt'), 'not: scenarios');
    writeFileSync(join(d, '.hidden.yaml'), 'broken: [');
    writeFileSync(join(d, 'empty.yaml'), '# nothing yet\n');
    expect(loadScenarioPath(d).map((l) => l.spec.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses the same name in two files, naming both', () => {
    const d = dir();
    writeFileSync(join(d, 'a.yaml'), 'scenarios:\n  - name: same\n    turns: [ { text: a } ]\n');
    writeFileSync(
      join(d, 'b.yaml'),
      '\nscenarios:\n  - name: other\n    turns: [ { text: b } ]\n  - name: same\n    turns: [ { text: b } ]\n',
    );
    const error = errorOf(() => loadScenarioPath(d));
    expect(error.file).toBe(join(d, 'b.yaml'));
    expect(error.line).toBe(5);
    expect(error.message).toContain(`duplicate scenario name 'same' (first defined in ${join(d, 'a.yaml')}, line 2)`);
  });

  it('reports a path that does not exist', () => {
    const error = errorOf(() => loadScenarioPath('/nonexistent/scenarios.yaml'));
    expect(error.message).toBe('Invalid scenario file /nonexistent/scenarios.yaml: no such file or folder');
  });
});

describe('errors name the file, the line and the problem', () => {
  const cases: [string, string, number, string][] = [
    ['YAML syntax', 'scenarios:\n  - name: a\n    turns:\n      - text: [unclosed\n', 5, 'YAML syntax'],
    ['bad indentation', 'scenarios:\n  - name: a\n   turns: x\n', 3, 'YAML syntax'],
    ['unknown turn key', 'scenarios:\n  - name: a\n    turns:\n      - txt: hi\n', 4, "scenarios[0].turns[0].txt: unknown property 'txt'"],
    [
      'two kinds in one turn',
      'scenarios:\n  - name: a\n    turns:\n      - text: hi\n        fail: {}\n',
      4,
      "has 'text' and 'fail', but only one of",
    ],
    [
      'a turn with no kind',
      'scenarios:\n  - name: a\n    turns:\n      - delay_ms: 5\n',
      4,
      "needs one of 'text', 'json', 'tool_calls', 'fail', 'incomplete'",
    ],
    [
      'bad enum value',
      'scenarios:\n  - name: a\n    turns:\n\n      - fail: { code: boom }\n',
      5,
      "fail.code: must be one of 'server_error', 'rate_limit_exceeded', 'invalid_prompt' (got 'boom')",
    ],
    [
      'missing turns',
      'scenarios:\n  - name: ok\n    turns: [ { text: a } ]\n  - name: a\n    match: {}\n',
      4,
      "scenarios[1]: missing required property 'turns'",
    ],
    [
      'wrong type',
      'scenarios:\n  - name: a\n    match: { message: 5 }\n    turns: [ { text: x } ]\n',
      3,
      'match.message: must be a string or an object (got 5)',
    ],
    [
      'bad regex',
      'scenarios:\n  - name: a\n    match:\n      message: { regex: "(" }\n    turns: [ { text: x } ]\n',
      4,
      'match.message.regex: Invalid regular expression',
    ],
    [
      'bad template',
      'scenarios:\n  - name: a\n    turns:\n      - text: "{{#open}} never closed"\n',
      4,
      'turns[0].text: invalid template: Unclosed section "open"',
    ],
    [
      'bad template in a json turn',
      'scenarios:\n  - name: a\n    turns:\n      - json: { reply: { text: "{{#open}} never closed" } }\n',
      4,
      'turns[0].json.reply.text: invalid template: Unclosed section "open"',
    ],
    [
      'duplicate name',
      'scenarios:\n  - name: a\n    turns: [ { text: x } ]\n  - name: a\n    turns: [ { text: y } ]\n',
      4,
      "duplicate scenario name 'a'",
    ],
    ['misspelt top key', 'scenario:\n  - name: a\n', 1, "unknown property 'scenario' (expected one of: $schema, scenarios)"],
    [
      'negative delay',
      'scenarios:\n  - name: a\n    turns:\n      - text: x\n        delay_ms: -1\n',
      5,
      'delay_ms: must be >= 0 (got -1)',
    ],
    [
      'arguments without function',
      'scenarios:\n  - name: a\n    turns:\n      - tool_calls:\n          - file_search: {}\n            arguments: {}\n',
      6,
      "'arguments' belong to a function call",
    ],
  ];

  it.each(cases)('%s', (_label, text, line, problem) => {
    const error = errorOf(() => parseScenarioText(text, '/tmp/rules.yaml'));
    expect(error.file).toBe('/tmp/rules.yaml');
    expect(error.line).toBe(line);
    expect(error.message).toContain(`Invalid scenario file /tmp/rules.yaml, line ${line}, column `);
    expect(error.message).toContain(problem);
  });

  it('makes buildApp throw at start with that message', async () => {
    const file = join(dir(), 'broken.yaml');
    writeFileSync(file, 'scenarios:\n  - name: a\n    turns:\n      - fail: { code: nope }\n');
    await expect(buildApp({ scenarios: file, dbPath: ':memory:', logger: false })).rejects.toThrow(
      `Invalid scenario file ${file}, line 4, column 23: scenarios[0].turns[0].fail.code: must be one of`,
    );
  });
});

describe('reload on change', () => {
  function nextReload(registry: ScenarioRegistry): Promise<ReloadResult> {
    return new Promise((resolve) => {
      const off = registry.onReload((result) => {
        off();
        resolve(result);
      });
    });
  }

  it('picks up an edited file, and keeps the previous rules when an edit is broken', async () => {
    const file = join(dir(), 'rules.yaml');
    writeFileSync(file, 'scenarios:\n  - name: one\n    turns: [ { text: one } ]\n');
    const registry = new ScenarioRegistry(file);
    const errors: string[] = [];
    registry.setLogger({ info: () => undefined, warn: () => undefined, error: (_obj, msg) => errors.push(msg) });
    await registry.watch();
    try {
      expect(registry.list('t').map((s) => s.name)).toEqual(['one']);

      let reloaded = nextReload(registry);
      writeFileSync(file, 'scenarios:\n  - name: two\n    turns: [ { text: two } ]\n  - name: three\n    turns: [ { text: 3 } ]\n');
      // A number where a string belongs: the edit is rejected as a whole.
      expect(await reloaded).toMatchObject({ ok: false });
      expect(registry.list('t').map((s) => s.name)).toEqual(['one']);
      expect(errors[0]).toContain(`Invalid scenario file ${file}, line 5`);
      expect(errors[0]).toContain('the previous rules stay');

      reloaded = nextReload(registry);
      writeFileSync(file, 'scenarios:\n  - name: two\n    turns: [ { text: two } ]\n');
      expect(await reloaded).toEqual({ ok: true, count: 1 });
      expect(registry.list('t').map((s) => s.name)).toEqual(['two']);
    } finally {
      await registry.close();
    }
  });

  it('sees files added to and removed from a watched folder', async () => {
    const d = dir();
    writeFileSync(join(d, 'a.yaml'), 'scenarios:\n  - name: a\n    turns: [ { text: a } ]\n');
    const registry = new ScenarioRegistry(d);
    await registry.watch();
    try {
      let reloaded = nextReload(registry);
      writeFileSync(join(d, 'b.yaml'), 'scenarios:\n  - name: b\n    turns: [ { text: b } ]\n');
      expect(await reloaded).toEqual({ ok: true, count: 2 });
      reloaded = nextReload(registry);
      rmSync(join(d, 'a.yaml'));
      expect(await reloaded).toEqual({ ok: true, count: 1 });
      expect(registry.list('t').map((s) => s.name)).toEqual(['b']);
    } finally {
      await registry.close();
    }
  });
});

describe('shipped files', () => {
  it('every example in examples/ is valid, and together they load as one folder', () => {
    const names = loadScenarioPath('examples').map((l) => l.spec.name);
    expect(names).toEqual(expect.arrayContaining(['weather', 'outage', 'cut-short', 'demo-stream', 'mean-of-numbers', 'handbook-search']));
  });

  it('the JSON Schema is a valid draft-07 schema that accepts the examples and rejects a bad file', () => {
    const Ajv = AjvModule.default ?? AjvModule;
    // Strict mode catches unknown keywords and typos; `required` inside oneOf branches is the usual idiom.
    const ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false, strictRequired: false });
    const schema = JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8'));
    const validate = ajv.compile(schema);
    // Every scenario file below examples/ (a demo's script beside its recording is not one).
    for (const file of listScenarioFiles('examples')) {
      expect(validate(parse(readFileSync(file, 'utf8'))), `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate({ scenarios: [{ name: 'x', turns: [{ text: 'y' }] }] })).toBe(true);
    expect(validate({ scenarios: [{ name: 'x', turns: [{ text: 'y', fail: {} }] }] })).toBe(false);
    expect(validate({ scenarios: [{ name: 'x', turns: [] }] })).toBe(false);
  });
});
