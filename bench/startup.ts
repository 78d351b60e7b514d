/**
 * Start-up: from spawn to the first 200, for `node dist/cli.cjs` (the installed command) on a fresh database (migrations
 * included) and for a bare `node -e` HTTP server. The two are interleaved so that both see the same
 * machine; one unrecorded round first warms the file cache. Then, at once, the mock's first run (an
 * assistant, a thread with one message, a run polled to `completed`): work moved off the start-up
 * path (the tokenizer load) must not land on it.
 */
import { join } from 'node:path';
import { httpJson, median, removeDir, spawnAndWait, spawnMock, tempDir } from './lib.js';

export interface StartupResult {
  runs: number;
  bareMs: number[];
  mockMs: number[];
  bareMedian: number;
  mockMedian: number;
  bareCpuMs: number[];
  mockCpuMs: number[];
  /** From the first /healthz 200 to the first run's `completed`, requests made one after the other. */
  firstRunMs: number[];
}

/** Creates an assistant, a thread with one message and a run, and polls the run until it ends (ms). */
async function firstRun(base: string): Promise<number> {
  const started = performance.now();
  const assistant = await httpJson<{ id: string }>('POST', `${base}/v1/assistants`, { model: 'gpt-4o' });
  const thread = await httpJson<{ id: string }>('POST', `${base}/v1/threads`, { messages: [{ role: 'user', content: 'Hello there!' }] });
  const run = await httpJson<{ id: string; status: string }>('POST', `${base}/v1/threads/${thread.body.id}/runs`, {
    assistant_id: assistant.body.id,
  });
  let status = run.body.status;
  while (['queued', 'in_progress'].includes(status)) {
    status = (await httpJson<{ status: string }>('GET', `${base}/v1/threads/${thread.body.id}/runs/${run.body.id}`)).body.status;
  }
  if (status !== 'completed') throw new Error(`first run ended ${status}`);
  return performance.now() - started;
}

const BARE_SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

export async function benchStartup(runs = 7): Promise<StartupResult> {
  const dir = tempDir();
  const bareMs: number[] = [];
  const mockMs: number[] = [];
  const bareCpuMs: number[] = [];
  const mockCpuMs: number[] = [];
  const firstRunMs: number[] = [];
  try {
    for (let i = -1; i < runs; i++) {
      const bare = await spawnAndWait(['-e', BARE_SERVER], { healthPath: '/' });
      await bare.kill();
      const mock = await spawnMock({ dbPath: join(dir, `startup-${i + 1}.db`) });
      const firstRunTook = await firstRun(mock.url);
      await mock.kill();
      if (i >= 0) {
        bareMs.push(bare.startMs);
        mockMs.push(mock.startMs);
        bareCpuMs.push(bare.startCpuMs);
        mockCpuMs.push(mock.startCpuMs);
        firstRunMs.push(firstRunTook);
      }
    }
  } finally {
    removeDir(dir);
  }
  return { runs, bareMs, mockMs, bareMedian: median(bareMs), mockMedian: median(mockMs), bareCpuMs, mockCpuMs, firstRunMs };
}
