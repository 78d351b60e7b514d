/**
 * Writes the code cache the command starts from (src/launcher/code-cache.ts): starts the built
 * command once on a throw-away database, asks /healthz, and waits for the launcher to write its
 * cache after that first answer, into dist/code-cache/. Part of `npm run build`, so that the first
 * start after a build (or in a Docker image) is as fast as the next ones. Fails the build if the
 * command does not start or writes no cache.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const DEADLINE_MS = 30_000;

if (process.env.NODE_DISABLE_COMPILE_CACHE) {
  console.log('warm-code-cache: NODE_DISABLE_COMPILE_CACHE is set, no code cache written');
  process.exit(0);
}

const port = await new Promise((resolve, reject) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
  probe.on('error', reject);
});
const args = ['dist/cli.cjs', '--port', String(port), '--host', '127.0.0.1', '--db', ':memory:', '--no-banner', '--log-level', 'silent'];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const exited = new Promise((resolve) => child.once('exit', resolve));
const started = Date.now();
const caches = () => (existsSync('dist/code-cache') ? readdirSync('dist/code-cache').filter((f) => f.endsWith('.cache')) : []);

try {
  let answered = false;
  while (!answered) {
    if (child.exitCode !== null) throw new Error(`the command exited (${child.exitCode}) before answering`);
    answered = await globalThis.fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (Date.now() - started > DEADLINE_MS) throw new Error('the command did not answer /healthz');
    if (!answered) await sleep(20);
  }
  while (caches().length === 0) {
    if (Date.now() - started > DEADLINE_MS) throw new Error('the command wrote no code cache into dist/code-cache');
    await sleep(20);
  }
  console.log(`warm-code-cache: dist/code-cache/${caches().join(', ')}`);
} finally {
  child.kill('SIGTERM');
  await exited;
}
