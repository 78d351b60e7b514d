/**
 * Extracts the Assistants part of OpenAI's OpenAPI document (public at https://github.com/openai/openai-openapi,
 * 3 MB of YAML) into a small JSON contract: every operation under /assistants, /threads, /files and
 * /vector_stores with its 200 response schema, and the component schemas they reach, rewritten as
 * plain JSON Schema (OpenAPI's `nullable: true` becomes a `null` type, `x-*` and prose are dropped).
 *
 * The contract test reads the cached copy (test/contract/openai-assistants.contract.json) and
 * re-extracts it whenever the spec is present and its sha256 differs from the one recorded.
 * Refresh by hand: `npx tsx test/contract/extract.ts`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONTRACT_PATH = join(HERE, 'openai-assistants.contract.json');
/**
 * OPENAI_SPEC names a local copy of OpenAI's public spec (openapi.yaml from
 * https://github.com/openai/openai-openapi); unset, the committed contract is used as it is.
 */
export const SPEC_PATH = process.env.OPENAI_SPEC ?? '';

/** Path prefixes of the Assistants API (and the files and vector stores it uses). */
export const ASSISTANTS_PATHS = /^\/(assistants|threads|files|vector_stores)(\/|$)/;

export type JsonSchema = { [key: string]: unknown };

export interface ContractOperation {
  operationId: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI path, e.g. `/threads/{thread_id}/runs`. */
  path: string;
  /** The 200 response: its media type and schema (a `$ref` to `#/components/schemas/...` or inline). */
  contentType: string;
  schema: JsonSchema;
}

export interface Contract {
  specSha256: string;
  operations: ContractOperation[];
  /** Component schemas by name, reachable from the operations' responses. */
  schemas: Record<string, JsonSchema>;
}

type Node = unknown;

/** Keywords that carry prose or vendor data, not constraints. */
const DROPPED = new Set(['description', 'example', 'examples', 'title', 'deprecated', 'default', 'externalDocs']);

/** OpenAPI 3.0/3.1 schema -> JSON Schema that Ajv understands, recursively. */
export function normalizeSchema(node: Node): Node {
  if (Array.isArray(node)) return node.map(normalizeSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key.startsWith('x-') || DROPPED.has(key) || key === 'nullable') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, schema]) => [name, normalizeSchema(schema)]));
      continue;
    }
    out[key] = normalizeSchema(value);
  }
  if ((node as JsonSchema).nullable === true) return makeNullable(out);
  return out;
}

function makeNullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') {
    const withNull: JsonSchema = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) withNull.enum = [...schema.enum, null];
    return withNull;
  }
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function refName(ref: string): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

/** Names of every component schema reachable from `node`. */
function collectRefs(node: Node, all: Record<string, Node>, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, all, into);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === '$ref' && typeof value === 'string') {
      const name = refName(value);
      if (into.has(name)) continue;
      into.add(name);
      if (!(name in all)) throw new Error(`missing schema ${name}`);
      collectRefs(all[name], all, into);
    } else {
      collectRefs(value, all, into);
    }
  }
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export function extractContract(specText: string): Contract {
  const spec = parse(specText) as {
    paths: Record<
      string,
      Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: Node }> }> }>
    >;
    components: { schemas: Record<string, Node> };
  };
  const operations: ContractOperation[] = [];
  const names = new Set<string>();
  for (const [path, item] of Object.entries(spec.paths)) {
    if (!ASSISTANTS_PATHS.test(path)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'delete'].includes(method)) continue;
      const ok = op.responses['200'];
      const [contentType, media] = Object.entries(ok?.content ?? {})[0] ?? ['', { schema: {} }];
      collectRefs(media.schema, spec.components.schemas, names);
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase() as ContractOperation['method'],
        path,
        contentType,
        schema: normalizeSchema(media.schema) as JsonSchema,
      });
    }
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const name of [...names].sort()) schemas[name] = normalizeSchema(spec.components.schemas[name]) as JsonSchema;
  return { specSha256: sha256(specText), operations, schemas };
}

/**
 * The contract: the cached copy when it matches the spec (or when the spec is not there, e.g. in a
 * clone without a local copy of the spec), else a fresh extraction, written back to the cache.
 */
export function loadContract(): { contract: Contract; source: 'cache' | 'spec' } {
  const cached = existsSync(CONTRACT_PATH) ? (JSON.parse(readFileSync(CONTRACT_PATH, 'utf8')) as Contract) : undefined;
  if (!existsSync(SPEC_PATH)) {
    if (!cached) throw new Error(`neither the spec (${SPEC_PATH}) nor the cached contract (${CONTRACT_PATH}) exists`);
    return { contract: cached, source: 'cache' };
  }
  const specText = readFileSync(SPEC_PATH, 'utf8');
  if (cached && cached.specSha256 === sha256(specText)) return { contract: cached, source: 'cache' };
  const contract = extractContract(specText);
  writeFileSync(CONTRACT_PATH, JSON.stringify(contract, null, 2) + '\n');
  return { contract, source: 'spec' };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const contract = extractContract(readFileSync(SPEC_PATH, 'utf8'));
  writeFileSync(CONTRACT_PATH, JSON.stringify(contract, null, 2) + '\n');
  console.log(`${contract.operations.length} operations, ${Object.keys(contract.schemas).length} schemas -> ${CONTRACT_PATH}`);
}
