/**
 * Message text to safe HTML: markdown by `marked`, then DOMPurify, so a message can never inject a
 * script or an event handler into the page. Citation markers become footnote references first.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import type { Annotation } from './types';

/** A character pair marked leaves alone, wrapping a footnote number until the HTML is built. */
const OPEN = '\u27e6';
const CLOSE = '\u27e7';

/**
 * Replaces each annotation's marker (`【4:0†notes.txt】`) with a footnote button `[N]` (N counting from
 * firstNumber in annotation order, `data-footnote=N`) and renders the rest as markdown.
 */
export function renderMessageText(value: string, annotations: Annotation[], firstNumber = 1): string {
  let text = value;
  const ordered = annotations
    .map((annotation, i) => ({ annotation, n: i + firstNumber }))
    .sort((a, b) => b.annotation.start_index - a.annotation.start_index);
  for (const { annotation, n } of ordered) {
    if (annotation.start_index < 0 || annotation.end_index > text.length || annotation.start_index > annotation.end_index) continue;
    text = text.slice(0, annotation.start_index) + `${OPEN}${n}${CLOSE}` + text.slice(annotation.end_index);
  }
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  const withRefs = html.replace(
    new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'),
    (_m, n: string) =>
      `<sup><button type="button" class="footnote-ref" data-footnote="${n}" aria-label="Citation ${n}">[${n}]</button></sup>`,
  );
  // No <img> from message text: it would load from any URL (another host, while the page must work
  // offline). Images come from image_file parts, read from the mock (MessageView).
  return DOMPurify.sanitize(withRefs, { USE_PROFILES: { html: true }, FORBID_TAGS: ['img', 'style', 'form'] });
}
