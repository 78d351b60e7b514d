/**
 * The JSON Schema of the scenario format (schemas/scenario.schema.json, shipped with the package and
 * served at GET /__admin/scenarios/schema) and the validators compiled from it. The file is read at
 * run time rather than imported so that the copy editors use and the copy the server checks with
 * cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../paths.js';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../../util/ajv.js';

export const SCENARIO_SCHEMA_PATH = packagePath('schemas', 'scenario.schema.json');

export type JsonSchema = Record<string, unknown>;

export const scenarioSchema = JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8')) as JsonSchema;

// Compiled on first use: compiling this schema costs ~0.1 s, which start-up need not pay when no
// scenario file is configured.
let compiled: { file: ValidateFunction; scenario: ValidateFunction } | undefined;

function validators() {
  if (!compiled) {
    const ajv = createAjv({ allErrors: true, strict: false, verbose: true }, { formats: false });
    ajv.addSchema(scenarioSchema, 'scenario-file');
    compiled = {
      file: ajv.getSchema('scenario-file') as ValidateFunction,
      scenario: ajv.getSchema('scenario-file#/definitions/scenario') as ValidateFunction,
    };
  }
  return compiled;
}

/** Checks a whole file: `{ scenarios: [...] }`. */
export function fileValidator(): ValidateFunction {
  return validators().file;
}

/** Checks one scenario object (a POST /__admin/scenarios body may be a single rule). */
export function scenarioValidator(): ValidateFunction {
  return validators().scenario;
}

/**
 * The schema with every `#/definitions/...` reference replaced by its target and the draft keywords
 * removed: the form an OpenAPI document can embed (its references resolve against the document's
 * own root, where these definitions do not exist). The format has no recursion, so inlining ends.
 */
export function inlineScenarioSchema(which: 'file' | 'scenario'): JsonSchema {
  const definitions = scenarioSchema.definitions as Record<string, JsonSchema>;
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
        Object.assign(out, inline(definitions[value.slice('#/definitions/'.length)]));
      } else {
        out[key] = inline(value);
      }
    }
    return out;
  };
  const root = inline(which === 'file' ? scenarioSchema : definitions.scenario) as JsonSchema;
  delete root.$schema;
  delete root.definitions;
  return root;
}
