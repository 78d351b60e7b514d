/**
 * Where the package's own files are (migrations/, schemas/, package.json). Found by walking up from
 * this module to the folder whose package.json names this package, so the answer is the same from
 * src/ (tests, tsx), from dist/ (tsc output) and from the bundled entry points in dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = dirname(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'assistants-mock') return dir;
    if (dirname(dir) === dir) throw new Error(`assistants-mock: package.json not found above ${start}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(fileURLToPath(import.meta.url));

export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
