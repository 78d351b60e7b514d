/**
 * Dependencies that no request needs before the server's first answer (the YAML parser, RE2JS,
 * @fastify/swagger) are loaded with `require` on first use. scripts/bundle.mjs leaves them out of the
 * bundle (its LAZY_PACKAGES), so start-up neither compiles nor evaluates them: V8 compiling and
 * evaluating the bundle was most of start-up (docs/benchmarks.md). `require` keeps the first use
 * synchronous, so callers stay as they were; these packages all ship CommonJS for Node.
 * test/bundle.test.ts fails if one of them comes back onto the start-up path.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function returning the module `id`, required on its first call and kept. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
