/**
 * The scenario rules a server knows: those of the SCENARIOS files (shared by every tenant, reloaded
 * when the files change) and those added through the control API (per tenant, in memory). As a
 * Behavior it answers the run engine's question "what does the model do in this turn?".
 */
import { jsonFormatOf, scriptedJsonProblem } from '../structured-output.js';
import type { Behavior, TurnAction, TurnInput } from '../types.js';
import type { ScenarioSource, ScenarioSpec } from './format.js';
import { loadScenarioPath } from './load.js';
import { compileScenario, selectScenario, type CompiledScenario, type Selection } from './match.js';
import { buildView, turnToAction } from './render.js';
import { watchPath, type PathWatcher } from './watch.js';
import { TenantLists } from '../../util/tenant-lists.js';

/** The part of a pino / Fastify logger the registry uses. */
export interface ScenarioLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type ReloadResult = { ok: true; count: number } | { ok: false; error: Error };

/** A rule as GET /__admin/scenarios shows it. */
export interface ScenarioListing extends ScenarioSpec {
  source: 'runtime' | 'file';
  file?: string;
  line?: number;
}

const silent: ScenarioLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class ScenarioRegistry implements Behavior {
  private fileRules: CompiledScenario[] = [];
  private readonly runtime = new TenantLists<CompiledScenario>();
  private readonly reloadListeners = new Set<(result: ReloadResult) => void>();
  private watcher: PathWatcher | undefined;
  private log: ScenarioLogger = silent;

  /** Loads `path` (a file or folder) now: a bad file throws a ScenarioFileError naming file and line. */
  constructor(readonly path?: string) {
    if (path) this.fileRules = compileAll(loadScenarioPath(path));
  }

  setLogger(log: ScenarioLogger): void {
    this.log = log;
  }

  // ---- the Behavior -------------------------------------------------------------------------------

  decide(input: TurnInput): TurnAction | undefined {
    const selection = this.select(input);
    if (!selection) return undefined;
    if ('missing' in selection) {
      const where = selection.via === 'run_metadata' ? 'run' : 'assistant';
      this.log.warn({ run_id: input.run.id, scenario: selection.missing }, 'mock_scenario names no scenario');
      // Failing loudly beats a default reply: a typo in a test's metadata would otherwise pass unseen.
      return {
        kind: 'fail',
        code: 'server_error',
        message: `assistants-mock: no scenario named '${selection.missing}' (${where} metadata mock_scenario).`,
      };
    }
    const turn = selection.scenario.spec.turns[input.turn];
    // Past the end of the script the engine's defaults take over (usually a closing text).
    if (!turn) return undefined;
    const action = turnToAction(turn, buildView(input));
    // A scripted structured output must fit the run's response_format: say which scenario broke it.
    const format = jsonFormatOf(input.run.responseFormat);
    const scripted = 'json' in turn && action.kind === 'text' ? (JSON.parse(action.text) as unknown) : undefined;
    const problem = 'json' in turn ? scriptedJsonProblem(scripted, format, selection.scenario.name, input.turn) : undefined;
    return problem ? { kind: 'fail', code: 'server_error', message: problem } : action;
  }

  /** Which rule plays this run, and why; undefined when none does. */
  select(input: TurnInput): Selection | undefined {
    return selectScenario(input, this.rulesFor(input.run.tenant));
  }

  /** The tenant's rules in precedence order: its runtime rules, then the file rules. */
  rulesFor(tenant: string): CompiledScenario[] {
    return [...(this.runtime.get(tenant) ?? []), ...this.fileRules];
  }

  list(tenant: string): ScenarioListing[] {
    return this.rulesFor(tenant).map(listing);
  }

  find(tenant: string, name: string): ScenarioListing | undefined {
    const rule = this.rulesFor(tenant).find((r) => r.name === name);
    return rule ? listing(rule) : undefined;
  }

  // ---- runtime rules ------------------------------------------------------------------------------

  /** Adds validated rules for a tenant; a rule whose name the tenant already uses is replaced in place. */
  addRuntime(tenant: string, specs: ScenarioSpec[]): ScenarioListing[] {
    const rules = [...(this.runtime.get(tenant) ?? [])];
    const added = specs.map((spec) => compileScenario(spec, { kind: 'runtime' }));
    for (const rule of added) {
      const at = rules.findIndex((r) => r.name === rule.name);
      if (at >= 0) rules[at] = rule;
      else rules.push(rule);
    }
    this.runtime.set(tenant, rules);
    return added.map(listing);
  }

  removeRuntime(tenant: string, name: string): boolean {
    const rules = this.runtime.get(tenant) ?? [];
    const kept = rules.filter((r) => r.name !== name);
    if (kept.length === rules.length) return false;
    if (kept.length > 0) this.runtime.set(tenant, kept);
    else this.runtime.delete(tenant);
    return true;
  }

  /** Forgets a tenant's runtime rules (every tenant's with null); returns how many were removed. */
  clearRuntime(tenant: string | null): number {
    return this.runtime.clear(tenant);
  }

  isFileRule(name: string): boolean {
    return this.fileRules.some((r) => r.name === name);
  }

  // ---- files --------------------------------------------------------------------------------------

  /** Reads the files again. On a bad file the previous rules stay and the error is logged and returned. */
  reload(): ReloadResult {
    if (!this.path) return { ok: true, count: 0 };
    let result: ReloadResult;
    try {
      this.fileRules = compileAll(loadScenarioPath(this.path));
      result = { ok: true, count: this.fileRules.length };
      this.log.info({ path: this.path, scenarios: result.count }, 'scenarios reloaded');
    } catch (error) {
      result = { ok: false, error: error as Error };
      this.log.error({ path: this.path, err: error }, `scenarios not reloaded, the previous rules stay: ${(error as Error).message}`);
    }
    for (const listener of this.reloadListeners) listener(result);
    return result;
  }

  /** Starts reloading on change; resolves once the watcher is active. No-op without a path. */
  async watch(): Promise<void> {
    if (!this.path || this.watcher) return;
    this.watcher = watchPath(this.path, () => this.reload());
    await this.watcher.ready;
  }

  onReload(listener: (result: ReloadResult) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    this.reloadListeners.clear();
    await watcher?.close();
  }
}

function compileAll(loaded: { spec: ScenarioSpec; source: ScenarioSource }[]): CompiledScenario[] {
  return loaded.map(({ spec, source }) => compileScenario(spec, source));
}

function listing(rule: CompiledScenario): ScenarioListing {
  const source = rule.source;
  return source.kind === 'file'
    ? { ...rule.spec, source: 'file', file: source.file, line: source.line }
    : { ...rule.spec, source: 'runtime' };
}
