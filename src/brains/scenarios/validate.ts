/**
 * Validation of scenario values: the JSON Schema first, then the checks a schema cannot express
 * (regular expressions that compile, templates that parse, unique names, keys that only make sense
 * together). The result is ONE problem, the one a person should fix first, with the path of the value
 * it is about; the loader turns that path into a file line, the control API into a `param`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import Mustache from 'mustache';
import type { ScenarioFileSpec, ScenarioSpec, TextMatch, TurnSpec } from './format.js';
import { fileValidator, scenarioValidator } from './schema.js';
import { compileRegex } from './text-match.js';

export type PathSegment = string | number;

export interface Problem {
  /** Where the problem is, e.g. ['scenarios', 0, 'turns', 1, 'fail', 'code']. */
  path: PathSegment[];
  /** Set when the problem is a key of the object at `path` (an unknown property): points at the key. */
  key?: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Checks a whole file's content (`{ scenarios: [...] }`). */
export function validateScenarioFile(value: unknown): Validation<ScenarioFileSpec> {
  const schemaProblem = runSchema(fileValidator(), value);
  if (schemaProblem) return { ok: false, problem: schemaProblem };
  const file = value as ScenarioFileSpec;
  const problem = checkScenarios(file.scenarios, ['scenarios']);
  return problem ? { ok: false, problem } : { ok: true, value: file };
}

/**
 * Checks the body of POST /__admin/scenarios: `{ scenarios: [...] }` or one scenario object. Problem
 * paths are relative to the body as sent.
 */
export function validateScenarioBody(value: unknown): Validation<ScenarioSpec[]> {
  if (isObject(value) && 'scenarios' in value) {
    const result = validateScenarioFile(value);
    return result.ok ? { ok: true, value: result.value.scenarios } : result;
  }
  const schemaProblem = runSchema(scenarioValidator(), value);
  if (schemaProblem) return { ok: false, problem: schemaProblem };
  const problem = checkScenarios([value as ScenarioSpec], []);
  if (problem) return { ok: false, problem: { ...problem, path: problem.path.slice(1) } };
  return { ok: true, value: [value as ScenarioSpec] };
}

/** 'scenarios/0/turns' style paths, readable: `scenarios[0].turns[1].fail.code`. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

// ---- schema errors --------------------------------------------------------------------------------

function runSchema(validate: ValidateFunction, value: unknown): Problem | undefined {
  if (validate(value)) return undefined;
  return pickProblem(validate.errors ?? [], value);
}

function toPath(instancePath: string, root: unknown): PathSegment[] {
  const out: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(node) && /^\d+$/.test(part) ? Number(part) : part;
    out.push(segment);
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[String(segment)] : undefined;
  }
  return out;
}

/** Lower is more useful to report. */
// An unknown key first: a misspelt key also causes the "missing required property" of the intended one.
const KEYWORD_RANK: Record<string, number> = { additionalProperties: -1, type: 5, oneOf: 6, anyOf: 7 };

/**
 * Ajv (with allErrors) reports every failure, including one per branch of each `anyOf`/`oneOf`.
 * The useful one is: in the earliest failing scenario, the deepest failure, preferring a precise
 * keyword (unknown key, bad enum value) to a type mismatch and a type mismatch to "no branch matched".
 */
