/**
 * Preloaded (`node --expose-gc --import`) into the soak test's child server, which is otherwise the
 * unchanged dist/cli.js: on SIGUSR2 it runs a full garbage collection and prints the memory figures
 * to stderr, so that memory samples are taken after a GC and do not follow V8's saw-tooth.
 */
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const m = process.memoryUsage();
  process.stderr.write(
    `gc-probe ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
  );
});
