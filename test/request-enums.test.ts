/**
 * Every list of literals the server validates (the enums and constants of its route schemas, read from
 * its own /openapi.json) must be the spec's list for that operation and parameter, values and order:
 * the order is the one error texts use. The spec's lists come from test/contract/request-enums.ts
 * (committed cache, re-extracted when the spec is present and changed). Lists the server checks in code
 * rather than in a schema (tool kinds per version, file purposes) are compared below too.
 * Deliberate differences are listed, each with its reason; any other difference fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_PURPOSES } from '../src/domain/errors.js';
import { REASONING_EFFORTS } from '../src/domain/schemas.js';
import { TOOL_CHOICE_TYPES, TOOL_TYPES } from '../src/domain/tools.js';
import { SPEC_PATH } from './contract/extract.js';
import {
  REQUEST_ENUMS_PATH,
  extractRequestEnums,
  loadRequestEnums,
  requestEnums,
  type EnumsByOperation,
} from './contract/request-enums.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface KnownDifference {
  /** Operations (`METHOD /path`) the difference applies to. */
  operations: RegExp;
  param: string;
  /** What the server's list is instead of the spec's (undefined in the spec: a parameter the spec does not have there). */
  server: unknown[];
  reason: string;
}

const TOOL_OPERATIONS = /^POST \/(assistants(\/\{assistant_id\})?|threads\/\{thread_id\}\/runs|threads\/runs)$/;

const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    operations: TOOL_OPERATIONS,
    param: 'tools[].type',
    server: ['code_interpreter', 'file_search', 'function', 'retrieval'],
    reason: "one schema serves v1 and v2: 'retrieval' is v1's file_search; each version's list is checked before validation (TOOL_TYPES)",
  },
  {
    operations: /^POST \/threads(\/\{thread_id\}\/runs|\/runs)$/,
    param: 'tool_choice.type',
    server: ['function', 'code_interpreter', 'file_search', 'retrieval'],
    reason: "v1's 'retrieval', as for tools (TOOL_CHOICE_TYPES)",
  },
  {
    operations: /^POST \/files$/,
    param: 'purpose',
    server: [...FILE_PURPOSES],
    reason: "the spec's values, in the order the real error text lists them (src/domain/errors.ts invalidPurpose)",
  },
  {
    operations: /^POST \/(assistants\/\{assistant_id\}|threads\/\{thread_id\}|threads\/runs)$/,
    param: 'tool_resources.file_search.vector_stores[].chunking_strategy.type',
    server: ['auto', 'static'],
    reason: 'one tool_resources schema for create and modify: the vector_stores helper the spec has on create is accepted here too',
  },
  {
    operations: /^POST \/threads\/runs$/,
    param: 'reasoning_effort',
    server: [...REASONING_EFFORTS],
    reason: 'createThreadAndRun shares the run options of createRun; the spec has no reasoning_effort there',
  },
  {
    operations: /^GET \/(assistants\/\{assistant_id\}|threads\/\{thread_id\}\/messages\/\{message_id\})\/files$/,
    param: '?order',
    server: ['asc', 'desc'],
    reason: 'v1-only lists (assistant files, message files), which the current spec no longer has',
  },
];

/** The server's lists that are not the spec's, as readable lines (empty when they agree). */
function enumDrift(server: EnumsByOperation, spec: EnumsByOperation, known: KnownDifference[]): string[] {
  const problems: string[] = [];
  for (const [operation, params] of Object.entries(server)) {
    for (const [param, values] of Object.entries(params)) {
      const expected = spec[operation]?.[param];
      const excuse = known.find((k) => k.param === param && k.operations.test(operation));
      if (excuse) {
        if (JSON.stringify(excuse.server) !== JSON.stringify(values)) {
          problems.push(`${operation} ${param}: ${JSON.stringify(values)}, the listed difference says ${JSON.stringify(excuse.server)}`);
        }
        continue;
      }
      if (JSON.stringify(expected) !== JSON.stringify(values)) {
        problems.push(`${operation} ${param}: server ${JSON.stringify(values)}, spec ${JSON.stringify(expected ?? null)}`);
      }
    }
  }
  return problems;
}

let server: TestServer;
let serverEnums: EnumsByOperation;
let specEnums: EnumsByOperation;

beforeAll(async () => {
  server = await startTestServer();
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Parameters<typeof requestEnums>[0];
  serverEnums = requestEnums(doc, '/v1');
  specEnums = loadRequestEnums().enums;
});
afterAll(async () => server.stop());

describe('request enums against the spec', () => {
  it('reads the lists on both sides', () => {
    expect(specEnums['POST /assistants']?.reasoning_effort).toEqual(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);
    expect(Object.keys(serverEnums).length).toBeGreaterThanOrEqual(15);
    expect(serverEnums['POST /threads/{thread_id}/runs']?.tool_choice).toEqual(['none', 'auto', 'required']);
  });

  it('every list the server validates is the spec list, values and order', () => {
    expect(enumDrift(serverEnums, specEnums, KNOWN_DIFFERENCES)).toEqual([]);
  });

  it('catches drift (the check can fail)', () => {
    const drifted = structuredClone(serverEnums);
    drifted['POST /assistants'].reasoning_effort = ['minimal', 'low', 'medium', 'high'];
    drifted['POST /threads/{thread_id}/runs'].tool_choice = ['auto', 'none', 'required'];
    expect(enumDrift(drifted, specEnums, KNOWN_DIFFERENCES)).toEqual([
      'POST /assistants reasoning_effort: server ["minimal","low","medium","high"], spec ["none","minimal","low","medium","high","xhigh","max"]',
      'POST /threads/{thread_id}/runs tool_choice: server ["auto","none","required"], spec ["none","auto","required"]',
    ]);
  });

  it('lists checked in code are the spec lists', () => {
    expect(TOOL_TYPES.v2).toEqual(specEnums['POST /assistants']['tools[].type']);
    expect(TOOL_TYPES.v1).toEqual(TOOL_TYPES.v2.map((kind) => (kind === 'file_search' ? 'retrieval' : kind)));
    expect(TOOL_CHOICE_TYPES.v2).toEqual(specEnums['POST /threads/{thread_id}/runs']['tool_choice.type']);
    expect([...FILE_PURPOSES].sort()).toEqual([...(specEnums['POST /files'].purpose as string[])].sort());
  });

  it.skipIf(!existsSync(SPEC_PATH))('the committed lists are those of the spec (when the spec is present)', () => {
    const fresh = extractRequestEnums(readFileSync(SPEC_PATH, 'utf8'));
    const committed = JSON.parse(readFileSync(REQUEST_ENUMS_PATH, 'utf8')) as { enums: EnumsByOperation };
    expect(committed.enums).toEqual(fresh.enums);
  });
});
