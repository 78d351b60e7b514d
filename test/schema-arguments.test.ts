/**
 * Function-call arguments generated from JSON Schemas validate against them, deterministically.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
const addFormats = addFormatsModule.default;
import { describe, expect, it } from 'vitest';
import { generateArguments } from '../src/behavior/schema-arguments.js';
import { mentions } from '../src/behavior/defaults.js';

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
};

describe('schema-driven arguments', () => {
  it.each(Object.entries(SCHEMAS))('%s: generated arguments validate and are deterministic', (_name, schema) => {
    const args = generateArguments(schema);
    const validate = ajv.compile(schema);
    expect(validate(args), JSON.stringify(validate.errors)).toBe(true);
    expect(generateArguments(schema)).toEqual(args);
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
