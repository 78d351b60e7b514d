/**
 * The model backend: what assistants-mock adds between a model and its client. aimock
 * (@copilotkit/aimock) plays the model in the bench process; the mock is a child server with
 * MODEL_BACKEND_URL pointing at it; the clients are the official SDK, in the bench process too, so
 * one clock times both ends.
 *
 * - First token: from the moment aimock writes the first chunk that carries text to the moment the
 *   client parses the first `thread.message.delta`. The baseline is the same SDK reading aimock
 *   directly (`chat.completions.create({ stream: true })`): from the same write to its first content
 *   chunk. The difference is what the mock adds.
 * - Throughput: text chunks per second at the client, from its first to its last text delta, through
 *   the mock against reading aimock directly, alternating, for an answer of many chunks: paced as a
 *   fast model streams (aimock's tps), and unpaced (as fast as aimock writes).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { LLMock } from '@copilotkit/aimock';
import OpenAI from 'openai';
import { median, percentile, removeDir, ROOT, spawnMock, tempDir } from './lib.js';

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface ThroughputComparison {
  label: string;
  chunks: number;
  direct: number[];
  mock: number[];
  /** Median over the rounds of mock / direct. */
  ratio: number;
}

export interface BackendResult {
  aimockVersion: string;
  firstToken: { direct: Distribution; mock: Distribution; added: Distribution };
  throughput: ThroughputComparison[];
}

const LATENCY_RUNS = 100;
const THROUGHPUT_ROUNDS = 5;
const THROUGHPUT_WORDS = 1_000;
/** A fast hosted model's pace. */
const PACED_TPS = 500;

function distribution(values: number[]): Distribution {
  return { n: values.length, p50: median(values), p90: percentile(values, 90), p99: percentile(values, 99) };
}

/** Stamps, per chat request, when aimock wrote its first chunk with text: the model's first token. */
function stampFirstTokens(mock: LLMock): number[] {
  const stamps: number[] = [];
  const server = (mock as unknown as { serverInstance: { server: Server } }).serverInstance.server;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!request.url?.endsWith('/chat/completions')) return;
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    let stamped = false;
    response.write = ((...args: unknown[]) => {
      if (!stamped && /"content":"[^"]/.test(String(args[0]))) {
        stamped = true;
        stamps.push(performance.now());
      }
      return write(...args);
    }) as typeof response.write;
  });
  return stamps;
}

export async function benchBackend(): Promise<BackendResult> {
  const dir = tempDir();
  const mock = new LLMock({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  const story = Array.from({ length: THROUGHPUT_WORDS }, (_, i) => `word${i}`).join(' ');
  mock.onMessage('first token', { content: 'The first token, then a few more words.' }, { streamingProfile: { ttft: 20, tps: 200 } });
  mock.onMessage('paced', { content: story }, { streamingProfile: { tps: PACED_TPS }, chunkSize: 8 } as never);
  mock.onMessage('unpaced', { content: story }, { chunkSize: 8 } as never);
  await mock.start();
  const stamps = stampFirstTokens(mock);
  const server = await spawnMock({ dbPath: join(dir, 'backend.db'), env: { MODEL_BACKEND_URL: `${mock.url}/v1` } });
  try {
    const viaMock = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-bench', maxRetries: 0, timeout: 120_000 });
    const direct = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-bench', maxRetries: 0, timeout: 120_000 });
    const assistant = await viaMock.beta.assistants.create({ model: 'gpt-4o' });

    /** Through the mock: the times of every text delta the client parsed. */
    const throughMock = async (text: string): Promise<number[]> => {
      const thread = await viaMock.beta.threads.create({ messages: [{ role: 'user', content: text }] });
      const times: number[] = [];
      const stream = await viaMock.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, stream: true });
      for await (const event of stream) if (event.event === 'thread.message.delta') times.push(performance.now());
      return times;
    };
    /** Straight from aimock: the times of every chunk with text the client parsed. */
    const straight = async (text: string): Promise<number[]> => {
      const times: number[] = [];
      const stream = await direct.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: text }] });
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) times.push(performance.now());
      return times;
    };

    const added = async (read: (text: string) => Promise<number[]>) => {
      const before = stamps.length;
      const times = await read('first token');
      return times[0] - stamps[before];
    };
    for (let i = 0; i < 10; i++) {
      await added(throughMock);
      await added(straight);
    }
    const mockLatency: number[] = [];
    const directLatency: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      mockLatency.push(await added(throughMock));
      directLatency.push(await added(straight));
    }

    const throughput: ThroughputComparison[] = [];
    for (const [label, text] of [
      [`paced at ${PACED_TPS} chunks/s (a fast hosted model)`, 'paced'],
      ['unpaced (as fast as aimock writes)', 'unpaced'],
    ] as const) {
      const rate = (times: number[]) => (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
      const result: ThroughputComparison = { label, chunks: 0, direct: [], mock: [], ratio: 0 };
      await throughMock(text);
      const ratios: number[] = [];
      for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
        const d = await straight(text);
        const m = await throughMock(text);
        result.chunks = m.length;
        result.direct.push(rate(d));
        result.mock.push(rate(m));
        ratios.push(rate(m) / rate(d));
      }
      result.ratio = median(ratios);
      throughput.push(result);
    }
    return {
      aimockVersion: (JSON.parse(readFileSync(join(ROOT, 'node_modules/@copilotkit/aimock/package.json'), 'utf8')) as { version: string })
        .version,
      firstToken: {
        direct: distribution(directLatency),
        mock: distribution(mockLatency),
        // Paired: each run through the mock against the direct read right after it.
        added: distribution(mockLatency.map((v, i) => v - directLatency[i])),
      },
      throughput,
    };
  } finally {
    await server.kill();
    await mock.stop();
    removeDir(dir);
  }
}
