/**
 * A real third-party OpenAI-compatible server for the model backend's tests: @copilotkit/aimock,
 * in-process on a free port. Its journal records what the backend brain sent.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { LLMock, type JournalEntry } from '@copilotkit/aimock';

export interface Aimock {
  mock: LLMock;
  /** Chat Completions base URL, as MODEL_BACKEND_URL takes it. */
  baseURL: string;
  /** The chat completions requests received, oldest first. */
  chatRequests(): JournalEntry[];
  /**
   * How each chat request's response ended on aimock's own HTTP server, oldest first: `completed`
   * (all written), `cut` (the client went away first) or `open`. aimock's journal marks only its own
   * chaos interruptions, so a client's hang-up is read here.
   */
  responseEndings(): ('open' | 'completed' | 'cut')[];
  clearEndings(): void;
  stop(): Promise<void>;
}

export async function startAimock(): Promise<Aimock> {
  const mock = new LLMock({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  await mock.start();
  const endings: { ending: 'open' | 'completed' | 'cut' }[] = [];
  const server = (mock as unknown as { serverInstance: { server: Server } }).serverInstance.server;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!request.url?.endsWith('/chat/completions')) return;
    const entry: { ending: 'open' | 'completed' | 'cut' } = { ending: 'open' };
    endings.push(entry);
    response.on('close', () => (entry.ending = response.writableFinished ? 'completed' : 'cut'));
  });
  return {
    mock,
    baseURL: `${mock.url}/v1`,
    chatRequests: () => mock.getRequests().filter((e) => e.path.endsWith('/chat/completions')),
    responseEndings: () => endings.map((e) => e.ending),
    clearEndings: () => void endings.splice(0),
    stop: () => mock.stop(),
  };
}

/** The JSON body of a journal entry. */
export function requestBody(entry: JournalEntry): Record<string, unknown> {
  // aimock adds its own fields (`_endpointType`, ...) to what it journals.
  return Object.fromEntries(Object.entries(entry.body ?? {}).filter(([key]) => !key.startsWith('_')));
}
