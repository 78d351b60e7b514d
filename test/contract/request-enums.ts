/**
 * The lists of literals a request may use (every `enum`/`const` in request bodies and query
 * parameters), by operation and parameter: `POST /threads/{thread_id}/runs` -> `tool_choice.type` ->
 * ['function', 'code_interpreter', 'file_search']. Read from OpenAI's OpenAPI document for the
 * Assistants paths, and from the mock's own OpenAPI document (generated from its route schemas) with
 * the same walker, so test/request-enums.test.ts can compare the two.
 *
 * The spec's lists are cached in test/contract/openai-request-enums.json (a clean clone has no spec);
 * when the spec is present and its sha256 differs from the recorded one, they are extracted again and
 * the cache rewritten, as test/contract/extract.ts does for response schemas.
 * Refresh by hand: `npx tsx test/contract/request-enums.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ASSISTANTS_PATHS, SPEC_PATH, sha256, type JsonSchema } from './extract.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REQUEST_ENUMS_PATH = join(HERE, 'openai-request-enums.json');

/** `METHOD /path` -> parameter path (`tools[].type`, `?order` for a query parameter) -> literals in order. */
export type EnumsByOperation = Record<string, Record<string, unknown[]>>;

export interface RequestEnums {
  specSha256: string;
  enums: EnumsByOperation;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Every literal list under `schema`, by parameter path; branches of a union at one path are merged in order. */
export function collectEnums(
  schema: unknown,
  components: Record<string, JsonSchema>,
  path: string,
  into: Record<string, unknown[]>,
  seen: string[] = [],
): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const node = schema as JsonSchema;
  // `$recursiveRef: "#"` names the nearest enclosing schema marked `$recursiveAnchor` (the spec's CompoundFilter).
  const anchor = node.$recursiveRef === '#' ? [...seen].reverse().find((name) => components[name]?.$recursiveAnchor === true) : undefined;
  if (typeof node.$ref === 'string' || anchor) {
    const name = anchor ?? String(node.$ref).replace('#/components/schemas/', '');
    // A recursive schema (a compound filter holds compound filters) is followed one level deep.
    if (seen.filter((s) => s === name).length >= 2) return;
    return collectEnums(components[name], components, path, into, [...seen, name]);
  }
  const literals = Array.isArray(node.enum) ? node.enum : 'const' in node ? [node.const] : [];
  const values = literals.filter((v) => v !== null);
  if (values.length > 0) {
    const list = (into[path] ??= []);
    for (const value of values) if (!list.includes(value)) list.push(value);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    if (Array.isArray(node[key])) for (const branch of node[key] as unknown[]) collectEnums(branch, components, path, into, seen);
  }
  if (node.properties && typeof node.properties === 'object') {
    for (const [name, child] of Object.entries(node.properties as JsonSchema)) {
      // Multipart fields name nested values with brackets (`expires_after[anchor]`): the same parameter as `expires_after.anchor`.
      const key = name.replace(/\[([^\]]+)\]/g, '.$1');
      collectEnums(child, components, path ? `${path}.${key}` : key, into, seen);
    }
  }
  if (node.items) collectEnums(node.items, components, `${path}[]`, into, seen);
}

/** The literal lists of each operation under the Assistants paths; `prefix` is stripped from paths ('/v1' for the mock). */
export function requestEnums(doc: OpenApiDocument, prefix = ''): EnumsByOperation {
  const components = doc.components?.schemas ?? {};
  const out: EnumsByOperation = {};
  for (const [fullPath, item] of Object.entries(doc.paths)) {
    if (!fullPath.startsWith(prefix)) continue;
    const path = fullPath.slice(prefix.length);
    if (!ASSISTANTS_PATHS.test(path)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'delete'].includes(method)) continue;
      const found: Record<string, unknown[]> = {};
      for (const parameter of op.parameters ?? []) {
        if (parameter.in === 'query') collectEnums(parameter.schema, components, `?${parameter.name.replace(/\[\]$/, '')}`, found);
      }
      for (const media of Object.values(op.requestBody?.content ?? {})) collectEnums(media.schema, components, '', found);
      if (Object.keys(found).length > 0) out[`${method.toUpperCase()} ${path}`] = found;
    }
  }
  return out;
}

export function extractRequestEnums(specText: string): RequestEnums {
  return { specSha256: sha256(specText), enums: requestEnums(parse(specText) as OpenApiDocument) };
}

/** The spec's lists: the cache when it matches the spec (or when there is no spec), else a fresh extraction. */
export function loadRequestEnums(): { enums: EnumsByOperation; source: 'cache' | 'spec' } {
  const cached = existsSync(REQUEST_ENUMS_PATH) ? (JSON.parse(readFileSync(REQUEST_ENUMS_PATH, 'utf8')) as RequestEnums) : undefined;
  if (!existsSync(SPEC_PATH)) {
    if (!cached) throw new Error(`neither the spec (${SPEC_PATH}) nor the cached enums (${REQUEST_ENUMS_PATH}) exists`);
    return { enums: cached.enums, source: 'cache' };
  }
  const specText = readFileSync(SPEC_PATH, 'utf8');
  if (cached && cached.specSha256 === sha256(specText)) return { enums: cached.enums, source: 'cache' };
  const fresh = extractRequestEnums(specText);
  writeFileSync(REQUEST_ENUMS_PATH, JSON.stringify(fresh, null, 2) + '\n');
  return { enums: fresh.enums, source: 'spec' };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fresh = extractRequestEnums(readFileSync(SPEC_PATH, 'utf8'));
  writeFileSync(REQUEST_ENUMS_PATH, JSON.stringify(fresh, null, 2) + '\n');
  console.log(`${Object.keys(fresh.enums).length} operations with literal lists -> ${REQUEST_ENUMS_PATH}`);
}
