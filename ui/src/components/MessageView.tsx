/**
 * One message: its text as safe markdown, its images (from file content), and its citations as
 * footnotes; a footnote opens the chunk that the run's file_search returned for it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, errorText, fileObjectUrl, type List } from '../lib/api';
import { renderMessageText } from '../lib/markdown';
import type { Annotation, Message, Step } from '../lib/types';

const SEARCH_CONTENT = 'include[]=step_details.tool_calls[*].file_search.results[*].content';

interface Footnote {
  n: number;
  annotation: Annotation;
}

export function MessageView({ message, threadId }: { message: Message; threadId: string }) {
  const footnotes: Footnote[] = [];
  const parts = message.content.map((part, i) => {
    if (part.type === 'text') {
      const first = footnotes.length;
      part.text.annotations.forEach((annotation) => footnotes.push({ n: footnotes.length + 1, annotation }));
      return <TextPart key={i} value={part.text.value} annotations={part.text.annotations} offset={first} />;
    }
    if (part.type === 'image_file') return <ImageFile key={i} fileId={part.image_file.file_id} />;
    return <p key={i}>(image: {part.image_url.url})</p>;
  });
  const [open, setOpen] = useState<number | null>(null);

  const onClick = (event: MouseEvent) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-footnote]');
    if (target) setOpen(Number(target.dataset.footnote));
  };

  return (
    <article class={`message message-${message.role}`} aria-label={`${message.role} message`} data-message-id={message.id}>
      <header class="message-meta">
        <strong>{message.role === 'user' ? 'You' : 'Assistant'}</strong>
        {message.status && message.status !== 'completed' ? <span class="badge">{message.status}</span> : null}
      </header>
      <div onClick={onClick}>{parts}</div>
      {footnotes.length > 0 ? (
        <ol class="footnotes" aria-label="Citations">
          {footnotes.map((footnote) => (
            <FootnoteItem
              key={footnote.n}
              footnote={footnote}
              open={open === footnote.n}
              onToggle={() => setOpen(open === footnote.n ? null : footnote.n)}
              runId={message.run_id}
              threadId={threadId}
            />
          ))}
        </ol>
      ) : null}
    </article>
  );
}

function TextPart({ value, annotations, offset }: { value: string; annotations: Annotation[]; offset: number }) {
  // Footnote numbers continue across the text parts of a message.
  const html = useMemo(() => renderMessageText(value, annotations, offset + 1), [value, annotations, offset]);
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function ImageFile({ fileId }: { fileId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    fileObjectUrl(fileId).then(
      (u) => setUrl((objectUrl = u)),
      (e: unknown) => setError(errorText(e)),
    );
    return () => {
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [fileId]);
  if (error)
    return (
      <p class="error">
        Image {fileId}: {error}
      </p>
    );
  return url ? <img class="message-image" src={url} alt={`Image file ${fileId}`} /> : <p>Loading image {fileId}…</p>;
}

/** The result index in a marker `【4:N†name】` (the mock's and the real service's format). */
function resultIndex(marker: string): number | null {
  const match = /:(\d+)†/.exec(marker);
  return match ? Number(match[1]) : null;
}

function FootnoteItem(props: { footnote: Footnote; open: boolean; onToggle: () => void; runId: string | null; threadId: string }) {
  const { footnote, open, onToggle, runId, threadId } = props;
  const { annotation } = footnote;
  const fileId = annotation.file_citation?.file_id ?? annotation.file_path?.file_id ?? '';
  const name = /†([^】]+)】/.exec(annotation.text)?.[1] ?? fileId;
  const [chunk, setChunk] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open || chunk !== null) return;
    if (!runId) {
      setChunk(annotation.file_citation?.quote ?? '(no run: the cited chunk is unknown)');
      return;
    }
    call<List<Step>>(`/v1/threads/${threadId}/runs/${runId}/steps?limit=100&${SEARCH_CONTENT}`).then(
      (steps) => {
        const index = resultIndex(annotation.text);
        for (const step of steps.data) {
          if (step.step_details.type !== 'tool_calls') continue;
          for (const toolCall of step.step_details.tool_calls) {
            const results = toolCall.file_search?.results ?? [];
            const result = (index !== null ? results[index] : undefined) ?? results.find((r) => r.file_id === fileId);
            if (result && result.file_id === fileId) {
              setChunk(result.content?.map((c) => c.text).join('\n') ?? '');
              return;
            }
          }
        }
        setChunk(annotation.file_citation?.quote ?? '(the run has no file_search result for this file)');
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, [open]);

  return (
    <li id={`footnote-${footnote.n}`}>
      <button type="button" class="link" aria-expanded={open} onClick={onToggle}>
        [{footnote.n}] {name}
      </button>
      {open ? (
        <blockquote class="chunk" aria-label={`Cited chunk ${footnote.n}`}>
          {error ? <span class="error">{error}</span> : chunk === null ? 'Loading…' : chunk}
          <footer class="muted">file {fileId}</footer>
        </blockquote>
      ) : null}
    </li>
  );
}
