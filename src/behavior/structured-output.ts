/**
 * Replies of runs whose response_format asks for JSON (OpenAI, Structured Outputs guide:
 * https://platform.openai.com/docs/guides/structured-outputs). json_schema: a document generated from
 * the schema (the generator of function arguments, so it validates and the same schema gives the same
 * document); json_object: `{"message": <the last user message>}`, with `"tool_outputs"` after tool
 * outputs. Scripted `json:` turns are checked against the run's schema here too.
 */
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { generateValue } from './schema-arguments.js';
import type { TurnAction, TurnInput } from './types.js';

// ajv and ajv-formats are CommonJS modules with a default export.
const Ajv = AjvModule.default ?? AjvModule;
const addFormats = addFormatsModule.default ?? addFormatsModule;

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
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  let validate: ValidateFunction;
  try {
    const { $schema: _draft, $id: _id, ...schema } = format.schema;
    validate = ajv.compile(schema);
  } catch (error) {
    return `${where}: the response_format json_schema '${format.name}' cannot be compiled (${(error as Error).message}).`;
  }
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  const at = first?.instancePath ? first.instancePath : '(root)';
  return `${where}: its json does not match the response_format json_schema '${format.name}': ${at} ${first?.message ?? 'is invalid'}.`;
}
