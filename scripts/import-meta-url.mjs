/**
 * Injected into the CommonJS bundle of the CLI (scripts/bundle-options.mjs), where `import.meta.url`
 * becomes `importMetaUrl`: the bundle's own file, as `import.meta.url` is each ES module's in the
 * sources, so that paths found from it (src/paths.ts) still hold. `__filename` is the bundle's.
 */
/* global __filename */
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
