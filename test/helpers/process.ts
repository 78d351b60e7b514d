/**
 * A server in a child process (test/fixtures/serve.ts), for tests that SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/serve.ts', import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  url: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `env`: settings read from the environment (RUN_MODE, SCENARIOS, ...), added to this process's. */
export async function spawnServer(dbPath: string, streamDelayMs = 0, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbPath, String(streamDelayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('server process exited before listening');
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
