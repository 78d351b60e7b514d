/**
 * Property test of schema-driven values: over schemas drawn from the JSON Schema subset OpenAI
 * function calling and strict Structured Outputs accept (nested objects, arrays with item bounds and
 * uniqueItems, $ref/$defs and recursion, allOf, anyOf, oneOf, enum, const, pattern, format, numeric
 * bounds and multipleOf, length bounds, nullable types), every generated value validates with Ajv and
 * the same schema gives the same value. Every drawn schema is satisfiable by construction.
 * SCHEMA_PROPERTY_RUNS and SCHEMA_PROPERTY_SEED override the count and the seed.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgetGeneratedValues, generateArguments, generateValue } from '../src/brains/schema-arguments.js';

// ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
const addFormats = addFormatsModule.default;

type JsonSchema = Record<string, unknown>;

const RUNS = Number(process.env.SCHEMA_PROPERTY_RUNS ?? 100);
/** Each case compiles Ajv validators for many parts of a large schema: seconds per test, not milliseconds. */
const TIMEOUT_MS = 120_000;
const SEED = process.env.SCHEMA_PROPERTY_SEED === undefined ? undefined : Number(process.env.SCHEMA_PROPERTY_SEED);

// ---- leaves -----------------------------------------------------------------------------------------

const PATTERNS = [
  '^[A-Z]{3}-\\d{4}$',
  '^\\d{5}$',
  '^[a-z]+_[0-9]{2}$',
  '^(red|green|blue)$',
  '^#[0-9a-fA-F]{6}$',
  '^\\+?[1-9]\\d{6,12}$',
  'ab+c',
];
const FORMATS = ['date', 'date-time', 'time', 'duration', 'email', 'uri', 'uuid', 'hostname', 'ipv4', 'ipv6'];
const NAMES = ['city', 'name', 'country', 'query', 'lang', 'currency', 'note', 'id', 'value', 'label', 'a b/c~d'];

const plainString = fc
  .record({ minLength: fc.option(fc.nat(6), { nil: undefined }), extra: fc.option(fc.nat(8), { nil: undefined }) })
  .map(({ minLength, extra }): JsonSchema => ({
    type: 'string',
    ...(minLength !== undefined ? { minLength } : {}),
    ...(extra !== undefined ? { maxLength: (minLength ?? 0) + extra } : {}),
  }));
const patterned = fc.constantFrom(...PATTERNS).map((pattern): JsonSchema => ({ type: 'string', pattern }));
const formatted = fc.constantFrom(...FORMATS).map((format): JsonSchema => ({ type: 'string', format }));
const longEmail = fc.integer({ min: 17, max: 40 }).map((minLength): JsonSchema => ({ type: 'string', format: 'email', minLength }));
const stringEnum = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 })
  .map((e): JsonSchema => ({ type: 'string', enum: e }));

const integer = fc
  .record({
    min: fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }),
    width: fc.integer({ min: 5, max: 60 }),
    m: fc.constantFrom(undefined, 1, 2, 3, 5),
    exclusive: fc.boolean(),
  })
  .map(({ min, width, m, exclusive }): JsonSchema => ({
    type: 'integer',
    ...(min !== undefined
      ? exclusive
        ? { exclusiveMinimum: min, maximum: min + width }
        : { minimum: min, exclusiveMaximum: min + width }
      : {}),
    ...(m ? { multipleOf: m } : {}),
  }));
const number = fc
  .record({
    min: fc.double({ min: -100, max: 100, noNaN: true }),
    width: fc.double({ min: 2, max: 50, noNaN: true }),
    m: fc.constantFrom(undefined, 0.5, 0.25),
    exclusive: fc.boolean(),
  })
  .map(({ min, width, m, exclusive }): JsonSchema => ({
    type: 'number',
    ...(exclusive ? { exclusiveMinimum: min, exclusiveMaximum: min + width } : { minimum: min, maximum: min + width }),
    ...(m ? { multipleOf: m } : {}),
  }));

const leaf: fc.Arbitrary<JsonSchema> = fc.oneof(
  plainString,
  patterned,
  formatted,
  longEmail,
  stringEnum,
  integer,
  number,
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.constantFrom<JsonSchema>({ const: 'fixed' }, { const: 42 }, { enum: ['a', 1, null, true] }),
  fc.oneof(plainString, patterned, formatted, integer).map((s): JsonSchema => ({ ...s, type: [s.type as string, 'null'] })),
);

