/**
 * Attribute filters of the search endpoint (spec ComparisonFilter / CompoundFilter), evaluated
 * against a vector store file's `attributes`. A comparison on a missing attribute is false (so `ne`
 * and `nin` only match files that have the attribute).
 */
import type { AppContext } from '../../context.js';
import { invalidParam } from '../errors.js';
import { storeFileAttributes } from '../../store/vector-store-files.js';

type Scalar = string | number | boolean;
type Attributes = Record<string, Scalar>;

/** The attributes of the store's files, keeping only the files the filter (if any) matches. */
export function filesMatching(ctx: AppContext, tenant: string, vectorStoreId: string, filter: unknown): Map<string, Attributes> {
  const out = new Map<string, Attributes>();
  for (const { fileId, attributes } of storeFileAttributes(ctx.db, tenant, vectorStoreId)) {
    const attrs = (attributes ?? {}) as Attributes;
    if (filter === undefined || matchesFilter(filter, attrs)) out.set(fileId, attrs);
  }
  return out;
}

const COMPARISONS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'];

export function matchesFilter(filter: unknown, attributes: Attributes, param = 'filters'): boolean {
  if (!filter || typeof filter !== 'object') throw invalidParam(param, 'expected a comparison or compound filter object.');
  const node = filter as { type?: unknown; key?: unknown; value?: unknown; filters?: unknown };
  if (node.type === 'and' || node.type === 'or') {
    if (!Array.isArray(node.filters)) throw invalidParam(`${param}.filters`, 'expected an array of filters.');
    const results = node.filters.map((f, i) => matchesFilter(f, attributes, `${param}.filters[${i}]`));
    return node.type === 'and' ? results.every(Boolean) : results.some(Boolean);
  }
  if (typeof node.type !== 'string' || !COMPARISONS.includes(node.type) || typeof node.key !== 'string' || node.value === undefined) {
    throw invalidParam(param, "expected {type, key, value} with type one of 'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'.");
  }
  if (!(node.key in attributes)) return false;
  return compare(node.type, attributes[node.key], node.value);
}

function compare(op: string, actual: Scalar, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.includes(actual);
    case 'nin':
      return Array.isArray(expected) && !expected.includes(actual);
  }
  // Ordering compares numbers with numbers and strings with strings; mixed types never match.
  if (typeof actual !== typeof expected || (typeof actual !== 'number' && typeof actual !== 'string')) return false;
  const a = actual as number | string;
  const b = expected as number | string;
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    default:
      return a <= b;
  }
}
