/**
 * The string tests of a scenario's `match`: a plain string is an exact match; an object applies each
 * of equals / contains / regex it names (all must hold), optionally without regard to case.
 */
import { compileLinearRegex, type LinearRegex } from '../../util/linear-regex.js';
import type { MetadataMatch, TextMatch } from './format.js';

export type TextTest = (value: string | null | undefined) => boolean;

/**
 * `pattern` or `/pattern/flags`; `ignoreCase` adds the i flag. Runs on RE2 (linear time, see
 * src/util/linear-regex.ts). Throws SyntaxError on a bad or unsupported pattern.
 */
export function compileRegex(source: string, ignoreCase: boolean): LinearRegex {
  const literal = /^\/(.+)\/([dgimsuvy]*)$/s.exec(source);
  const [pattern, flags] = literal ? [literal[1], literal[2]] : [source, ''];
  return compileLinearRegex(pattern, ignoreCase ? flags + 'i' : flags);
}

export function compileTextMatch(spec: TextMatch): TextTest {
  if (typeof spec === 'string') return (value) => value === spec;
  const fold = spec.ignore_case === true;
  const norm = (s: string) => (fold ? s.toLowerCase() : s);
  const tests: TextTest[] = [];
  if (spec.equals !== undefined) {
    const expected = norm(spec.equals);
    tests.push((value) => value != null && norm(value) === expected);
  }
  if (spec.contains !== undefined) {
    const needle = norm(spec.contains);
    tests.push((value) => value != null && norm(value).includes(needle));
  }
  if (spec.regex !== undefined) {
    const regex = compileRegex(spec.regex, fold);
    tests.push((value) => value != null && regex.test(value));
  }
  return (value) => tests.every((test) => test(value));
}

/** Every given key present with exactly that value. */
export function metadataMatches(expected: MetadataMatch, actual: Record<string, string> | null | undefined): boolean {
  return Object.entries(expected).every(([key, value]) => actual?.[key] === value);
}
