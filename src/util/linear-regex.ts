/**
 * Regular expressions that callers write (scenario `regex` matches, fault and journal path patterns)
 * run on text callers also write. JavaScript's engine backtracks: `(d+)+$` against 28 `d` and a `!`
 * blocked the server, every tenant with it, for seconds; ten more characters, hours. These are
 * compiled with RE2JS instead (https://github.com/le0pard/re2js), a JavaScript port of Google's RE2,
 * which matches in time linear in the text whatever the pattern. RE2 has no lookaround and no
 * backreferences (https://github.com/google/re2/wiki/Syntax): such a pattern is refused with RE2's
 * reason, as a SyntaxError, when it is added.
 */
import { lazyRequire } from './lazy-require.js';

// Loaded on the first pattern compiled, not at start-up (src/util/lazy-require.ts).
const re2js = lazyRequire<typeof import('re2js')>('re2js');

export interface LinearRegex {
  /** True when the pattern matches somewhere in `text` (as RegExp.test, without its lastIndex state). */
  test(text: string): boolean;
}

/** JavaScript flags RE2 has an equivalent for; `u`, `v` and `d` change nothing a test sees, `g` and `y` are dropped. */
const FLAG_NAMES: Record<string, 'CASE_INSENSITIVE' | 'MULTILINE' | 'DOTALL' | undefined> = {
  i: 'CASE_INSENSITIVE',
  m: 'MULTILINE',
  s: 'DOTALL',
};

/** Compiles `pattern` (JavaScript syntax, translated by RE2JS) with JavaScript `flags`; throws SyntaxError when RE2 cannot run it. */
export function compileLinearRegex(pattern: string, flags = ''): LinearRegex {
  const { RE2JS } = re2js();
  let bits = 0;
  for (const flag of flags) {
    const name = FLAG_NAMES[flag];
    if (name) bits |= RE2JS[name];
  }
  try {
    const regex = RE2JS.compile(RE2JS.translateRegExp(pattern), bits);
    return { test: (text) => regex.test(text) };
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    throw new SyntaxError(
      `Invalid regular expression /${pattern}/: ${reason} (patterns run on RE2, which has no lookaround or backreferences)`,
    );
  }
}
