/**
 * From the backend's chunks to the engine's BrainEvents, forwarded as they arrive, and what the
 * whole turn was (for citations, the recording and the next turn). A call whose arguments are not
 * JSON fails the turn once the stream has ended: the engine would otherwise ask the client to
 * answer a call it cannot parse.
 */
import { BrainError, type BrainEvent } from '../brain.js';
import type { ChatChunk } from './chat-types.js';

export interface CompletedCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

/** What the backend answered in one turn, filled in as its chunks arrive. */
export interface TurnResult {
  /** The text before the first tool call (all of it when there is none). */
  text: string;
  calls: CompletedCall[];
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
}

export async function* turnEvents(chunks: AsyncIterable<ChatChunk>, result: TurnResult): AsyncGenerator<BrainEvent> {
  // The backend's own index of each call -> ours (dense, from 0, in order of appearance).
  const indexes = new Map<number, number>();
  for await (const chunk of chunks) {
    if (chunk.usage && typeof chunk.usage.prompt_tokens === 'number' && typeof chunk.usage.completion_tokens === 'number') {
      result.usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
    }
    const delta = chunk.choices?.[0]?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string' && delta.content !== '') {
      // The turn's text is what the engine shows: text after a call has started is not
      // (src/engine/brain-stream.ts), so a recording of the turn replays as it was seen.
      if (result.calls.length === 0) result.text += delta.content;
      yield { type: 'text', delta: delta.content };
    }
    for (const [position, piece] of (delta.tool_calls ?? []).entries()) {
      const backendIndex = piece.index ?? position;
      let index = indexes.get(backendIndex);
      if (index === undefined) {
        index = indexes.size;
        indexes.set(backendIndex, index);
        result.calls[index] = { id: piece.id, name: piece.function?.name ?? '', arguments: '' };
      }
      const call = result.calls[index];
      if (piece.function?.name && !call.name) call.name = piece.function.name;
      const args = piece.function?.arguments ?? '';
      call.arguments += args;
      yield {
        type: 'tool_call',
        index,
        ...(piece.id ? { id: piece.id } : {}),
        ...(piece.function?.name ? { name: piece.function.name } : {}),
        ...(args ? { arguments: args } : {}),
      };
    }
  }
  for (const [index, call] of result.calls.entries()) {
    if (!call.name) throw new BrainError('server_error', 'The model backend sent a tool call without a function name.');
    // Servers may send no arguments for a function that takes none; clients parse them as JSON.
    if (call.arguments.trim() === '') {
      call.arguments = '{}';
      yield { type: 'tool_call', index, arguments: '{}' };
      continue;
    }
    try {
      JSON.parse(call.arguments);
    } catch {
      throw new BrainError(
        'server_error',
        `The model backend called ${call.name} with arguments that are not valid JSON: ${clip(call.arguments)}`,
      );
    }
  }
  if (result.usage) yield { type: 'usage', usage: result.usage };
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
