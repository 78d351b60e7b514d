/**
 * Search over vector stores with SQLite FTS5 (`chunks_fts`, see migrations/0001_fts.sql) ranked by
 * bm25(). This is what file_search runs and the /vector_stores/{id}/search endpoint use.
 *
 * The query text never reaches FTS5's query syntax: it is cut into words (letters and digits, as
 * FTS5's unicode61 tokenizer cuts them), stop words are dropped, and each remaining word is quoted
 * as a string and the strings are OR-ed. So `NEAR`, `*`, quotes, parentheses or a lone `-` in a
 * user's message are searched for as text (or ignored) and can never cause a syntax error.
 *
 * Scores: bm25() is unbounded and, with the tiny corpora of tests, its IDF term collapses to near
 * zero (FTS5 clamps it), so its absolute value says little. A result's score is its bm25 relative to
 * the best result of the same search: the best scores 1, a result half as relevant scores 0.5. The
 * order is bm25's order; the score is a monotonic view of it on the 0..1 scale that
 * `ranking_options.score_threshold` uses.
 */
import type { Db } from '../store/database.js';

export interface SearchOptions {
  /** At most this many results (default 20, the file_search default for gpt-4 class models). */
  maxResults?: number;
  /** Drop results whose score is below this (0..1; default 0). */
  scoreThreshold?: number;
  /** Only these files (attribute filters are resolved to file ids by the caller). */
  fileIds?: string[];
}

export interface SearchResult {
  file_id: string;
  file_name: string;
  /** 0..1, higher is better; see the note at the top of this file. */
  score: number;
  content: string;
  chunk_index: number;
  vector_store_id: string;
}

export const DEFAULT_MAX_RESULTS = 20;

/** Common English words that would match nearly every chunk; searching for them only adds noise. */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves tell please'
  ).split(' '),
);

/** Most terms put into one MATCH expression (a pasted document as a query stays cheap). */
const MAX_TERMS = 64;

/**
 * The FTS5 MATCH expression for a free-text query, or undefined when it has no searchable word.
 * Stop words are dropped unless nothing else is left (a query of only stop words still searches).
 */
export function matchExpression(query: string): string | undefined {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])];
  const content = words.filter((w) => !STOP_WORDS.has(w));
  const terms = (content.length > 0 ? content : words).slice(0, MAX_TERMS);
  if (terms.length === 0) return undefined;
  // Words hold only letters and digits, so wrapping them in double quotes makes each a plain string.
  return terms.map((t) => `"${t}"`).join(' OR ');
}

interface Row {
  fileId: string;
  vectorStoreId: string;
  chunkIndex: number;
  text: string;
  fileName: string | null;
  bm25: number;
}

export function searchVectorStores(
  db: Db,
  tenant: string,
  vectorStoreIds: string[],
  query: string,
  opts: SearchOptions = {},
): SearchResult[] {
  const maxResults = Math.max(1, opts.maxResults ?? DEFAULT_MAX_RESULTS);
  const threshold = opts.scoreThreshold ?? 0;
  const match = matchExpression(query);
  const storeIds = [...new Set(vectorStoreIds)];
  if (!match || storeIds.length === 0 || opts.fileIds?.length === 0) return [];
  const fileIds = opts.fileIds ? [...new Set(opts.fileIds)] : undefined;
  const fileScope = fileIds ? `AND c.file_id IN (${fileIds.map(() => '?').join(', ')})` : '';
  // bm25() is negative, more negative is better; ascending order puts the best first. A few extra
  // rows are read so that duplicates (one file in two of the searched stores) can be dropped.
  const rows = db.$client
    .prepare(
      `SELECT c.file_id AS fileId, c.vector_store_id AS vectorStoreId, c.chunk_index AS chunkIndex, c.text AS text,
              f.filename AS fileName, bm25(chunks_fts) AS bm25
         FROM chunks_fts
         JOIN chunks c ON c.id = chunks_fts.rowid
         LEFT JOIN files f ON f.id = c.file_id
        WHERE chunks_fts MATCH ? AND c.tenant = ? AND c.vector_store_id IN (${storeIds.map(() => '?').join(', ')}) ${fileScope}
        ORDER BY bm25 ASC, c.id ASC
        LIMIT ?`,
    )
    .all(match, tenant, ...storeIds, ...(fileIds ?? []), maxResults * 2 + storeIds.length) as Row[];
  if (rows.length === 0) return [];
  const best = rows[0].bm25;
  const seen = new Set<string>();
  const out: SearchResult[] = [];
  for (const row of rows) {
    const key = `${row.fileId}\u0000${row.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const score = relativeScore(row.bm25, best);
    if (score < threshold) continue;
    out.push({
      file_id: row.fileId,
      file_name: row.fileName ?? row.fileId,
      score,
      content: row.text,
      chunk_index: row.chunkIndex,
      vector_store_id: row.vectorStoreId,
    });
    if (out.length >= maxResults) break;
  }
  return out;
}

/** bm25 relative to the best of the search, on 0..1 (both are negative; a zero best means every match is equally weak). */
function relativeScore(bm25: number, best: number): number {
  if (best >= 0) return 1;
  return Math.max(0, Math.min(1, bm25 / best));
}
