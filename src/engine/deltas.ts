/**
 * Cutting a turn's output into stream deltas, exactly as the SDK accumulators expect them
 * (docs/reference-facts.md, "What the SDK stream helpers need"): text in word-sized fragments whose values add up to
 * the whole text, annotations sent once each in the fragment that completes their marker, tool calls
 * announced with id/type/name first and then their argument fragments.
 */
import type { TextAnnotation } from '../brains/types.js';

export interface MessageDelta {
  content: { index: number; type: 'text'; text: { value: string; annotations?: unknown[] } }[];
}

export interface StepDelta {
  step_details: { type: 'tool_calls'; tool_calls: unknown[] };
}

/**
 * Most deltas one text is streamed in. A message of the largest legal size echoed back was ~85,000
 * one-word deltas, ~13 MB of events written at once: it overflowed the stream's 8 MiB buffer (the
 * stream was cut although the client read at full speed) and held the event loop. Longer texts get
 * more words per delta instead (test/reliability/max-message.test.ts).
 */
export const MAX_TEXT_DELTAS = 4096;

/**
 * Splits text into pieces of `wordsPerPiece` words (more when that would make over MAX_TEXT_DELTAS
 * pieces), each with the whitespace before it; they join to `text`.
 */
export function splitWords(text: string, wordsPerPiece: number): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  wordsPerPiece = Math.max(wordsPerPiece, Math.ceil(words.length / MAX_TEXT_DELTAS));
  const trailing = text.slice(words.join('').length);
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerPiece) pieces.push(words.slice(i, i + wordsPerPiece).join(''));
  if (pieces.length === 0) return [text];
  pieces[pieces.length - 1] += trailing;
  return pieces;
}

/** The `delta.content` of each thread.message.delta for a text block at content index 0. */
export function textDeltas(
  text: string,
  annotations: TextAnnotation[],
  wordsPerPiece: number,
  split: (text: string, wordsPerPiece: number) => string[] = splitWords,
): MessageDelta[] {
  const pieces = split(text, Math.max(1, wordsPerPiece));
  const sent = new Set<number>();
  let offset = 0;
  return pieces.map((piece, i) => {
    offset += piece.length;
    const due = annotations.map((a, index) => ({ a, index })).filter(({ a, index }) => !sent.has(index) && a.end_index <= offset);
    due.forEach(({ index }) => sent.add(index));
    const value: MessageDelta['content'][number]['text'] = { value: piece };
    if (i === 0) value.annotations = due.map(({ a, index }) => ({ index, ...a }));
    else if (due.length > 0) value.annotations = due.map(({ a, index }) => ({ index, ...a }));
    return { content: [{ index: 0, type: 'text', text: value }] };
  });
}

/** JSON text in small fragments, as models stream arguments; code points are never split. */
export function splitJson(json: string, size = 8): string[] {
  const chars = Array.from(json);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

export interface StreamedCall {
  id: string;
  type: 'function' | 'file_search' | 'code_interpreter';
  function?: { name: string; arguments: string };
  code_interpreter?: { input: string; outputs: unknown[] };
  file_search?: unknown;
}

/** The step deltas announcing and filling each call, in index order. */
export function toolCallDeltas(calls: StreamedCall[]): StepDelta[] {
  const deltas: StepDelta[] = [];
  const push = (call: unknown) => deltas.push({ step_details: { type: 'tool_calls', tool_calls: [call] } });
  calls.forEach((call, index) => {
    if (call.type === 'function' && call.function) {
      push({ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '', output: null } });
      for (const piece of splitJson(call.function.arguments)) push({ index, type: 'function', function: { arguments: piece } });
    } else if (call.type === 'code_interpreter' && call.code_interpreter) {
      push({ index, id: call.id, type: 'code_interpreter', code_interpreter: { input: '', outputs: [] } });
      for (const piece of splitWords(call.code_interpreter.input, 4)) {
        if (piece) push({ index, type: 'code_interpreter', code_interpreter: { input: piece } });
      }
      if (call.code_interpreter.outputs.length > 0) {
        push({
          index,
          type: 'code_interpreter',
          code_interpreter: { outputs: call.code_interpreter.outputs.map((o, i) => ({ index: i, ...(o as object) })) },
        });
      }
    } else {
      push({ index, id: call.id, type: 'file_search', file_search: {} });
    }
  });
  return deltas;
}

/**
 * A step delta as a v1 stream shows it: v1 calls file_search `retrieval`, with an empty `retrieval`
 * object, as its completed steps do (src/domain/runs/serializers.ts). Other deltas are the same in both versions.
 */
export function stepDeltaForV1(delta: StepDelta): StepDelta {
  const calls = delta.step_details.tool_calls.map((call) => {
    const { type, file_search: _fileSearch, ...rest } = call as { type?: string; file_search?: unknown };
    return type === 'file_search' ? { ...rest, type: 'retrieval', retrieval: {} } : call;
  });
  return { step_details: { ...delta.step_details, tool_calls: calls } };
}

/**
 * A message delta as a v1 stream shows it: file citations carry `quote`, as the v1 message does
 * (src/domain/messages/serializers.ts v1Content); `fullText` gives the whole text the citations index into
 * (asked only for a delta that carries annotations).
 */
export function messageDeltaForV1(delta: MessageDelta, fullText: () => string, toV1: (content: unknown[]) => unknown[]): MessageDelta {
  const content = delta.content.map((part) => {
    const annotations = part.text.annotations;
    if (!annotations?.length) return part;
    const [whole] = toV1([{ type: 'text', text: { value: fullText(), annotations } }]) as { text: { annotations: unknown[] } }[];
    return { ...part, text: { ...part.text, annotations: whole.text.annotations } };
  });
  return { content };
}
