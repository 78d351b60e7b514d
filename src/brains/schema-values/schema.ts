/**
 * The JSON Schema subset the generator understands (the one OpenAI function calling and strict
 * Structured Outputs accept, https://platform.openai.com/docs/guides/structured-outputs#supported-schemas),
 * and the merge of the parts that a value must satisfy together (allOf, a `$ref` with siblings).
 */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, unknown>;
  required?: string[];
  items?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  /** Merged form only: every `pattern` of the parts. */
  patterns?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  additionalProperties?: unknown;
  anyOf?: unknown[];
  oneOf?: unknown[];
  allOf?: unknown[];
  $ref?: string;
}

/** A part of the root schema: the schema object and its JSON pointer (URI-encoded segments). */
export interface Part {
  schema: Schema;
  pointer: string;
}

/** The pointer of a child: `pointer/segment`, the segment escaped for JSON Pointer and for a URI. */
export function childPointer(pointer: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>((p, s) => `${p}/${encodeURIComponent(String(s).replace(/~/g, '~0').replace(/\//g, '~1'))}`, pointer);
}

export function isSchemaObject(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at a local `$ref` (`#`, `#/$defs/x`, ...) in the root, or undefined. */
export function resolvePointer(root: Schema, ref: string): Part | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  const fragment = ref.slice(1);
  if (fragment !== '' && !fragment.startsWith('/')) return undefined;
  const segments = fragment === '' ? [] : fragment.slice(1).split('/');
  const decoded: string[] = [];
  for (const raw of segments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    decoded.push(segment);
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  // `true` is the schema that accepts anything; `false` accepts nothing and cannot be generated for.
  if (node === true) return { schema: {}, pointer: childPointer('', ...decoded) };
  return isSchemaObject(node) ? { schema: node, pointer: childPointer('', ...decoded) } : undefined;
}

/** What generation needs of several parts that hold together: one schema, each child a list of parts. */
export interface Merged extends Schema {
  propertyParts: Map<string, Part[]>;
  itemParts: Part[][];
  /** Parts every item past the tuple ones must satisfy (`items` as one schema). */
  restItemParts: Part[];
  additionalParts: Part[];
  closed: boolean;
  types?: string[];
}

/** Merges parts that carry no $ref/allOf/anyOf/oneOf of their own any more (see generator.ts). */
export function mergeParts(parts: Part[]): Merged {
  const merged: Merged = { propertyParts: new Map(), itemParts: [], restItemParts: [], additionalParts: [], closed: false };
  const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  const min = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  for (const { schema: raw, pointer } of parts) {
    const s = numbersOnly(raw);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      merged.types = merged.types === undefined ? types : intersectTypes(merged.types, types);
    }
    if (Array.isArray(s.enum)) {
      const values = s.enum;
      merged.enum = merged.enum === undefined ? [...values] : merged.enum.filter((v) => values.some((w) => sameJson(v, w)));
    }
    if (s.const !== undefined) merged.const = s.const;
    if (typeof s.format === 'string') merged.format ??= s.format;
    if (typeof s.pattern === 'string') merged.patterns = [...(merged.patterns ?? []), s.pattern];
    merged.minimum = max(merged.minimum, s.minimum);
    merged.maximum = min(merged.maximum, s.maximum);
    merged.exclusiveMinimum = max(merged.exclusiveMinimum, typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined);
    merged.exclusiveMaximum = min(merged.exclusiveMaximum, typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : undefined);
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) merged.multipleOf = lcm(merged.multipleOf, s.multipleOf);
    merged.minLength = max(merged.minLength, s.minLength);
    merged.maxLength = min(merged.maxLength, s.maxLength);
    merged.minItems = max(merged.minItems, s.minItems);
    merged.maxItems = min(merged.maxItems, s.maxItems);
    merged.minProperties = max(merged.minProperties, s.minProperties);
    if (s.uniqueItems === true) merged.uniqueItems = true;
    if (Array.isArray(s.required))
      merged.required = [...new Set([...(merged.required ?? []), ...s.required.filter((r) => typeof r === 'string')])];
    if (isSchemaObject(s.properties)) {
      merged.properties ??= {};
      for (const [key, value] of Object.entries(s.properties)) {
        merged.properties[key] = value;
        const list = merged.propertyParts.get(key) ?? [];
        if (isSchemaObject(value)) list.push({ schema: value, pointer: childPointer(pointer, 'properties', key) });
        merged.propertyParts.set(key, list);
      }
    }
    if (Array.isArray(s.items)) {
      s.items.forEach((item, i) => {
        if (!isSchemaObject(item)) return;
        (merged.itemParts[i] ??= []).push({ schema: item, pointer: childPointer(pointer, 'items', i) });
      });
    } else if (isSchemaObject(s.items)) {
      merged.restItemParts.push({ schema: s.items, pointer: childPointer(pointer, 'items') });
    }
    if (s.additionalProperties === false) merged.closed = true;
    else if (isSchemaObject(s.additionalProperties))
      merged.additionalParts.push({ schema: s.additionalProperties, pointer: childPointer(pointer, 'additionalProperties') });
  }
  return merged;
}

const NUMERIC_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
] as const;

/** A schema sent through the API can hold anything: numeric keywords that are not finite numbers are ignored. */
function numbersOnly(schema: Schema): Schema {
  const out: Schema = { ...schema };
  for (const key of NUMERIC_KEYWORDS) if (typeof out[key] !== 'number' || !Number.isFinite(out[key])) delete out[key];
  return out;
}

/** The types both lists allow; an `integer` is a `number`, so `number` and `integer` give `integer`. */
function intersectTypes(a: string[], b: string[]): string[] {
  const both = a.filter((t) => b.includes(t) || (t === 'integer' && b.includes('number')));
  if (a.includes('number') && b.includes('integer') && !both.includes('integer')) both.push('integer');
  return both;
}

/** Same JSON value (objects compared key by key, whatever their order). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/** JSON with object keys sorted: the same schema always gives the same text (and seed). */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Least common multiple of two positive numbers (integers exactly; decimals by their scale). */
function lcm(a: number | undefined, b: number): number {
  if (a === undefined) return b;
  const scale = 10 ** Math.max(decimals(a), decimals(b));
  const x = Math.round(a * scale);
  const y = Math.round(b * scale);
  const gcd = (p: number, q: number): number => (q === 0 ? p : gcd(q, p % q));
  return ((x / gcd(x, y)) * y) / scale;
}

function decimals(n: number): number {
  const text = String(n);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}
