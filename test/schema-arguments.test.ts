/**
 * Function-call arguments generated from JSON Schemas validate against them, deterministically.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
const addFormats = addFormatsModule.default;
import { describe, expect, it } from 'vitest';
import { generateArguments, generateValue } from '../src/brains/schema-arguments.js';
import { mentions } from '../src/brains/defaults.js';

const ajv = new Ajv({ strict: false });
addFormats(ajv);

const SCHEMAS: Record<string, object> = {
  empty: { type: 'object', properties: {} },
  scalars: {
    type: 'object',
    properties: {
      s: { type: 'string', minLength: 12 },
      short: { type: 'string', maxLength: 3 },
      i: { type: 'integer', minimum: 5, maximum: 9 },
      n: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      m: { type: 'integer', minimum: 7, multipleOf: 5 },
      b: { type: 'boolean' },
      e: { type: 'string', enum: ['x', 'y'] },
      c: { const: 42 },
      nul: { type: ['null', 'string'] },
    },
    required: ['s', 'short', 'i', 'n', 'm', 'b', 'e', 'c', 'nul'],
  },
  formats: {
    type: 'object',
    properties: {
      email: { type: 'string', format: 'email' },
      date: { type: 'string', format: 'date' },
      when: { type: 'string', format: 'date-time' },
      uri: { type: 'string', format: 'uri' },
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', pattern: '^[A-Z]{3}$' },
    },
    required: ['email', 'date', 'when', 'uri', 'id', 'code'],
  },
  nested: {
    type: 'object',
    properties: {
      order: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            minItems: 2,
            items: {
              type: 'object',
              properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
              required: ['sku', 'qty'],
            },
          },
          note: { type: 'string' },
        },
        required: ['items'],
        additionalProperties: false,
      },
      mode: { anyOf: [{ type: 'null' }, { type: 'string', enum: ['fast', 'slow'] }] },
    },
    required: ['order', 'mode'],
    additionalProperties: false,
  },
  noRequired: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } } },
  // The four common shapes the issue found invalid before the generator honoured them.
  refDefs: {
    type: 'object',
    properties: { shipping: { $ref: '#/$defs/address' }, billing: { $ref: '#/$defs/address' } },
    required: ['shipping', 'billing'],
    additionalProperties: false,
    $defs: {
      address: {
        type: 'object',
        properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^\\d{5}$' } },
        required: ['city', 'zip'],
        additionalProperties: false,
      },
    },
  },
  uniqueItems: {
    type: 'object',
    properties: {
      tags: { type: 'array', items: { type: 'string' }, minItems: 3, uniqueItems: true },
      scores: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 4 }, minItems: 4, uniqueItems: true },
      flags: { type: 'array', items: { type: 'boolean' }, minItems: 2, uniqueItems: true },
    },
    required: ['tags', 'scores', 'flags'],
  },
  pattern: {
    type: 'object',
    properties: {
      flight: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' },
      sku: { type: 'string', pattern: '^SKU_[0-9a-f]{6}$', maxLength: 10 },
    },
    required: ['flight', 'sku'],
  },
  allOf: {
    allOf: [
      { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
      { type: 'object', properties: { quantity: { type: 'integer', minimum: 2, multipleOf: 3 } }, required: ['quantity'] },
      { properties: { id: { minLength: 36 } } },
    ],
  },
  recursion: {
    type: 'object',
    properties: { tree: { $ref: '#/$defs/node' }, list: { $ref: '#/$defs/link' } },
    required: ['tree', 'list'],
    additionalProperties: false,
    $defs: {
      node: {
        type: 'object',
        properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        required: ['label', 'children'],
        additionalProperties: false,
      },
      link: {
        type: 'object',
        properties: { value: { type: 'integer' }, next: { anyOf: [{ $ref: '#/$defs/link' }, { type: 'null' }] } },
        required: ['value', 'next'],
        additionalProperties: false,
      },
    },
  },
  rootRecursion: {
    type: 'object',
    properties: { name: { type: 'string' }, parent: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
    required: ['name', 'parent'],
    additionalProperties: false,
  },
  oneOf: {
    type: 'object',
    properties: {
      amount: { oneOf: [{ type: 'integer' }, { type: 'number', minimum: 0.5 }] },
      price: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.01 },
      step: { type: 'number', multipleOf: 0.25, minimum: 0.3 },
      nullableDate: { type: ['string', 'null'], format: 'date-time' },
      contact: { type: 'string', format: 'email', minLength: 30 },
      window: { type: 'string', format: 'duration' },
    },
    required: ['amount', 'price', 'step', 'nullableDate', 'contact', 'window'],
  },
};

describe('schema-driven arguments', () => {
  it.each(Object.entries(SCHEMAS))('%s: generated arguments validate and are deterministic', (_name, schema) => {
    const args = generateArguments(schema);
    const validate = ajv.compile(schema);
    expect(validate(args), JSON.stringify(validate.errors)).toBe(true);
    expect(generateArguments(schema)).toEqual(args);
  });

  it('keeps the name-aware samples where the schema allows them', () => {
    expect(generateArguments(SCHEMAS.refDefs)).toMatchObject({ shipping: { city: 'Paris' }, billing: { city: 'Paris' } });
    expect(generateArguments({ type: 'object', properties: { country: { type: 'string', maxLength: 3 } }, required: ['country'] })).toEqual(
      {
        country: 'Fra',
      },
    );
  });

  it('gives recursive schemas a bounded depth', () => {
    const args = generateArguments(SCHEMAS.recursion) as { list: unknown };
    expect(JSON.stringify(args).length).toBeLessThan(2_000);
    let depth = 0;
    for (let link = args.list as { next: unknown } | null; link; link = link.next as { next: unknown } | null) depth++;
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThan(10);
  });

  it.each([
    ['a recursion with no way out', { anyOf: [{ $ref: '#' }] }],
    ['a reference to itself', { $ref: '#' }],
    ['nested unsatisfiable choices', { anyOf: [{ $ref: '#' }, { $ref: '#' }, { type: 'integer', minimum: 5, maximum: 1 }] }],
    ['an allOf of itself', { allOf: [{ $ref: '#' }], properties: { a: { $ref: '#' } }, required: ['a'] }],
  ])('ends, with a best effort, on %s', (_name, schema) => {
    expect(() => generateValue(schema)).not.toThrow();
  });

  it('fills every property when none is required', () => {
    expect(Object.keys(generateArguments(SCHEMAS.noRequired))).toEqual(['a', 'b']);
  });
});

describe('auto tool choice: does the message mention the function?', () => {
  const weather = { name: 'get_weather', description: 'Get the current forecast for a city' };
  it.each([
    ['What is the weather in Paris?', true],
    ['call get_weather please', true],
    ['Any forecast for tomorrow?', true],
    ['Tell me a joke', false],
    ['', false],
  ])('%s -> %s', (message, expected) => {
    expect(mentions(message as string, weather)).toBe(expected);
  });
});
