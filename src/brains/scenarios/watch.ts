/**
 * Watches a scenario file or folder and calls back once per burst of changes: editors save in
 * several steps (truncate, write, rename), and reloading on each step would read half a file.
 */
import { lazyRequire } from '../../util/lazy-require.js';

// Loaded with the first watch (a SCENARIOS path), not at start-up (src/util/lazy-require.ts).
const chokidar = lazyRequire<typeof import('chokidar')>('chokidar');

export interface PathWatcher {
  /** Resolves once the watcher sees changes (tests write files only after this). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchPath(path: string, onChange: () => void, debounceMs = 75): PathWatcher {
  const watcher = chokidar().watch(path, { ignoreInitial: true, persistent: false });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
    timer.unref();
  });
  // A watcher error (a folder removed, too many watches) must not crash the server; the rules stay.
  watcher.on('error', () => undefined);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
