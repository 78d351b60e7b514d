/**
 * Validates response bodies against the 200 response schema of their operation in the extracted
 * contract (see extract.ts), with Ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses) and ajv-formats.
 * Two checks:
 * - schema errors: a missing required field, a wrong type, an enum value the spec does not know;
 * - undeclared fields: a field the spec's object does not declare (e.g. a v1 field leaking into v2),
 *   checked wherever the spec declares the properties of an object and does not allow others.
 * Known, deliberate differences are in allow-list.ts; everything else fails the test.
 */
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ALLOWED_DEVIATIONS, type Deviation } from './allow-list.js';
import type { Contract, ContractOperation, JsonSchema } from './extract.js';

// CommonJS modules with a default export (as in src/http/validation.ts).
const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

const DOC_ID = 'openai-assistants.json';

export interface ContractProblem {
  operationId: string;
  /** JSON pointer into the body, e.g. `/data/0/tools/1/type`. */
  instancePath: string;
  /** Ajv keyword (`required`, `type`, `enum`, ...) or `undeclared` for a field the spec does not declare. */
  keyword: string;
  message: string;
  data?: unknown;
}

export interface ValidationResult {
  /** Problems that no allow-list entry covers: these fail the test. */
  problems: ContractProblem[];
  /** Problems that an allow-list entry covers, with the entry. */
  allowed: { problem: ContractProblem; deviation: Deviation }[];
}

/** `#/components/schemas/X` -> `openai-assistants.json#/components/schemas/X`, so any subschema compiles on its own. */
function absolutizeRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absolutizeRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOC_ID}${value}` : absolutizeRefs(value);
  }
  return out;
}

export class ContractValidator {
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private readonly operations = new Map<string, ContractOperation>();
  private readonly schemas: Record<string, JsonSchema>;
  private readonly compiled = new Map<unknown, ValidateFunction>();

  constructor(
    contract: Contract,
    private readonly deviations: Deviation[] = ALLOWED_DEVIATIONS,
  ) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, verbose: true });
    addFormats(this.ajv);
    // Unix timestamps in seconds: the type (integer) is checked; any integer is a valid time.
    this.ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    this.schemas = absolutizeRefs(contract.schemas) as Record<string, JsonSchema>;
    this.ajv.addSchema({ $id: DOC_ID, components: { schemas: this.schemas } });
    for (const op of contract.operations) {
      this.operations.set(op.operationId, { ...op, schema: absolutizeRefs(op.schema) as JsonSchema });
    }
  }

  operation(operationId: string): ContractOperation {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`unknown operation ${operationId}`);
    return op;
  }

  /** Validates a JSON body against the operation's 200 response schema. */
  validate(operationId: string, body: unknown): ValidationResult {
    const op = this.operation(operationId);
    const found: ContractProblem[] = [];
    const validate = this.compile(op.schema);
    if (!validate(body)) {
      for (const error of validate.errors ?? []) found.push(this.fromAjv(operationId, error));
    }
    this.findUndeclared(operationId, op.schema, body, '', found, 0);
    const result: ValidationResult = { problems: [], allowed: [] };
    for (const problem of dedupe(found)) {
      const deviation = this.deviations.find((d) => covers(d, problem));
      if (deviation) result.allowed.push({ problem, deviation });
      else result.problems.push(problem);
    }
    return result;
  }

  private compile(schema: unknown): ValidateFunction {
    const cached = this.compiled.get(schema);
    if (cached) return cached;
    const fn = this.ajv.compile(schema as object);
    this.compiled.set(schema, fn);
    return fn;
  }

  private fromAjv(operationId: string, error: ErrorObject): ContractProblem {
    const params = error.params as Record<string, unknown>;
    const instancePath = error.keyword === 'required' ? `${error.instancePath}/${String(params.missingProperty)}` : error.instancePath;
    return { operationId, instancePath, keyword: error.keyword, message: `${error.message ?? ''}`, data: error.data };
  }

  private resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let i = 0; i < 20 && typeof current.$ref === 'string'; i++) {
      const ref = current.$ref as string;
      const name = ref.slice(`${DOC_ID}#/components/schemas/`.length);
      const target = this.schemas[name];
      if (!target) throw new Error(`unresolved ${ref}`);
      const { $ref: _ref, ...siblings } = current;
      current = Object.keys(siblings).length > 0 ? { allOf: [target, siblings] } : target;
    }
    return current;
  }

  /** Walks body and schema together and reports fields of declared objects that the spec does not declare. */
  private findUndeclared(operationId: string, raw: JsonSchema, data: unknown, path: string, out: ContractProblem[], depth: number): void {
    if (depth > 40 || data === null || typeof data !== 'object') return;
    const schema = this.resolve(raw);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = schema[key] as JsonSchema[] | undefined;
      if (!branches) continue;
      // Follow the branch the data matches (the first one, as the SDKs' decoders pick).
      const match = branches.find((b) => this.compile(b)(data));
      if (match) this.findUndeclared(operationId, match, data, path, out, depth + 1);
    }
    const parts = (schema.allOf as JsonSchema[] | undefined) ?? [];
    for (const part of parts) this.findUndeclared(operationId, part, data, path, out, depth + 1);
    if (Array.isArray(data)) {
      const items = schema.items as JsonSchema | undefined;
      if (items) data.forEach((item, i) => this.findUndeclared(operationId, items, item, `${path}/${i}`, out, depth + 1));
      return;
    }
    const properties = schema.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return;
    const declared = new Set(Object.keys(properties));
    // In an allOf, the other parts declare fields too.
    for (const part of parts) for (const k of Object.keys((this.resolve(part).properties as object | undefined) ?? {})) declared.add(k);
    const openEnded = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (key in properties) {
        this.findUndeclared(operationId, properties[key], value, `${path}/${key}`, out, depth + 1);
      } else if (!declared.has(key) && !openEnded) {
        out.push({ operationId, instancePath: `${path}/${key}`, keyword: 'undeclared', message: `field '${key}' is not in the spec` });
      }
    }
  }
}

function dedupe(problems: ContractProblem[]): ContractProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.instancePath} ${p.keyword} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function covers(d: Deviation, p: ContractProblem): boolean {
  if (d.operations && !d.operations.includes(p.operationId)) return false;
  if (!d.path.test(p.instancePath)) return false;
  if (d.keywords && !d.keywords.includes(p.keyword)) return false;
  if (d.when && !d.when(p)) return false;
  return true;
}

export function formatProblems(problems: ContractProblem[]): string {
  return problems.map((p) => `${p.operationId} ${p.instancePath || '/'}: ${p.keyword} ${p.message}`).join('\n');
}