/** Items that can always give as many distinct values as an array asks for (uniqueItems). */
const distinctItems: fc.Arbitrary<JsonSchema> = fc.oneof(
  fc.constant({ type: 'string' }),
  fc.constantFrom(...PATTERNS.slice(0, 3)).map((pattern): JsonSchema => ({ type: 'string', pattern })),
  fc.constantFrom('email', 'uuid', 'date', 'ipv4').map((format): JsonSchema => ({ type: 'string', format })),
  fc.integer({ min: -20, max: 20 }).map((minimum): JsonSchema => ({ type: 'integer', minimum, maximum: minimum + 30 })),
  fc.constant({
    type: 'object',
    properties: { name: { type: 'string' }, n: { type: 'integer' } },
    required: ['name', 'n'],
    additionalProperties: false,
  }),
);

// ---- composites -------------------------------------------------------------------------------------

const { schema } = fc.letrec<{
  schema: JsonSchema;
  object: JsonSchema;
  array: JsonSchema;
  anyOf: JsonSchema;
  allOf: JsonSchema;
  ref: JsonSchema;
}>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('object'),
    tie('array'),
    tie('anyOf'),
    tie('allOf'),
    tie('ref'),
  ),
  object: fc
    .record({
      properties: fc.dictionary(fc.constantFrom(...NAMES), tie('schema'), { maxKeys: 4 }),
      strict: fc.boolean(),
    })
    .map(({ properties, strict }): JsonSchema => {
      const keys = Object.keys(properties);
      return strict
        ? { type: 'object', properties, required: keys, additionalProperties: false }
        : { type: 'object', properties, required: keys.slice(0, Math.ceil(keys.length / 2)) };
    }),
  array: fc.oneof(
    fc
      .record({ items: tie('schema'), min: fc.nat(3), extra: fc.option(fc.nat(3), { nil: undefined }) })
      .map(({ items, min, extra }): JsonSchema => ({
        type: 'array',
        items,
        minItems: min,
        ...(extra !== undefined ? { maxItems: min + extra } : {}),
      })),
    fc
      .record({ items: distinctItems, min: fc.integer({ min: 2, max: 5 }) })
      .map(({ items, min }): JsonSchema => ({ type: 'array', items, minItems: min, uniqueItems: true })),
  ),
  anyOf: fc
    .record({ branches: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }), oneOf: fc.boolean() })
    .map(({ branches, oneOf }): JsonSchema =>
      oneOf
        ? // A discriminated union, the usual oneOf: exactly one branch can match.
          {
            oneOf: [
              { type: 'object', properties: { kind: { const: 'a' }, value: branches[0] }, required: ['kind', 'value'] },
              { type: 'object', properties: { kind: { const: 'b' } }, required: ['kind'] },
            ],
          }
        : { anyOf: branches },
    ),
  allOf: fc.record({ a: tie('object'), b: tie('object'), bound: integer }).map(({ a, b, bound }): JsonSchema => ({
    allOf: [
      open(a),
      // Keys of b that a also has are renamed: two unrelated schemas for one key may contradict.
      open(renameShared(b, a)),
      { properties: { bounded: bound }, required: ['bounded'] },
    ],
  })),
  ref: tie('schema').map((target): JsonSchema => ({
    type: 'object',
    properties: { item: { $ref: '#/$defs/target' } },
    required: ['item'],
    $defs: { target },
  })),
}));

function renameShared(b: JsonSchema, a: JsonSchema): JsonSchema {
  const aProps = (a.properties ?? {}) as JsonSchema;
  const bProps = (b.properties ?? {}) as JsonSchema;
  const rename = (k: string) => (k in aProps || k === 'bounded' ? `${k}_b` : k);
  return {
    ...b,
    properties: Object.fromEntries(Object.entries(bProps).map(([k, v]) => [rename(k), v])),
    required: ((b.required ?? []) as string[]).map(rename),
  };
}

/** In an allOf every part sees the others' properties as additional: the parts must stay open. */
function open(s: JsonSchema): JsonSchema {
  const { additionalProperties: _closed, ...rest } = s;
  return rest;
}

