/**
 * Build of the web inspector and playground (docs/ui.md): ui/ -> dist/ui, served by the mock at
 * /__admin/ui (src/http/ui-route.ts). Everything is bundled: the page loads nothing from another host.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/__admin/ui/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // One small bundle: the app is a few screens, and one request loads faster than many.
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
  },
});
