/**
 * Replies of runs whose response_format asks for JSON (OpenAI, Structured Outputs guide:
 * https://platform.openai.com/docs/guides/structured-outputs). json_schema: a document generated from
 * the schema (the generator of function arguments, so it validates and the same schema gives the same
 * document); json_object: `{"message": <the last user message>}`, with `"tool_outputs"` after tool
 * outputs. Scripted `json:` turns are checked against the run's schema here too.
 */
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../util/ajv.js';
import { generateValue } from './schema-arguments.js';
import { stableStringify } from './schema-values/schema.js';
import type { TurnAction, TurnInput } from './types.js';

export type JsonFormat = { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean } | { type: 'json_object' };

/** The run's response_format when it asks for JSON; undefined for `auto` and `text`. */
export function jsonFormatOf(responseFormat: unknown): JsonFormat | undefined {
  const f = responseFormat as {
    type?: unknown;
    json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean | null };
  } | null;
  if (f?.type === 'json_object') return { type: 'json_object' };
  if (f?.type === 'json_schema' && f.json_schema) {
    return {
      type: 'json_schema',
      name: f.json_schema.name ?? 'response',
      // No schema: any JSON object will do.
      schema: f.json_schema.schema ?? { type: 'object' },
      strict: f.json_schema.strict === true,
    };
  }
  return undefined;
}

/** The default reply of a run that asks for JSON. */
export function structuredReply(input: TurnInput, format: JsonFormat): TurnAction {
  if (format.type === 'json_schema')
    return { kind: 'text', format: 'json', text: JSON.stringify(generateValue(format.schema, format.name)) };
  const outputs = input.turn > 0 ? input.toolOutputs.map((o) => o.output) : [];
  const body = { message: input.lastUserMessage, ...(outputs.length > 0 ? { tool_outputs: outputs } : {}) };
  return { kind: 'text', format: 'json', text: JSON.stringify(body) };
}

/**
 * Why a scripted JSON value does not fit the run's response_format (a message naming the scenario
 * and the first schema error), or undefined when it fits.
 */
export function scriptedJsonProblem(value: unknown, format: JsonFormat | undefined, scenario: string, turn: number): string | undefined {
  if (!format) return undefined;
  const where = `assistants-mock: scenario '${scenario}' turn ${turn}`;
  if (format.type === 'json_object') {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? undefined
      : `${where}: its json is not an object, which response_format json_object requires.`;
  }
  const validate = compiledSchema(format.schema);
  if (validate instanceof Error) {
    return `${where}: the response_format json_schema '${format.name}' cannot be compiled (${validate.message}).`;
  }
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  const at = first?.instancePath ? first.instancePath : '(root)';
  return `${where}: its json does not match the response_format json_schema '${format.name}': ${at} ${first?.message ?? 'is invalid'}.`;
}

/** Validators of response_format schemas, kept per schema text: a scripted turn plays again and again. */
const compiled = new Map<string, ValidateFunction | Error>();
const COMPILED_KEPT = 64;

function compiledSchema(schema: Record<string, unknown>): ValidateFunction | Error {
  const { $schema: _draft, $id: _id, ...rest } = schema;
  const key = stableStringify(rest);
  let entry = compiled.get(key);
  if (entry === undefined) {
    const ajv = createAjv({ strict: false, allErrors: false }, { formats: true });
    try {
      entry = ajv.compile(rest);
    } catch (error) {
      entry = error instanceof Error ? error : new Error(String(error));
    }
    if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, entry);
  }
  return entry;
}
