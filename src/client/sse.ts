/**
 * A Server-Sent Events reader for the control client's event feed, on eventsource-parser (the same
 * parser the model backend reads its Chat Completions stream with). Comments (`: keep-alive`) are
 * skipped by the parser; frames without data are skipped here.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface SseFrame {
  event: string;
  data: string;
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const reader = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value.data !== '') yield { event: value.event ?? 'message', data: value.data };
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
