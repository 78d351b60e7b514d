/**
 * Plays a streamed run (`stream: true` on create run or submit_tool_outputs) into callbacks: message
 * drafts grow with each `thread.message.delta`, and the run's status follows its events
 * (docs/streaming.md lists them).
 */
import { stream } from './api';
import type { ContentPart, Message, Run } from './types';

export interface RunStreamHandlers {
  message(message: Message): void;
  run(run: Run): void;
  error(message: string): void;
}

interface MessageDelta {
  id: string;
  delta: { content?: { index: number; type: string; text?: { value?: string; annotations?: unknown[] } }[] };
}

export async function playRunStream(path: string, body: Record<string, unknown>, handlers: RunStreamHandlers): Promise<void> {
  const drafts = new Map<string, Message>();
  for await (const frame of stream(path, { body: { ...body, stream: true } })) {
    if (frame.data === '[DONE]') return;
    const data = JSON.parse(frame.data) as unknown;
    if (frame.event === 'error') {
      handlers.error((data as { message?: string }).message ?? frame.data);
    } else if (frame.event.startsWith('thread.run.') && !frame.event.startsWith('thread.run.step.')) {
      handlers.run(data as Run);
    } else if (
      frame.event === 'thread.message.created' ||
      frame.event === 'thread.message.completed' ||
      frame.event === 'thread.message.incomplete'
    ) {
      const message = data as Message;
      drafts.set(message.id, message);
      handlers.message(message);
    } else if (frame.event === 'thread.message.delta') {
      const delta = data as MessageDelta;
      const draft = drafts.get(delta.id);
      if (!draft) continue;
      const content: ContentPart[] = [...draft.content];
      for (const part of delta.delta.content ?? []) {
        if (part.type !== 'text' || !part.text) continue;
        const existing = content[part.index];
        const before = existing && existing.type === 'text' ? existing.text : { value: '', annotations: [] };
        content[part.index] = { type: 'text', text: { value: before.value + (part.text.value ?? ''), annotations: before.annotations } };
      }
      const next = { ...draft, content };
      drafts.set(delta.id, next);
      handlers.message(next);
    }
  }
}
