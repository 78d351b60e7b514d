/**
 * The rules strict Structured Outputs put on a json_schema response_format (OpenAI, Structured
 * Outputs guide, "Supported schemas": https://platform.openai.com/docs/guides/structured-outputs#supported-schemas):
 * the root is an object, every object sets `additionalProperties: false` and lists every property in
 * `required`. The real API refuses the request with a 400 naming the place in Python tuple notation,
 * `In context=('properties', 'address'), ...`; the same texts are produced here.
 */
import { invalidResponseFormatSchema, type ApiError } from '../domain/errors.js';

interface JsonSchemaFormat {
  name: string;
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

/** The 400 for a strict json_schema the real API refuses, or undefined when it is accepted. */
export function strictSchemaError(format: unknown): ApiError | undefined {
  const f = format as { type?: unknown; json_schema?: JsonSchemaFormat } | null | undefined;
  if (f?.type !== 'json_schema' || !f.json_schema || f.json_schema.strict !== true) return undefined;
  const { name, schema = {} } = f.json_schema;
  if (schema.type !== 'object') {
    const got = typeof schema.type === 'string' ? `"${schema.type}"` : '"None"';
    return invalidResponseFormatSchema(name, `schema must be a JSON Schema of 'type: "object"', got 'type: ${got}'.`);
  }
  const problem = firstProblem(schema, []);
  return problem ? invalidResponseFormatSchema(name, problem) : undefined;
}

/** Depth first, the root before its children: the first object that breaks a rule. */
function firstProblem(node: unknown, path: string[]): string | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const schema = node as Record<string, unknown>;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || isObject(schema.properties)) {
    const context = `In context=${pythonTuple(path)}`;
    if (schema.additionalProperties !== false) return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = Object.keys(isObject(schema.properties) ? schema.properties : {}).find((key) => !required.includes(key));
    if (missing !== undefined) {
      return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
  }
  const children: [string[], unknown][] = [];
  for (const [key, value] of Object.entries(isObject(schema.properties) ? schema.properties : {}))
    children.push([['properties', key], value]);
  if (isObject(schema.items)) children.push([['items'], schema.items]);
  for (const keyword of ['anyOf', 'allOf', 'oneOf']) {
    const list = schema[keyword];
    if (Array.isArray(list)) list.forEach((sub, i) => children.push([[keyword, String(i)], sub]));
  }
  for (const keyword of ['$defs', 'definitions']) {
    const defs = schema[keyword];
    if (isObject(defs)) for (const [key, value] of Object.entries(defs)) children.push([[keyword, key], value]);
  }
  for (const [segments, child] of children) {
    const problem = firstProblem(child, [...path, ...segments]);
    if (problem) return problem;
  }
  return undefined;
}

/** `()`, `('a',)`, `('a', 'b')`: how the real service prints the path. */
function pythonTuple(path: string[]): string {
  if (path.length === 0) return '()';
  const items = path.map((p) => `'${p}'`);
  return path.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Throws the real API's 400 when a request's response_format is a strict json_schema it refuses. */
export function assertResponseFormatAccepted(format: unknown): void {
  const error = strictSchemaError(format);
  if (error) throw error;
}
