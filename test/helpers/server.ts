/**
 * Test helpers: a real server on a free port with a real SQLite file in a fresh temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type AppOptions, type RunningServer } from '../../src/server.js';

export interface TestServer extends RunningServer {
  dir: string;
  dbPath: string;
  /** Base URL for OpenAI clients: `${url}/v1`. */
  baseURL: string;
  /** Closes the server and removes its temp folder. */
  stop(): Promise<void>;
}

export function tempDir(prefix = 'am-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(options: AppOptions = {}): Promise<TestServer> {
  const dir = tempDir();
  const dbPath = options.dbPath ?? join(dir, 'test.db');
  const server = await startServer({ port: 0, logger: false, ...options, dbPath });
  return {
    ...server,
    dir,
    dbPath,
    baseURL: `${server.url}/v1`,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
