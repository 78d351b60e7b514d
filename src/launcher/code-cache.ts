/**
 * Runs a CommonJS bundle with V8's code cache: the bytecode of the functions the last start compiled,
 * kept in a file, so that this start neither parses the bundle nor compiles those functions again.
 *
 * Why: the CLI spends most of its start-up compiling its 1.2 MB bundle (docs/benchmarks.md,
 * "Start-up"). Node 22 has this built in (`module.enableCompileCache()`), Node 20 does not, and only a
 * `vm.Script` takes a cache, so the CLI's bundle is CommonJS and is run here.
 *
 * The cache is made after the server has answered its first request (`save`), so it holds what a start
 * compiles, not only the bundle's top level. V8 refuses a cache made by another V8 version or with
 * other V8 flags, and then compiles as usual; the header checks that and the bundle's own hash first,
 * because V8 itself only compares the source's length. A cache is found, in order:
 * - next to the bundle (`dist/code-cache/`): the one `npm run build` made (scripts/warm-code-cache.mjs),
 *   shipped with the package and in the Docker image. A start never writes there: the package's folder
 *   stays as installed (read-only in the image, shared by every user of a global install, packed as built);
 * - in the user's cache folder (`$XDG_CACHE_HOME/assistants-mock` or `~/.cache/assistants-mock`), where a
 *   start that found none it could use (another Node version, other flags) writes its own; used only if
 *   the folder belongs to the user and nobody else can write to it, since a code cache is code.
 * One file per Node version, architecture and set of Node flags, so that two ways of starting do not
 * overwrite each other's cache. `NODE_DISABLE_COMPILE_CACHE=1` (the variable Node 22 reads for its
 * own cache) turns it off. Any failure to read or write a cache only costs the time it would have saved.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/** What became of the cache at this start. */
export type CodeCacheStatus = 'used' | 'missing' | 'rejected' | 'off';

export interface LoadedBundle<T> {
  exports: T;
  status: CodeCacheStatus;
  /**
   * Writes a cache of what has been compiled so far, unless this start used one. Returns the file
   * written, if any. Synchronous (about 10 ms for the CLI): call it once the first answer is out.
   */
  save(): string | undefined;
}

/** The first line of a cache file; the V8 data follows. */
interface CacheHeader {
  format: typeof FORMAT;
  bundleSha256: string;
  node: string;
  arch: string;
  flags: string;
}

const FORMAT = 'assistants-mock-code-cache-1';

export function loadBundle<T>(bundlePath: string, env: NodeJS.ProcessEnv = process.env): LoadedBundle<T> {
  const bytes = readFileSync(bundlePath);
  // The build writes ASCII and checks it (scripts/bundle.mjs): read as latin1, the same one-byte string
  // is made without the UTF-8 decoder's pass over 1.2 MB.
  const source = bytes.toString('latin1');
  const disabled = Boolean(env.NODE_DISABLE_COMPILE_CACHE);
  const header: CacheHeader = {
    format: FORMAT,
    bundleSha256: disabled ? '' : createHash('sha256').update(bytes).digest('hex'),
    node: process.version,
    arch: process.arch,
    flags: [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' '),
  };
  const fileName = `${basename(bundlePath)}-${fingerprint(header)}.cache`;
  const folders = disabled ? [] : cacheFolders(bundlePath, env);
  const found = findCache(folders, fileName, header);

  // The same wrapper Node gives a CommonJS module, so the bundle sees require, module, __dirname.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData: found,
  });
  const status: CodeCacheStatus = disabled ? 'off' : !found ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));

  let saved = false;
  return {
    exports: module.exports,
    status,
    save() {
      if (status === 'used' || status === 'off' || saved) return undefined;
      saved = true;
      const userFolder = folders.find((folder) => folder.mustBeOwn);
      return userFolder && writeCache(userFolder, fileName, header, script.createCachedData());
    },
  };
}

function fingerprint(header: CacheHeader): string {
  return createHash('sha256').update(`${header.node} ${header.arch} ${header.flags}`).digest('hex').slice(0, 16);
}

function cacheFolders(bundlePath: string, env: NodeJS.ProcessEnv): { path: string; mustBeOwn: boolean }[] {
  const folders = [{ path: join(dirname(bundlePath), 'code-cache'), mustBeOwn: false }];
  const base = userCacheBase(env);
  if (base) folders.push({ path: join(base, 'assistants-mock'), mustBeOwn: true });
  return folders;
}

/** `$XDG_CACHE_HOME` (absolute only, as the XDG spec says), else `~/.cache`; none for a user without a home. */
function userCacheBase(env: NodeJS.ProcessEnv): string | undefined {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return env.XDG_CACHE_HOME;
  try {
    const home = homedir();
    return home ? join(home, '.cache') : undefined;
  } catch {
    return undefined; // a uid with no passwd entry and no HOME (docker run --user 12345)
  }
}

/**
 * Only the user's own folder, writable by nobody else, may hold code this process runs: another
 * user who could put a file there could run code as this one.
 */
function isSafeFolder(folder: { path: string; mustBeOwn: boolean }): boolean {
  if (!folder.mustBeOwn) return true;
  try {
    const stat = lstatSync(folder.path);
    const ownedByUs = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    return stat.isDirectory() && ownedByUs && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function findCache(folders: { path: string; mustBeOwn: boolean }[], fileName: string, header: CacheHeader): Buffer | undefined {
  for (const folder of folders) {
    let file: Buffer;
    try {
      file = readFileSync(join(folder.path, fileName));
    } catch {
      continue;
    }
    if (!isSafeFolder(folder)) continue;
    const newline = file.indexOf(0x0a);
    if (newline < 0 || file.subarray(0, newline).toString('latin1') !== JSON.stringify(header)) continue;
    return file.subarray(newline + 1);
  }
  return undefined;
}

/** Written whole or not at all: another process may be reading the same file. */
function writeCache(folder: { path: string; mustBeOwn: boolean }, fileName: string, header: CacheHeader, data: Buffer): string | undefined {
  const target = join(folder.path, fileName);
  const partial = `${target}.${process.pid}.partial`;
  try {
    mkdirSync(folder.path, { recursive: true, mode: 0o700 });
    if (!isSafeFolder(folder)) return undefined;
    writeFileSync(partial, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'latin1'), data]), { mode: 0o600 });
    renameSync(partial, target);
    return target;
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // No folder to have written into.
    }
    return undefined;
  }
}
