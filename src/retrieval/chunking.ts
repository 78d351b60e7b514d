/**
 * Turning an uploaded file into the chunks that file_search searches.
 *
 * Text: only UTF-8 text is indexed (no PDF or Office parsing); anything else is reported as
 * unsupported, as the real service does for files it cannot parse.
 *
 * Chunks: the API's static strategy counts tokens (`max_chunk_size_tokens`, `chunk_overlap_tokens`).
 * Cutting at exact token boundaries would split words and even multi-byte characters, which would
 * make quoted citations ugly, so chunks here are runs of whole words: each word is counted with the
 * real tokenizer (gpt-tokenizer, o200k_base, as " word") and words are added while the budget
 * allows. A chunk is the original text from its first word to its last, whitespace and line breaks
 * kept, so a quote from it is a substring of the file.
 */
// The project's lazily loaded o200k_base encoder (same counts): a static import of 'gpt-tokenizer' here
// loaded the encoder at start-up (~250 ms, ~60 MB), which src/brains/tokens.ts exists to avoid.
import { countTokens } from '../brains/tokens.js';

export interface StaticChunking {
  max_chunk_size_tokens: number;
  chunk_overlap_tokens: number;
}

/** The `auto` strategy's values (spec: AutoChunkingStrategyRequestParam). */
export const DEFAULT_CHUNKING: StaticChunking = { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 };

/** Longest run of non-space characters treated as one word; longer runs (base64, minified code) are cut. */
const MAX_WORD_CHARS = 64;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The file's text, or undefined when it is not text: invalid UTF-8, or NUL bytes (which valid UTF-8
 * may contain but no text file does). A leading byte order mark is dropped.
 */
export function extractText(data: Uint8Array): string | undefined {
  if (data.includes(0)) return undefined;
  try {
    return UTF8.decode(data);
  } catch {
    return undefined;
  }
}

interface Word {
  start: number;
  end: number;
  tokens: number;
}

/** Splits text into chunks of at most `max_chunk_size_tokens`, consecutive chunks sharing about `chunk_overlap_tokens`. */
export function chunkText(text: string, strategy: StaticChunking = DEFAULT_CHUNKING): string[] {
  const words = wordsOf(text);
  const max = strategy.max_chunk_size_tokens;
  const overlap = Math.min(strategy.chunk_overlap_tokens, Math.floor(max / 2));
  const out: string[] = [];
  let first = 0;
  while (first < words.length) {
    // Take words while they fit; a chunk always takes at least one word.
    let end = first;
    let used = 0;
    while (end < words.length && (end === first || used + words[end].tokens <= max)) used += words[end++].tokens;
    out.push(text.slice(words[first].start, words[end - 1].end));
    if (end >= words.length) break;
    // The next chunk starts with the last words of this one, up to `overlap` tokens, and always moves on.
    let next = end;
    let shared = 0;
    while (next - 1 > first && shared + words[next - 1].tokens <= overlap) shared += words[--next].tokens;
    first = next;
  }
  return out;
}

function wordsOf(text: string): Word[] {
  const cache = new Map<string, number>();
  const words: Word[] = [];
  for (const match of text.matchAll(/\S+/gu)) {
    // Cut over-long runs by code points (the `u` flag keeps surrogate pairs whole).
    for (const piece of match[0].matchAll(new RegExp(`[^]{1,${MAX_WORD_CHARS}}`, 'gu'))) {
      const start = match.index + piece.index;
      const value = piece[0];
      let tokens = cache.get(value);
      if (tokens === undefined) {
        tokens = Math.max(1, countTokens(' ' + value));
        cache.set(value, tokens);
      }
      words.push({ start, end: start + value.length, tokens });
    }
  }
  return words;
}
