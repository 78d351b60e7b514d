/**
 * Deliberate differences between our responses and OpenAI's published spec. Each entry names what
 * it covers as narrowly as it can and why; docs/compatibility.md lists the same entries. Anything
 * not covered here fails the contract test.
 */
import type { ContractProblem } from './validator.js';

export interface Deviation {
  /** Operation ids it applies to; all when absent. */
  operations?: string[];
  /** Matches the JSON pointer of the problem. */
  path: RegExp;
  /** Ajv keywords (or `undeclared`) it applies to; all when absent. */
  keywords?: string[];
  /** A further condition on the problem (e.g. only when the value is null). */
  when?: (problem: ContractProblem) => boolean;
  reason: string;
}

const LISTS = [
  'listAssistants',
  'listMessages',
  'listRuns',
  'listRunSteps',
  'listFiles',
  'listVectorStores',
  'listVectorStoreFiles',
  'listFilesInVectorStoreBatch',
];

export const ALLOWED_DEVIATIONS: Deviation[] = [
  {
    operations: LISTS,
    path: /^\/(first_id|last_id)$/,
    keywords: ['type'],
    when: (p) => p.data === null,
    reason:
      'An empty page has no first or last object: the real API answers `first_id: null, last_id: null` there (the SDKs type them as optional/nullable), while the spec types them as required strings.',
  },
  {
    operations: ['createFile', 'retrieveFile', 'listFiles'],
    path: /^(\/data\/\d+)?\/(expires_at|status_details)$/,
    keywords: ['type'],
    when: (p) => p.data === null,
    reason:
      'The real API sends `expires_at: null` (no expiry) and `status_details: null` on file objects; every SDK types both as optional and nullable (openai-python `Optional[int]`/`Optional[str]`). The spec types them as non-null when present.',
  },
  {
    operations: ['createVectorStore', 'getVectorStore', 'modifyVectorStore', 'listVectorStores'],
    path: /^(\/data\/\d+)?\/expires_after$/,
    keywords: ['type'],
    when: (p) => p.data === null,
    reason:
      'A vector store without an expiry policy shows `expires_after: null` (beside `expires_at: null`, which the spec makes nullable); the SDKs type it as optional and nullable.',
  },
];
