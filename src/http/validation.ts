/**
 * Request validation. Route schemas (TypeBox, also fed to @fastify/swagger) are compiled by two Ajv
 * instances: bodies are checked strictly (no type coercion, unknown fields rejected, nothing removed),
 * while query strings and path parameters coerce "20" to 20 as every HTTP API must. The first Ajv
 * error is translated into the OpenAI error the real validator would give (see src/domain/errors.ts).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from '../util/ajv.js';
import type { FastifySchemaCompiler } from 'fastify';
import {
  ApiError,
  arrayLength,
  invalidParam,
  invalidType,
  invalidValue,
  metadataTooManyKeys,
  missingParameter,
  numberOutOfRange,
  stringLength,
  unknownParameter,
} from '../domain/errors.js';

function makeAjv(coerceTypes: boolean) {
  return createAjv(
    {
      allErrors: false,
      coerceTypes: coerceTypes ? 'array' : false,
      removeAdditional: false,
      useDefaults: true,
      verbose: true,
      strict: false,
    },
    { formats: true },
  );
}

// Made on the first compile, not at start-up: with ajv-formats, the two cost ~20 ms of start-up CPU
// (a `node --cpu-prof` of the start), and nothing validates before the first request.
let bodyAjv: ReturnType<typeof makeAjv> | undefined;
let paramsAjv: ReturnType<typeof makeAjv> | undefined;

/**
 * Compiled validators by schema text. Fastify hands every route its own copy of a schema (and every
 * route exists twice, under /v1 and /openai), so Ajv's identity-keyed cache misses: ~220 compiles of
 * ~40 distinct schemas. Keyed by content, each schema compiles once.
 */
const compiled = { body: new Map<string, ValidateFunction>(), other: new Map<string, ValidateFunction>() };

function compile(schema: object, isBody: boolean): ValidateFunction {
  const cache = isBody ? compiled.body : compiled.other;
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    const ajv = isBody ? (bodyAjv ??= makeAjv(false)) : (paramsAjv ??= makeAjv(true));
    validate = ajv.compile(schema) as ValidateFunction;
    cache.set(key, validate);
  }
  return validate;
}

/**
 * A validator compiles on its route's first request, and only then. Compiling them all before listening
 * was most of the start-up time (~0.5 s of ~1.2 s of CPU); compiling them all in the background after
 * it (as this did until 2026-12) cost every server that CPU, most of it for routes a test suite never
 * calls, and on a busy machine it landed in front of the first requests and the first run. A route's
 * first request pays its own compile instead: a few milliseconds, ~20 ms for the largest (create run).
 */

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const isBody = httpPart === 'body';
  let compiledFn: ValidateFunction | undefined;
  return (data: unknown) => {
    const validate = (compiledFn ??= compile(schema as object, isBody));
    if (validate(data)) return { value: data };
    return { error: translateAjvErrors(validate.errors ?? [], data, isBody) };
  };
};

/** '/tools/0/function/name' -> 'tools[0].function.name' (the real API's way of naming a parameter). */
export function paramName(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const part of parts) {
    const decoded = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(decoded)) out += `[${decoded}]`;
    else out += out ? `.${decoded}` : decoded;
  }
  return out;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function describeExpected(type: string | string[]): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean',
    object: 'an object',
    array: 'an array',
    null: 'null',
  };
  const list = (Array.isArray(type) ? type : type.split(',')).map((t) => names[t] ?? t);
  return list.join(' or ');
}

/** Picks the most useful of Ajv's errors and turns it into an ApiError. */
export function translateAjvErrors(errors: ErrorObject[], root: unknown, isBody: boolean): ApiError {
  if (isBody && (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root))) {
    return new ApiError(400, 'The request body must be a JSON object.', 'invalid_request_error', null, null);
  }
  const error = pickError(errors);
  if (!error) return invalidParam('body', 'invalid request.');
  const param = paramName(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return missingParameter(paramName(error.instancePath, String(params.missingProperty)));
    case 'additionalProperties':
      return unknownParameter(paramName(error.instancePath, String(params.additionalProperty)));
    case 'type':
      return invalidType(param, describeExpected(params.type as string), describeJsonType(error.data));
    case 'enum':
      return invalidValue(param, error.data, params.allowedValues as unknown[]);
    case 'const':
      return invalidValue(param, error.data, [params.allowedValue]);
    case 'maximum':
    case 'exclusiveMaximum':
      return numberOutOfRange(param, 'maximum', Number(params.limit), error.data, isIntegerSchema(error));
    case 'minimum':
    case 'exclusiveMinimum':
      return numberOutOfRange(param, 'minimum', Number(params.limit), error.data, isIntegerSchema(error));
    case 'maxLength':
      return stringLength(param, 'maximum', Number(params.limit), String(error.data).length);
    case 'minLength':
      return stringLength(param, 'minimum', Number(params.limit), String(error.data).length);
    case 'maxItems':
      return arrayLength(param, 'maximum', Number(params.limit), (error.data as unknown[]).length);
    case 'minItems':
      return arrayLength(param, 'minimum', Number(params.limit), (error.data as unknown[]).length);
    case 'maxProperties':
      return metadataTooManyKeys(param, Object.keys(error.data as object).length);
    case 'propertyNames':
      return invalidParam(param, `keys must be strings of at most 64 characters ('${String(params.propertyName)}' is too long).`);
    case 'pattern':
      return invalidParam(param, `'${String(error.data)}' does not match the expected pattern.`);
    case 'format':
      return invalidParam(param, `'${String(error.data)}' is not a valid ${String(params.format)}.`);
    default:
      return invalidParam(param || 'body', `${error.message ?? 'invalid value'}.`);
  }
}

