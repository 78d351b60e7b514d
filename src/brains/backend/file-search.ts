/**
 * file_search with a model: the model sees a `file_search` function; the engine carries out its
 * calls with the server's own search; the results go back to the model as numbered sources whose
 * markers have the real format `【{message}:{result}†{file name}】`; the markers the model copies
 * into its answer become `file_citation` annotations.
 */
import type { TextAnnotation } from '../brain.js';
import type { ChatFunctionTool } from './chat-types.js';

export const FILE_SEARCH_FUNCTION = 'file_search';

export const FILE_SEARCH_TOOL: ChatFunctionTool = {
  type: 'function',
  function: {
    name: FILE_SEARCH_FUNCTION,
    description:
      "Search the user's uploaded files. Returns numbered sources; cite a source by copying its marker, such as 【4:0†notes.txt】, right after the sentence that uses it.",
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to look for, in a few words.' } },
      required: ['query'],
      additionalProperties: false,
    },
  },
};

/** One result of a search as a step stores it. */
export interface StoredSearchResult {
  file_id: string;
  file_name: string;
  content?: { type: string; text?: string }[];
}

/** A source the model may cite: which file, and where it was in the latest search (for replay). */
export interface Source {
  fileId: string;
  fileName: string;
  /** Position in the results of the run's latest search; undefined for an older search. */
  latestIndex: number | undefined;
}

/** Sources by marker key `{message}:{result}`. */
export type Sources = Map<string, Source>;

/** The tool message for a search's results; registers each result as a source under `messageIndex`. */
export function searchResultsMessage(
  query: string,
  results: StoredSearchResult[],
  messageIndex: number,
  sources: Sources,
  /** Where these results start in the latest search's list (`search_results` of a scenario); undefined for an older search. */
  latestBase: number | undefined,
): string {
  if (results.length === 0) return `No results in the uploaded files for "${query}".`;
  const blocks = results.map((result, i) => {
    sources.set(`${messageIndex}:${i}`, {
      fileId: result.file_id,
      fileName: result.file_name,
      latestIndex: latestBase === undefined ? undefined : latestBase + i,
    });
    const text = (result.content ?? []).map((c) => c.text ?? '').join('\n');
    return `${marker(messageIndex, i, result.file_name)}\n${text}`;
  });
  return `Results for "${query}". Cite a source by copying its marker.\n\n${blocks.join('\n\n')}`;
}

function marker(message: number, result: number, fileName: string): string {
  return `【${message}:${result}†${fileName}】`;
}

// Small models sometimes drop the file name; the numbers alone still say which source. The brackets
// and the dagger are written as escapes (【 \u3010, † \u2020, 】 \u3011): esbuild escapes them in
// strings but not in regex literals, and one non-ASCII character makes Node read the whole bundle
// chunk as a two-byte string, slower to decode and to compile (docs/benchmarks.md, start-up).
const MARKER = /\u3010(\d+):(\d+)(?:\u2020[^\u3011]*)?\u3011/g;

/** The `{message}:{result}` key of a marker, as `Sources` are keyed. */
export function markerKey(marker: string): string | undefined {
  const match = /^\u3010(\d+):(\d+)/.exec(marker);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

/** `file_citation` annotations for the markers in `text` that name a known source. */
export function citations(text: string, sources: Sources): TextAnnotation[] {
  const annotations: TextAnnotation[] = [];
  for (const match of text.matchAll(MARKER)) {
    const source = sources.get(`${match[1]}:${match[2]}`);
    if (!source) continue;
    annotations.push({
      type: 'file_citation',
      text: match[0],
      start_index: match.index,
      end_index: match.index + match[0].length,
      file_citation: { file_id: source.fileId },
    });
  }
  return annotations;
}
