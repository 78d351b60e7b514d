/**
 * The answer after a file_search: quotes the best chunks and cites each with a `file_citation`
 * annotation whose marker has the real format `【{message}:{result}†{file name}】` and whose
 * start_index/end_index point at that marker in the text.
 */
import type { SearchHit, TextAnnotation, TurnAction } from './types.js';

const QUOTE_CHARS = 200;

export function citeSearchResults(results: SearchHit[], question: string): TurnAction {
  if (results.length === 0) {
    return { kind: 'text', text: `I could not find anything about "${question}" in the attached files.` };
  }
  let text = 'According to the files:';
  const annotations: TextAnnotation[] = [];
  results.slice(0, 3).forEach((hit, i) => {
    const quote = excerpt(hit.content);
    text += ` "${quote}"`;
    const marker = `【4:${i}†${hit.file_name}】`;
    const start = text.length;
    text += marker;
    annotations.push({
      type: 'file_citation',
      text: marker,
      start_index: start,
      end_index: start + marker.length,
      file_citation: { file_id: hit.file_id },
    });
  });
  return { kind: 'text', text, annotations };
}

function excerpt(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  if (flat.length <= QUOTE_CHARS) return flat;
  const cut = flat.lastIndexOf(' ', QUOTE_CHARS);
  return flat.slice(0, cut > 0 ? cut : QUOTE_CHARS) + '...';
}
