/**
 * Start-up: from spawn to the first 200, for `node dist/cli.js` on a fresh database (migrations
 * included) and for a bare `node -e` HTTP server. The two are interleaved so that both see the same
 * machine; one unrecorded round first warms the file cache.
 */
import { join } from 'node:path';
import { median, removeDir, spawnAndWait, spawnMock, tempDir } from './lib.js';

export interface StartupResult {
  runs: number;
  bareMs: number[];
  mockMs: number[];
  bareMedian: number;
  mockMedian: number;
  bareCpuMs: number[];
  mockCpuMs: number[];
}

const BARE_SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')";

export async function benchStartup(runs = 7): Promise<StartupResult> {
  const dir = tempDir();
  const bareMs: number[] = [];
  const mockMs: number[] = [];
  const bareCpuMs: number[] = [];
  const mockCpuMs: number[] = [];
  try {
    for (let i = -1; i < runs; i++) {
      const bare = await spawnAndWait(['-e', BARE_SERVER], { healthPath: '/' });
      await bare.kill();
      const mock = await spawnMock({ dbPath: join(dir, `startup-${i + 1}.db`) });
      await mock.kill();
      if (i >= 0) {
        bareMs.push(bare.startMs);
        mockMs.push(mock.startMs);
        bareCpuMs.push(bare.startCpuMs);
        mockCpuMs.push(mock.startCpuMs);
      }
    }
  } finally {
    removeDir(dir);
  }
  return { runs, bareMs, mockMs, bareMedian: median(bareMs), mockMedian: median(mockMs), bareCpuMs, mockCpuMs };
}
