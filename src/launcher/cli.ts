#!/usr/bin/env node
/**
 * The `assistants-mock` command as installed (package.json "bin", dist/cli.cjs): runs the CLI's
 * CommonJS bundle, dist/cli-main.cjs (src/cli.ts and everything it loads), through V8's code cache
 * (src/launcher/code-cache.ts), then writes a fresh cache once the server has answered its first
 * request if this start had none it could use. Kept tiny and CommonJS: it is what Node loads first.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadBundle } from './code-cache.js';

interface CliBundle {
  main(argv: string[]): Promise<FastifyInstance>;
}

/** Without a first request (a server nobody calls yet), the cache is written after this long. */
const SAVE_WITHOUT_REQUEST_MS = 2_000;

const cli = loadBundle<CliBundle>(join(__dirname, 'cli-main.cjs'));

void cli.exports.main(process.argv).then((app) => {
  app.log.debug({ code_cache: cli.status }, 'start-up code cache');
  if (cli.status === 'used' || cli.status === 'off') return;
  let saved = false;
  const save = () => {
    if (saved) return;
    saved = true;
    clearTimeout(timer);
    const file = cli.save();
    app.log.debug({ code_cache_file: file ?? null }, file ? 'code cache written' : 'code cache not written: no writable folder');
  };
  const timer = setTimeout(save, SAVE_WITHOUT_REQUEST_MS).unref();
  // After the first answer is out, so that the cache holds the request path too and the answer waits for nothing.
  app.server.once('request', (_request, response) => response.once('finish', () => setImmediate(save)));
});
