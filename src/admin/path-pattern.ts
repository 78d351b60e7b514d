/**
 * The path patterns of faults and journal filters: an exact path, a glob where `*` stands for any
 * characters (`/v1/assistants/*`), or a regular expression written `/.../`.
 * A pattern that does not start with /v1 or /openai is also tried against the path without that
 * prefix, so `/assistants/*` covers the OpenAI and the Azure routes alike.
 */
import { compileLinearRegex } from '../util/linear-regex.js';

export type PathTest = (path: string) => boolean;

const SURFACE_PREFIX = /^\/(?:v1|openai)(?=\/|$)/;

/** True when the pattern is written as a regular expression (starts and ends with a slash). */
export function isRegexPattern(pattern: string): boolean {
  return pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/');
}

/**
 * Compiles a pattern; throws SyntaxError for a regular expression that does not compile or that RE2
 * cannot run. Both kinds run on RE2 (src/util/linear-regex.ts): linear in the path, whatever the
 * pattern (a glob of many stars backtracked too).
 */
export function compilePathPattern(pattern: string): PathTest {
  if (isRegexPattern(pattern)) {
    const regex = compileLinearRegex(pattern.slice(1, -1));
    return (path) => regex.test(path);
  }
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = compileLinearRegex(`^${source}$`, 's');
  if (SURFACE_PREFIX.test(pattern) || pattern === '*') return (path) => regex.test(path);
  return (path) => regex.test(path) || regex.test(path.replace(SURFACE_PREFIX, ''));
}