function pickProblem(errors: ErrorObject[], root: unknown): Problem | undefined {
  // The `required` (and `not`: text goes with tool_calls) of each branch of a "one of these keys"
  // choice only restates the oneOf failure.
  let candidates = errors.filter(
    (e) => !((e.keyword === 'required' || e.keyword === 'not') && /\/oneOf\/\d+\/(required|not)$/.test(e.schemaPath)),
  );
  // A type error in one branch of an anyOf says nothing when another branch got further.
  candidates = candidates.filter(
    (e) =>
      !(e.keyword === 'type' && /\/anyOf\/\d+\/type$/.test(e.schemaPath)) ||
      !candidates.some((o) => o !== e && o.keyword !== 'type' && o.keyword !== 'anyOf' && o.instancePath.startsWith(e.instancePath)),
  );
  if (candidates.length === 0) candidates = errors;

  const scenarioIndex = (e: ErrorObject) => {
    const match = /^\/scenarios\/(\d+)/.exec(e.instancePath);
    return match ? Number(match[1]) : -1;
  };
  const depth = (e: ErrorObject) => (e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1);
  const sorted = [...candidates].sort(
    (a, b) => scenarioIndex(a) - scenarioIndex(b) || depth(b) - depth(a) || (KEYWORD_RANK[a.keyword] ?? 0) - (KEYWORD_RANK[b.keyword] ?? 0),
  );
  const error = sorted[0];
  if (!error) return undefined;
  const path = toPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required property '${String(params.missingProperty)}'` };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : '';
      return { path, key, message: `unknown property '${key}'${hint}` };
    }
    case 'type': {
      // Merge the type errors of sibling anyOf branches: "must be a string or an object".
      const types = errors
        .filter((e) => e.keyword === 'type' && e.instancePath === error.instancePath)
        .flatMap((e) => [(e.params as { type: string | string[] }).type].flat());
      return { path, message: `must be ${joinOr([...new Set(types)].map(article))} (got ${describe(error.data)})` };
    }
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')} (got ${describe(error.data)})`,
      };
    case 'oneOf':
      return { path, message: describeOneOf(error) };
    case 'anyOf':
      return { path, message: 'does not have a valid form' };
    case 'minItems':
      return { path, message: `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'minLength':
      return { path, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { path, message: `must be at most ${String(params.limit)} characters long` };
    case 'minimum':
      return { path, message: `must be >= ${String(params.limit)} (got ${describe(error.data)})` };
    case 'minProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path, message: `must not be empty (give one of: ${allowed.join(', ')})` };
    }
    case 'pattern':
      return { path, message: `${describe(error.data)} does not match the pattern ${String(params.pattern)}` };
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

/** A "exactly one of these keys" choice: which keys exist, and what is wrong with that. */
function describeOneOf(error: ErrorObject): string {
  const branches = ((error.schema as { required?: string[] }[] | undefined) ?? []).map((b) => b.required?.[0]).filter(Boolean) as string[];
  const data = isObject(error.data) ? error.data : {};
  const present = branches.filter((k) => k in data);
  const list = branches.map((k) => `'${k}'`).join(', ');
  if (present.length === 0) return `needs one of ${list}`;
  // A turn's choice lets text go with tool_calls (a message said before the calls).
  const pairs = branches.includes('text') && branches.includes('tool_calls') ? " ('text' may go with 'tool_calls')" : '';
  return `has ${present.map((k) => `'${k}'`).join(' and ')}, but only one of ${list} is allowed${pairs}`;
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'an object', array: 'an array', integer: 'an integer', null: 'null' };
  return names[type] ?? `a ${type}`;
}

function joinOr(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

// ---- checks beyond the schema ---------------------------------------------------------------------

function checkScenarios(scenarios: ScenarioSpec[], at: PathSegment[]): Problem | undefined {
  const seen = new Map<string, number>();
  for (const [i, scenario] of scenarios.entries()) {
    const here = [...at, i];
    const first = seen.get(scenario.name);
    if (first !== undefined) {
      return {
        path: [...here, 'name'],
        message: `duplicate scenario name '${scenario.name}' (first used by ${formatPath([...at, first])})`,
      };
    }
    seen.set(scenario.name, i);
    const problem = checkMatch(scenario, here) ?? checkTurns(scenario.turns, [...here, 'turns']);
    if (problem) return problem;
  }
  return undefined;
}

function checkMatch(scenario: ScenarioSpec, at: PathSegment[]): Problem | undefined {
  const match = scenario.match;
  if (!match) return undefined;
  const texts: [PathSegment[], TextMatch | undefined][] = [
    [['assistant', 'id'], match.assistant?.id],
    [['assistant', 'name'], match.assistant?.name],
    [['assistant', 'instructions'], match.assistant?.instructions],
    [['assistant', 'model'], match.assistant?.model],
    [['run', 'instructions'], match.run?.instructions],
    [['run', 'model'], match.run?.model],
    [['message'], match.message],
  ];
  for (const [path, value] of texts) {
    if (typeof value !== 'object' || value.regex === undefined) continue;
    try {
      compileRegex(value.regex, value.ignore_case === true);
    } catch (error) {
      return { path: [...at, 'match', ...path, 'regex'], message: (error as Error).message };
    }
  }
  return undefined;
}

function checkTurns(turns: TurnSpec[], at: PathSegment[]): Problem | undefined {
  for (const [i, turn] of turns.entries()) {
    const here = [...at, i];
    if ('annotations' in turn && !('text' in turn)) {
      return { path: here, key: 'annotations', message: "'annotations' belong to a text turn (add 'text')" };
    }
    for (const [path, template] of templatesOf(turn)) {
      try {
        Mustache.parse(template);
      } catch (error) {
        return { path: [...here, ...path], message: `invalid template: ${(error as Error).message}` };
      }
    }
    if ('tool_calls' in turn) {
      for (const [j, call] of turn.tool_calls.entries()) {
        if ('arguments' in call && !('function' in call)) {
          return { path: [...here, 'tool_calls', j], key: 'arguments', message: "'arguments' belong to a function call (add 'function')" };
        }
      }
    }
  }
  return undefined;
}

/** Every string of a turn that is rendered as a template, with its path inside the turn. */
function templatesOf(turn: TurnSpec): [PathSegment[], string][] {
  const out: [PathSegment[], string][] = [];
  if ('text' in turn && turn.text !== undefined) {
    out.push([['text'], turn.text]);
    for (const [k, a] of (turn.annotations ?? []).entries()) {
      out.push([['annotations', k, 'text'], a.text], [['annotations', k, 'file_id'], a.file_id]);
      if (a.quote !== undefined) out.push([['annotations', k, 'quote'], a.quote]);
    }
  }
  if ('json' in turn) out.push(...jsonStrings(turn.json, ['json']));
  if ('fail' in turn && turn.fail.message !== undefined) out.push([['fail', 'message'], turn.fail.message]);
  if ('incomplete' in turn && turn.incomplete.text !== undefined) out.push([['incomplete', 'text'], turn.incomplete.text]);
  if ('tool_calls' in turn) {
    for (const [j, call] of turn.tool_calls.entries()) {
      const at: PathSegment[] = ['tool_calls', j];
      if ('function' in call) {
        if (typeof call.arguments === 'string') out.push([[...at, 'arguments'], call.arguments]);
        else if (call.arguments) collectStrings(call.arguments, [...at, 'arguments'], out);
      } else if ('file_search' in call) {
        if (call.file_search?.query !== undefined) out.push([[...at, 'file_search', 'query'], call.file_search.query]);
      } else {
        out.push([[...at, 'code_interpreter', 'input'], call.code_interpreter.input]);
        for (const [k, output] of (call.code_interpreter.outputs ?? []).entries()) {
          if ('logs' in output) out.push([[...at, 'code_interpreter', 'outputs', k, 'logs'], output.logs]);
        }
      }
    }
  }
  return out;
}

function collectStrings(value: unknown, at: PathSegment[], out: [PathSegment[], string][]): void {
  if (typeof value === 'string') out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => collectStrings(v, [...at, i], out));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) collectStrings(v, [...at, k], out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The string leaves of a scripted JSON value (each is a template), with their paths. */
function jsonStrings(value: unknown, at: PathSegment[]): [PathSegment[], string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => jsonStrings(v, [...at, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => jsonStrings(v, [...at, k]));
  return [];
}
