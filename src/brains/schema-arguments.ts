/**
 * Deterministic values generated from a JSON Schema: function-call arguments from a function's
 * `parameters`, and the reply of a run whose response_format is a json_schema. The same schema always
 * gives the same value, and the value validates against the schema (checked with Ajv): for the subset
 * OpenAI function calling and strict Structured Outputs accept ($ref/$defs and recursion, allOf,
 * anyOf, oneOf, enum, const, pattern, format, numeric bounds and multipleOf, item and length bounds,
 * uniqueItems, additionalProperties, nullable types), and beyond it wherever a value can be found.
 *
 * How: a first pass prefers plausible values (a `city` is "Paris", a date is 2024-01-01, the lowest
 * allowed number near 1) and checks every choice against the schema part it is for (see
 * schema-values/generator.ts). If the whole value still does not validate, seeded random passes try
 * other choices; the first valid one is kept. The seed is a hash of the schema, so this is
 * deterministic too. Only a schema no value satisfies (or one Ajv cannot compile) gets the first
 * pass's best effort.
 */
import { seededRandom } from '../util/prng.js';
import { ValueGenerator } from './schema-values/generator.js';
import { isSchemaObject, stableStringify, type Schema } from './schema-values/schema.js';
import { SchemaValidator } from './schema-values/validator.js';

/** Seeded random passes after the first, before giving up. */
const FALLBACK_PASSES = 32;
/** Values (of any depth) all passes over one schema may generate together; see Budget. */
const VALUE_BUDGET = 50_000;
/** Values kept per schema text: runs of one test suite use few schemas, over and over. */
const CACHE_SIZE = 256;
const cache = new Map<string, unknown>();

export function generateArguments(parameters: unknown): Record<string, unknown> {
  const schema = isSchemaObject(parameters) ? (parameters as Record<string, unknown>) : { type: 'object' };
  const value = generateValue(schema, 'arguments');
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A value valid against `schema` (see above); `name` names the root for the name-aware samples. */
export function generateValue(schema: Record<string, unknown>, name = 'value'): unknown {
  // $schema and $id are the caller's; the validator gives the root its own id, in draft-07 mode.
  const { $schema: _schema, $id: _id, ...root } = schema;
  const key = `${name}\u0000${stableStringify(root)}`;
  if (cache.has(key)) return structuredClone(cache.get(key));
  const value = generateUncached(root as Schema, name, hash(key));
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return structuredClone(value);
}

/** Forgets the values kept per schema (tests check that a fresh generation gives the same value). */
export function forgetGeneratedValues(): void {
  cache.clear();
}

function generateUncached(root: Schema, name: string, seed: number): unknown {
  const validator = new SchemaValidator(root);
  const budget = { left: VALUE_BUDGET };
  const first = new ValueGenerator(root, validator, seededRandom(seed), false, budget).generate(name);
  if (validator.validates(first) || !validator.canJudge) return first;
  for (let pass = 1; pass <= FALLBACK_PASSES && budget.left > 0; pass++) {
    const candidate = new ValueGenerator(root, validator, seededRandom(seed + pass), true, budget).generate(name);
    if (validator.validates(candidate)) return candidate;
  }
  return first;
}

/** FNV-1a over the text: a stable 32-bit seed for the same schema. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
