/**
 * Reading scenario files: one file or a folder of them (YAML or JSON; JSON is parsed as the YAML it
 * also is, so both get line numbers). Any problem becomes a ScenarioFileError whose message names
 * the file, the line and column, and what is wrong, because that message is what a person sees when
 * the server refuses to start.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { lazyRequire } from '../../util/lazy-require.js';
import type { ScenarioSource, ScenarioSpec } from './format.js';
import { formatPath, validateScenarioFile, type PathSegment } from './validate.js';

// Loaded with the first scenario file, not at start-up (src/util/lazy-require.ts).
const yaml = lazyRequire<typeof import('yaml')>('yaml');

export const SCENARIO_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedScenario {
  spec: ScenarioSpec;
  source: ScenarioSource;
}

export class ScenarioFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly problem: string,
  ) {
    super(`Invalid scenario file ${file}${line !== undefined ? `, line ${line}, column ${column ?? 1}` : ''}: ${problem}`);
    this.name = 'ScenarioFileError';
  }
}

/** The files a SCENARIOS path stands for: itself, or the scenario files below a folder in path order. */
export function listScenarioFiles(path: string): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new ScenarioFileError(path, undefined, undefined, 'no such file or folder');
  }
  if (!stats.isDirectory()) return [path];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && SCENARIO_EXTENSIONS.includes(extname(entry.name).toLowerCase())) found.push(full);
    }
  };
  walk(path);
  return found.sort((a, b) => relative(path, a).localeCompare(relative(path, b)));
}

/** Loads every rule under `path`, in order. Names must be unique across all the files. */
export function loadScenarioPath(path: string): LoadedScenario[] {
  const all: LoadedScenario[] = [];
  const firstByName = new Map<string, LoadedScenario>();
  for (const file of listScenarioFiles(path)) {
    for (const loaded of loadScenarioFile(file)) {
      const first = firstByName.get(loaded.spec.name);
      if (first && first.source.kind === 'file' && loaded.source.kind === 'file') {
        throw new ScenarioFileError(
          file,
          loaded.source.line,
          1,
          `duplicate scenario name '${loaded.spec.name}' (first defined in ${first.source.file}, line ${first.source.line})`,
        );
      }
      firstByName.set(loaded.spec.name, loaded);
      all.push(loaded);
    }
  }
  return all;
}

export function loadScenarioFile(file: string): LoadedScenario[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioFileError(file, undefined, undefined, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseScenarioText(text, file);
}

/** Parses and validates one file's text; `file` is only used in messages and sources. */
export function parseScenarioText(text: string, file: string): LoadedScenario[] {
  const { LineCounter: Lines, parseDocument } = yaml();
  const lineCounter = new Lines();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0] ?? lineCounter.linePos(syntax.pos[0]);
    const problem = syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ScenarioFileError(file, pos.line, pos.col, `${problem} (${file.endsWith('.json') ? 'JSON' : 'YAML'} syntax)`);
  }
  // An empty file (or one with only comments) holds no rules: editors create files empty.
  if (doc.contents === null) return [];
  const value = toValue(doc, file, lineCounter);
  const result = validateScenarioFile(value);
  if (!result.ok) {
    const { path, key, message } = result.problem;
    const pos = lineCounter.linePos(locate(doc, path, key));
    const where = path.length > 0 ? formatPath(key ? [...path, key] : path) : '';
    throw new ScenarioFileError(file, pos.line, pos.col, where ? `${where}: ${message}` : message);
  }
  return result.value.scenarios.map((spec, i) => ({
    spec,
    source: { kind: 'file', file, line: lineCounter.linePos(locate(doc, ['scenarios', i])).line },
  }));
}

/** Aliases expanded (in total) beyond this stop the load: a "billion laughs" file would eat the memory. */
export const MAX_ALIAS_EXPANSIONS = 1000;

/**
 * The document as plain values. The yaml library refuses a file whose aliases expand past the cap
 * with a bare ReferenceError; it becomes a ScenarioFileError at the file's first alias, like every
 * other problem of a scenario file.
 */
function toValue(doc: Document, file: string, lineCounter: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const { visit } = yaml();
    let offset: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0];
        return visit.BREAK;
      },
    });
    const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
    const problem = /excessive alias count/i.test((error as Error).message)
      ? `its aliases expand to more than ${MAX_ALIAS_EXPANSIONS} nodes (a YAML alias bomb?); use fewer aliases`
      : (error as Error).message;
    throw new ScenarioFileError(file, pos?.line, pos?.col, problem);
  }
}

/**
 * The source offset of the value at `path` (or of the key `key` in the map there). When the path
 * leads to a value without a node of its own (an absent value), the nearest enclosing node is used.
 */
function locate(doc: Document, path: PathSegment[], key?: string): number {
  const { isMap, isSeq } = yaml();
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = findPair(node.items, segment);
      if (!pair) return offset;
      offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = findPair(node.items, key);
    if (pair) offset = rangeStart(pair.key) ?? offset;
  }
  return offset;
}

function findPair(items: unknown[], segment: PathSegment): { key: unknown; value: unknown } | undefined {
  const { isPair, isScalar } = yaml();
  return items.find((p): p is { key: unknown; value: unknown } => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}
