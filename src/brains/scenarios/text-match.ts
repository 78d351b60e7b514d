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

/** Why a value fails a text test, in words ("does not contain 'weather'"); undefined when it passes. */
export function explainTextMismatch(spec: TextMatch, value: string | null | undefined): string | undefined {
  if (compileTextMatch(spec)(value)) return undefined;
  const got = value == null ? 'nothing' : quote(value);
  if (typeof spec === 'string') return `expected ${quote(spec)}, got ${got}`;
  const fold = spec.ignore_case === true ? ' (ignoring case)' : '';
  const wanted: string[] = [];
  if (spec.equals !== undefined) wanted.push(`to equal ${quote(spec.equals)}`);
  if (spec.contains !== undefined) wanted.push(`to contain ${quote(spec.contains)}`);
  if (spec.regex !== undefined) wanted.push(`to match the regex ${spec.regex}`);
  return `expected ${wanted.join(' and ')}${fold}, got ${got}`;
}

/** Why metadata fails a metadata test, naming the first key that differs; undefined when it passes. */
export function explainMetadataMismatch(expected: MetadataMatch, actual: Record<string, string> | null | undefined): string | undefined {
  for (const [key, value] of Object.entries(expected)) {
    const got = actual?.[key];
    if (got !== value) return `key ${quote(key)}: expected ${quote(value)}, got ${got === undefined ? 'nothing' : quote(got)}`;
  }
  return undefined;
}

/** A value quoted for a message, cut to a readable length. */
function quote(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return `'${cut}'`;
}
