/**
 * Opens a better-sqlite3 connection with its native addon named, rather than found.
 *
 * better-sqlite3 finds its addon with the `bindings` package, which searches a dozen folders from
 * the folder of the calling file. In the CLI's bundle (scripts/bundle-options.mjs) that file is
 * dist/cli-main.cjs, where the search fails; and even unbundled it is a dozen `stat`s of start-up.
 * The addon's place is known: better-sqlite3's install (prebuilt or compiled here) puts it in
 * build/Release. If it is not there (a debug build), better-sqlite3's own search is left to find it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

let addonPath: string | null | undefined;

function nativeAddon(): string | undefined {
  if (addonPath === undefined) {
    const packageJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
    const path = join(dirname(packageJson), 'build', 'Release', 'better_sqlite3.node');
    addonPath = existsSync(path) ? path : null;
  }
  return addonPath ?? undefined;
}

export function openSqlite(path: string, options: Database.Options = {}): Database.Database {
  return new Database(path, { ...options, nativeBinding: nativeAddon() });
}