function isIntegerSchema(error: ErrorObject): boolean {
  const schema = error.parentSchema as { type?: unknown } | undefined;
  return schema?.type === 'integer' || Number.isInteger(error.data);
}

/**
 * With allErrors off, Ajv reports the first failure of each branch of an anyOf and then the anyOf
 * itself. When every branch failed on the discriminating `type` field, the caller sent an unknown
 * kind: report that. Otherwise the branch that got deepest is the one the caller meant.
 */
/** The `type` constants of a union's object branches (`[{ properties: { type: { const } } }, ...]`). */
function discriminatorValues(schema: unknown): unknown[] {
  if (!Array.isArray(schema)) return [];
  const values: unknown[] = [];
  for (const branch of schema as { type?: unknown; properties?: { type?: { const?: unknown; enum?: unknown[] } } }[]) {
    // A literal or null beside the objects (response_format: 'auto' or {type: ...}) is not a kind.
    if (branch?.type !== undefined && branch.type !== 'object') continue;
    const type = branch?.properties?.type;
    if (type?.const !== undefined) values.push(type.const);
    else if (Array.isArray(type?.enum)) values.push(...type.enum);
    else return []; // a branch without a constant type: not a discriminated union
  }
  return [...new Set(values)];
}

function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  if (errors.length <= 1) return errors[0];
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (!union) return errors[0];
  let branchErrors = errors.filter((e) => e !== union && e.instancePath.startsWith(union.instancePath));
  const onType = branchErrors.filter(
    (e) => (e.keyword === 'const' || e.keyword === 'enum') && e.instancePath === `${union.instancePath}/type`,
  );
  // The branches' own `type` values, read from the schema (Ajv's verbose mode gives it): a value
  // among them names the branch the caller meant, and that branch's errors are the ones to report;
  // a value outside them is an unknown kind, whatever else the branches complained about (a branch
  // checks `required` before `type`). Found by test/fuzz.test.ts: `tools[0].type: 'nope'` named
  // only 'code_interpreter' as supported.
  const kinds = discriminatorValues(union.schema);
  if (onType.length > 0 && kinds.length > 0) {
    if (!kinds.includes(onType[0].data)) return { ...onType[0], keyword: 'enum', params: { allowedValues: kinds } } as ErrorObject;
    const others = branchErrors.filter((e) => !onType.includes(e));
    if (others.length > 0) branchErrors = others;
  }
  // Every object branch fails on `type` (or on being an object at all): an unknown discriminator value.
  if (
    onType.length > 0 &&
    branchErrors.every((e) => onType.includes(e) || (e.keyword === 'type' && e.instancePath === union.instancePath))
  ) {
    const allowed = onType
      .map((e) =>
        e.keyword === 'const'
          ? (e.params as { allowedValue: unknown }).allowedValue
          : (e.params as { allowedValues: unknown[] }).allowedValues,
      )
      .flat();
    return {
      ...onType[0],
      keyword: 'enum',
      params: { allowedValues: [...new Set(allowed)] },
    } as ErrorObject;
  }
  // Every branch is a constant (a union of literals, such as order 'asc' | 'desc'): one error that
  // lists them all. Without this the first branch's error alone named 'asc' as the only value.
  // Found by test/fuzz.test.ts.
  // Literals may sit beside other branches (tool_choice: three strings or an object) and inside a
  // nested union (Nullable(Union(literals)) for reasoning_effort); the unions themselves report at the
  // same path. Before, the first literal alone was named ("Supported values are: 'none'.").
  const atUnion = branchErrors.filter((e) => e.instancePath === union.instancePath && e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const literals = atUnion.filter((e) => e.keyword === 'const' || e.keyword === 'enum');
  const wrongType = atUnion.filter((e) => e.keyword === 'type');
  if (literals.length > 0 && literals.length + wrongType.length === atUnion.length && atUnion.length > 0) {
    const allowed = [
      ...new Set(
        literals.flatMap((e) =>
          e.keyword === 'const'
            ? [(e.params as { allowedValue: unknown }).allowedValue]
            : (e.params as { allowedValues: unknown[] }).allowedValues,
        ),
      ),
    ];
    if (branchErrors.every((e) => e.instancePath === union.instancePath)) {
      // Not even the literals' type (an array for a string, say): that is the error.
      const ofLiteralType = allowed.some((v) => v !== null && typeof v === typeof union.data);
      if (!ofLiteralType && wrongType.length > 0) {
        const literalTypes = allowed.map((v) => (v === null ? 'null' : typeof v));
        const types = [...new Set([...literalTypes, ...wrongType.map((t) => (t.params as { type: string }).type)])];
        return { ...wrongType[0], params: { type: types.join(',') } } as ErrorObject;
      }
      // A value of a literal's type that is none of them: name them all.
      return { ...literals[0], keyword: 'enum', params: { allowedValues: allowed } } as ErrorObject;
    }
  }
  const deepest = branchErrors
    .filter((e) => !(e.keyword === 'type' && e.instancePath === union.instancePath))
    .sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  // A branch whose type matched failed on something else (a length, a range): that is the error.
  if (deepest) return deepest;
  // All branches failed at the union's own level, e.g. a number where a string or an array was expected.
  const types = branchErrors.filter((e) => e.keyword === 'type' && e.instancePath === union.instancePath);
  if (types.length > 0) {
    return { ...types[0], params: { type: [...new Set(types.map((t) => (t.params as { type: string }).type))].join(',') } } as ErrorObject;
  }
  return deepest ?? branchErrors[0] ?? union;
}
