/**
 * Writes the code cache the command starts from (src/launcher/code-cache.ts) into dist/code-cache/:
 * starts the built command once on a throw-away database, asks /healthz, and takes the cache the
 * launcher writes after that first answer. The launcher itself only ever writes into the user's cache
 * folder, so it is pointed at a temporary one here (XDG_CACHE_HOME) and the file is moved next to the
 * bundle. Part of `npm run build`, so that the first start after a build, after `npm install` of the
 * package (on the Node version that built it) or in a Docker image is as fast as the next ones. Fails
 * the build if the command does not start or writes no cache.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DEADLINE_MS = 30_000;
const TARGET = 'dist/code-cache';

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
const userCache = mkdtempSync(join(tmpdir(), 'am-warm-code-cache-'));
const written = join(userCache, 'assistants-mock');
const args = ['dist/cli.cjs', '--port', String(port), '--host', '127.0.0.1', '--db', ':memory:', '--no-banner', '--log-level', 'silent'];
const child = spawn(process.execPath, args, {
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, XDG_CACHE_HOME: userCache },
});
const exited = new Promise((resolve) => child.once('exit', resolve));
const started = Date.now();
const caches = () => (existsSync(written) ? readdirSync(written).filter((f) => f.endsWith('.cache')) : []);

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
    if (Date.now() - started > DEADLINE_MS) throw new Error('the command wrote no code cache');
    await sleep(20);
  }
  rmSync(TARGET, { recursive: true, force: true });
  mkdirSync(TARGET, { recursive: true });
  for (const name of caches()) {
    copyFileSync(join(written, name), join(TARGET, name));
    chmodSync(join(TARGET, name), 0o644); // as readable as the bundle beside it
  }
  console.log(`warm-code-cache: ${TARGET}/${caches().join(', ')}`);
} finally {
  child.kill('SIGTERM');
  await exited;
  rmSync(userCache, { recursive: true, force: true });
}
