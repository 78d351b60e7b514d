/**
 * Token counting with a real tokenizer (gpt-tokenizer, o200k_base: the encoding of the gpt-4o
 * family), so usage figures and max_*_tokens limits behave like the real service's. The encoder
 * loads on first use, which keeps it off the start-up path.
 */
import { createRequire } from 'node:module';

type Encoder = { encode(text: string): number[]; decode(tokens: number[]): string; setMergeCacheSize(size: number): void };

/** The tokenizer's own cache defaults to 100,000 entries (~20 MB); a mock needs far fewer. */
const MERGE_CACHE_SIZE = 10_000;
let encoder: Encoder | undefined;

function getEncoder(): Encoder {
  if (!encoder) {
    const require = createRequire(import.meta.url);
    encoder = require('gpt-tokenizer/cjs/encoding/o200k_base') as Encoder;
    encoder.setMergeCacheSize(MERGE_CACHE_SIZE);
  }
  return encoder;
}

/**
 * Texts are encoded in windows of at most this many characters. Byte-pair encoding is quadratic in
 * the length of a run without spaces: 256,000 letters (a legal message) took 42 s in one piece, and
 * as many random letters overflowed the stack. A window ends before a whitespace where one is near,
 * so ordinary text counts the same; only runs longer than a window are counted a few tokens apart.
 */
export const TOKEN_WINDOW = 512;

/** Yields [start, end) windows of `text`, each cut before a whitespace when there is one in its second half. */
function* windows(text: string): Generator<[number, number]> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + TOKEN_WINDOW);
    if (end < text.length) {
      let cut = end;
      while (cut > start + TOKEN_WINDOW / 2 && !/\s/.test(text[cut])) cut--;
      if (cut > start + TOKEN_WINDOW / 2) end = cut;
      // Never between the two halves of a surrogate pair.
      else if (/[\uDC00-\uDFFF]/.test(text[end])) end--;
    }
    yield [start, end];
    start = end;
  }
}

/**
 * Texts longer than this are counted exactly up to here and the rest extrapolated. Messages are held to
 * 256,000 characters, but run instructions and tool outputs have no limit of their own besides the body
 * limit (32 MiB): counted exactly, random letters of that size held the event loop for about a minute.
 */
export const EXACT_TOKEN_CHARS = 512_000;

export function countTokens(text: string): number {
  if (!text) return 0;
  const exact = text.length > EXACT_TOKEN_CHARS ? text.slice(0, EXACT_TOKEN_CHARS) : text;
  let total = 0;
  for (const [start, end] of windows(exact)) total += getEncoder().encode(exact.slice(start, end)).length;
  return exact === text ? total : Math.round((total * text.length) / exact.length);
}

/** The longest prefix of `text` that fits in `maxTokens` tokens. */
export function truncateToTokens(text: string, maxTokens: number): string {
  let used = 0;
  for (const [start, end] of windows(text)) {
    const tokens = getEncoder().encode(text.slice(start, end));
    if (used + tokens.length > maxTokens) return text.slice(0, start) + getEncoder().decode(tokens.slice(0, Math.max(0, maxTokens - used)));
    used += tokens.length;
  }
  return text;
}

/** A few tokens of framing per message, as chat formats add (role markers, separators). */
export const TOKENS_PER_MESSAGE = 3;
