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

export function countTokens(text: string): number {
  if (!text) return 0;
  return getEncoder().encode(text).length;
}

/** The longest prefix of `text` that fits in `maxTokens` tokens. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const tokens = getEncoder().encode(text);
  if (tokens.length <= maxTokens) return text;
  return getEncoder().decode(tokens.slice(0, Math.max(0, maxTokens)));
}

/** A few tokens of framing per message, as chat formats add (role markers, separators). */
export const TOKENS_PER_MESSAGE = 3;