/**
 * `$ref`s point into the root's $defs: the definitions a drawn `ref` node carries are moved there,
 * each under a name of its own.
 */
function hoistDefs(root: JsonSchema): JsonSchema {
  const defs: JsonSchema = {};
  let count = 0;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$defs' ? v : walk(v);
    const drawn = out.$defs as JsonSchema | undefined;
    if (drawn?.target !== undefined) {
      const name = `target_${count++}`;
      defs[name] = walk(drawn.target);
      delete out.$defs;
      out.properties = { item: { $ref: `#/$defs/${name}` } };
    }
    return out;
  };
  const hoisted = walk(root) as JsonSchema;
  return Object.keys(defs).length > 0 ? { ...hoisted, $defs: defs } : hoisted;
}

/** Recursive templates, each around a drawn leaf: trees, linked lists, root recursion. */
const recursive: fc.Arbitrary<JsonSchema> = leaf.chain((value) =>
  fc.constantFrom<JsonSchema>(
    {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      additionalProperties: false,
      $defs: {
        node: {
          type: 'object',
          properties: { value, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['value', 'children'],
          additionalProperties: false,
        },
      },
    },
    {
      type: 'object',
      properties: { value, next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
      required: ['value', 'next'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { head: { $ref: '#/$defs/link' } },
      required: ['head'],
      $defs: {
        link: {
          type: 'object',
          properties: { value, next: { oneOf: [{ $ref: '#/$defs/link' }, { type: 'null' }] } },
          required: ['value', 'next'],
        },
      },
    },
  ),
);

/** Root schemas as functions take them: an object. */
const rootSchema: fc.Arbitrary<JsonSchema> = fc.oneof(
  {
    weight: 3,
    arbitrary: schema.map((s): JsonSchema =>
      hoistDefs({ type: 'object', properties: { answer: s }, required: ['answer'], additionalProperties: false }),
    ),
  },
  { weight: 2, arbitrary: schema.filter((s) => s.type === 'object').map(hoistDefs) },
  { weight: 1, arbitrary: recursive },
);

describe('generated values over generated schemas (fast-check)', () => {
  it(
    'always validate against the schema, and the same schema gives the same value',
    () => {
      const ajv = new Ajv({ strict: false });
      addFormats(ajv);
      fc.assert(
        fc.property(rootSchema, (root) => {
          const validate = ajv.compile(root);
          const value = generateArguments(root);
          expect(validate(value), `${JSON.stringify(root)}\n-> ${JSON.stringify(value)}\n${JSON.stringify(validate.errors)}`).toBe(true);
          forgetGeneratedValues(); // computed afresh, not from the cache
          expect(generateArguments(structuredClone(root))).toEqual(value);
          ajv.removeSchema(root);
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'also for a value that is not an object (a json_schema response_format may be any type)',
    () => {
      const ajv = new Ajv({ strict: false });
      addFormats(ajv);
      fc.assert(
        fc.property(schema.map(hoistDefs), (root) => {
          const value = generateValue(root);
          const validate = ajv.compile(root);
          expect(validate(value), `${JSON.stringify(root)}\n-> ${JSON.stringify(value)}`).toBe(true);
          ajv.removeSchema(root);
        }),
        { numRuns: Math.ceil(RUNS / 2), ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "never throw, whatever JSON is sent as a schema (a response_format schema is the caller's)",
    () => {
      const keyword = fc.constantFrom(
        'type',
        'properties',
        'required',
        'items',
        'enum',
        'const',
        'pattern',
        'format',
        'minimum',
        'maxLength',
        'minItems',
        'uniqueItems',
        'anyOf',
        'oneOf',
        'allOf',
        '$ref',
        '$defs',
        'additionalProperties',
        'multipleOf',
      );
      const junk = fc.letrec<{ node: unknown }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small' },
          fc.jsonValue({ maxDepth: 2 }),
          fc.dictionary(keyword, tie('node'), { maxKeys: 5 }),
          fc.array(tie('node'), { maxLength: 3 }),
        ),
      })).node;
      fc.assert(
        fc.property(fc.dictionary(keyword, junk, { maxKeys: 6 }), (root) => {
          expect(() => generateValue(root)).not.toThrow();
          expect(() => generateArguments(root)).not.toThrow();
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    },
    TIMEOUT_MS,
  );
});
