/**
 * A real HTTP server that answers POST /v1/chat/completions with a fixed event stream, byte for byte:
 * for stream shapes aimock (1.43.0, the latest on npm) cannot send, such as an error object inside a
 * 200 stream. Each test names the provider that sends the shape and a public source saying so.
 * Only the answer is scripted; the code under test (the server's backend client) is not touched.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedProvider {
  /** Chat Completions base URL, as MODEL_BACKEND_URL takes it. */
  baseURL: string;
  /** The bodies of the chat completions requests received, oldest first. */
  requests: Record<string, unknown>[];
  /** The next requests are answered with these writes (each one sent on its own, `gapMs` apart). */
  script(writes: string[]): void;
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
  let writes: string[] = [];
  const requests: Record<string, unknown>[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const pending = [...writes];
      const next = () => {
        if (response.destroyed) return;
        const write = pending.shift();
        if (write === undefined) return void response.end();
        response.write(write);
        setTimeout(next, gapMs);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (next) => void (writes = next),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
