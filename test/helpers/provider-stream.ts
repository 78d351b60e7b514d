/**
 * A real HTTP server that answers POST /v1/chat/completions with a fixed event stream, byte for byte:
 * for stream shapes aimock (1.43.0, the latest on npm) cannot send, such as an error object inside a
 * 200 stream. Each test names the provider that sends the shape and a public source saying so.
 * Only the answer is scripted; the code under test (the server's backend client) is not touched.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one write of an answer does: send these bytes, stay silent this long, or cut the connection. */
export type Write = string | { pauseMs: number } | 'destroy';

/** One answer: a status (200 by default, as an event stream), its headers, and its writes. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  writes: Write[];
}

export interface ScriptedProvider {
  /** Chat Completions base URL, as MODEL_BACKEND_URL takes it. */
  baseURL: string;
  /** The bodies of the chat completions requests received, oldest first. */
  requests: Record<string, unknown>[];
  /** performance.now() at each request's arrival. */
  arrivals: number[];
  /** Each next request takes the next answer; the last one answers every request after it. */
  script(...answers: (Answer | Write[])[]): void;
  stop(): Promise<void>;
}

/** One SSE event with a JSON payload, as providers frame it. */
export const data = (payload: unknown) => `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;

/** A Chat Completions chunk carrying a piece of text. */
export const textChunk = (content: string, finishReason: string | null = null) => ({
  id: 'chatcmpl-scripted',
  object: 'chat.completion.chunk',
  created: 1_767_225_600,
  model: 'scripted-model',
  choices: [{ index: 0, delta: { content }, finish_reason: finishReason }],
});

export async function startScriptedProvider(gapMs = 15): Promise<ScriptedProvider> {
  let answers: Answer[] = [];
  const requests: Record<string, unknown>[] = [];
  const arrivals: number[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    arrivals.push(performance.now());
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      const answer = (answers.length > 1 ? answers.shift() : answers[0]) ?? { writes: [] };
      const status = answer.status ?? 200;
      const type = status === 200 ? 'text/event-stream' : 'application/json';
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', ...answer.headers });
      const pending = [...answer.writes];
      const next = () => {
        if (response.destroyed) return;
        const write = pending.shift();
        if (write === undefined) return void response.end();
        if (write === 'destroy') return void response.destroy();
        if (typeof write === 'string') response.write(write);
        setTimeout(next, typeof write === 'string' ? gapMs : write.pauseMs);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    arrivals,
    script: (...next) => void (answers = next.map((a) => (Array.isArray(a) ? { writes: a } : a))),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
