/**
 * Deterministic function-call arguments generated from a function's JSON Schema: the same schema
 * (and user message) always gives the same arguments, and they validate against the schema
 * (required properties, types, enums, formats, bounds, nested objects and arrays).
 */
type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema | Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
};

const FORMAT_SAMPLES: Record<string, string> = {
  date: '2024-01-01',
  'date-time': '2024-01-01T12:00:00Z',
  time: '12:00:00',
  email: 'user@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

/** Plausible values for common property names; anything else gets a neutral sample. */
const NAME_SAMPLES: [RegExp, string][] = [
  [/city|location|place|town/i, 'Paris'],
  [/country/i, 'France'],
  [/name/i, 'Alice'],
  [/query|search|question|text|prompt/i, 'example'],
  [/lang/i, 'en'],
  [/currency/i, 'EUR'],
];

export function generateArguments(parameters: unknown): Record<string, unknown> {
  const value = generate((parameters ?? { type: 'object' }) as Schema, 'arguments', 0);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function generate(schema: Schema, name: string, depth: number): unknown {
  if (depth > 8) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.examples && schema.examples.length > 0) return schema.examples[0];
  const alternative = schema.anyOf ?? schema.oneOf;
  if (alternative && alternative.length > 0) {
    const nonNull = alternative.find((s) => s.type !== 'null') ?? alternative[0];
    return generate(nonNull, name, depth + 1);
  }
  if (schema.allOf && schema.allOf.length > 0) {
    return generate(Object.assign({}, ...schema.allOf) as Schema, name, depth + 1);
  }
  const type = pickType(schema);
  switch (type) {
    case 'object':
      return generateObject(schema, depth);
    case 'array':
      return generateArray(schema, name, depth);
    case 'string':
      return generateString(schema, name);
    case 'integer':
      return generateNumber(schema, true);
    case 'number':
      return generateNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return generateString(schema, name);
  }
}

function pickType(schema: Schema): string {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? 'null';
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return 'string';
}

function generateObject(schema: Schema, depth: number): Record<string, unknown> {
  const properties = schema.properties ?? {};
  // Only what is required, as a model mostly does; with no `required`, every property.
  const names = schema.required ? schema.required : Object.keys(properties);
  const out: Record<string, unknown> = {};
  for (const key of names) out[key] = generate(properties[key] ?? {}, key, depth + 1);
  return out;
}

function generateArray(schema: Schema, name: string, depth: number): unknown[] {
  const itemSchema = Array.isArray(schema.items) ? schema.items : schema.items ? [schema.items] : [{}];
  const count = Math.max(1, schema.minItems ?? 1, itemSchema.length);
  const limited = schema.maxItems !== undefined ? Math.min(count, schema.maxItems) : count;
  return Array.from({ length: limited }, (_, i) => generate(itemSchema[Math.min(i, itemSchema.length - 1)], name, depth + 1));
}

function generateString(schema: Schema, name: string): string {
  let value = (schema.format && FORMAT_SAMPLES[schema.format]) || NAME_SAMPLES.find(([re]) => re.test(name))?.[1] || 'example';
  if (schema.pattern) value = samplePattern(schema.pattern) ?? value;
  if (schema.minLength !== undefined && value.length < schema.minLength) value = value.padEnd(schema.minLength, 'x');
  if (schema.maxLength !== undefined && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  return value;
}

/** Patterns cannot be inverted in general; a few common shapes are, the rest fall back to the sample. */
function samplePattern(pattern: string): string | undefined {
  const candidates = ['example', 'ABC', 'abc', '123', 'A1', 'a-1', '2024-01-01', 'user@example.com'];
  try {
    const re = new RegExp(pattern);
    return candidates.find((c) => re.test(c));
  } catch {
    return undefined;
  }
}

function generateNumber(schema: Schema, integer: boolean): number {
  let low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : undefined);
  const high = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 0.5) : undefined);
  if (low === undefined) low = high !== undefined ? Math.min(1, high) : 1;
  let value = integer ? Math.ceil(low) : low;
  if (schema.multipleOf) value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  if (high !== undefined && value > high) value = integer ? Math.floor(high) : high;
  return value;
}
