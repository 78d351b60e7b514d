/**
 * The scenario rules a server knows: those of the SCENARIOS files (shared by every tenant, reloaded
 * when the files change) and those added through the control API (per tenant, in memory). As a
 * Behavior it answers the run engine's question "what does the model do in this turn?".
 */
import { jsonFormatOf, scriptedJsonProblem } from '../structured-output.js';
import type { Behavior, TurnAction, TurnDecision, TurnInput } from '../types.js';
import type { ScenarioSource, ScenarioSpec } from './format.js';
import { loadScenarioPath } from './load.js';
import { compileScenario, selectScenario, type CompiledScenario, type Selection } from './match.js';
import { buildView, turnToAction } from './render.js';
import { watchPath, type PathWatcher } from './watch.js';
import { unmatchedFailure, type UnmatchedMode } from './unmatched.js';
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
  /** Turns this rule has answered for the tenant since its last reset. */
  hits: number;
}

const silent: ScenarioLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class ScenarioRegistry implements Behavior {
  private fileRules: CompiledScenario[] = [];
  private readonly runtime = new TenantLists<CompiledScenario>();
  private readonly reloadListeners = new Set<(result: ReloadResult) => void>();
  private watcher: PathWatcher | undefined;
  private log: ScenarioLogger = silent;
  /** Turns answered per tenant and rule name. */
  private readonly hits = new Map<string, Map<string, number>>();
  /** Tenants that chose their own unmatched mode through the control API. */
  private readonly unmatchedByTenant = new Map<string, UnmatchedMode>();

  /**
   * Loads `path` (a file or folder) now: a bad file throws a ScenarioFileError naming file and line.
   * `unmatched` is the server's mode for turns no rule matches (UNMATCHED); a tenant may override it.
   */
  constructor(
    readonly path?: string,
    readonly unmatched: UnmatchedMode = 'default',
  ) {
    if (path) this.fileRules = compileAll(loadScenarioPath(path));
  }

  setLogger(log: ScenarioLogger): void {
    this.log = log;
  }

  // ---- the Behavior -------------------------------------------------------------------------------

  decide(input: TurnInput): TurnAction | undefined {
    return this.answer(input)?.action;
  }

  /**
   * The turn's action and the rule behind it; undefined to let the defaults answer. Counts the hit.
   * In strict mode a turn no rule matches gets a failure naming the closest rule (./unmatched.ts).
   */
  answer(input: TurnInput): TurnDecision | undefined {
    return this.answerMatched(input) ?? this.answerUnmatched(input);
  }

  /**
   * Strict mode (UNMATCHED=error) only: the failure for a turn no rule selects, naming the closest
   * rule; undefined otherwise (the default mode, or a rule was selected but its script ran out).
   */
  answerUnmatched(input: TurnInput): TurnDecision | undefined {
    const tenant = input.run.tenant;
    if (this.unmatchedMode(tenant) !== 'error' || this.select(input)) return undefined;
    return { action: unmatchedFailure(input, this.rulesFor(tenant)), answeredBy: { kind: 'default', scenario: null } };
  }

  /** The turn's action and the rule behind it when a rule plays this turn; undefined otherwise. */
  answerMatched(input: TurnInput): TurnDecision | undefined {
    const tenant = input.run.tenant;
    const selection = this.select(input);
    if (!selection) return undefined;
    if ('missing' in selection) {
      return {
        action: this.missingScenario(input, selection.via, selection.missing),
        answeredBy: { kind: 'scenario', scenario: selection.missing },
      };
    }
    const turn = selection.scenario.spec.turns[input.turn];
    // Past the end of the script the engine's defaults take over (usually a closing text).
    if (!turn) return undefined;
    this.countHit(tenant, selection.scenario.name);
    const answeredBy = { kind: 'scenario', scenario: selection.scenario.name } as const;
    const action = turnToAction(turn, buildView(input));
    // A scripted structured output must fit the run's response_format: say which scenario broke it.
    const format = jsonFormatOf(input.run.responseFormat);
    const scripted = 'json' in turn && action.kind === 'text' ? (JSON.parse(action.text) as unknown) : undefined;
    const problem = 'json' in turn ? scriptedJsonProblem(scripted, format, selection.scenario.name, input.turn) : undefined;
    return { action: problem ? { kind: 'fail', code: 'server_error', message: problem } : action, answeredBy };
  }

  /** A run or assistant names a rule that does not exist: failing loudly beats a default reply. */
  private missingScenario(input: TurnInput, via: 'run_metadata' | 'assistant_metadata', missing: string): TurnAction {
    const where = via === 'run_metadata' ? 'run' : 'assistant';
    this.log.warn({ run_id: input.run.id, scenario: missing }, 'mock_scenario names no scenario');
    return {
      kind: 'fail',
      code: 'server_error',
      message: `assistants-mock: no scenario named '${missing}' (${where} metadata mock_scenario).`,
    };
  }

  // ---- strict mode and hit counts -----------------------------------------------------------------

  /** The tenant's unmatched mode: its own choice, else the server's. */
  unmatchedMode(tenant: string): UnmatchedMode {
    return this.unmatchedByTenant.get(tenant) ?? this.unmatched;
  }

  /** Sets the tenant's unmatched mode; null goes back to the server's. */
  setUnmatchedMode(tenant: string, mode: UnmatchedMode | null): void {
    if (mode === null) this.unmatchedByTenant.delete(tenant);
    else this.unmatchedByTenant.set(tenant, mode);
  }

  /** Whether the tenant chose its own mode (true) or follows the server's. */
  hasOwnUnmatchedMode(tenant: string): boolean {
    return this.unmatchedByTenant.has(tenant);
  }

  private countHit(tenant: string, name: string): void {
    let counts = this.hits.get(tenant);
    if (!counts) this.hits.set(tenant, (counts = new Map()));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }

  /**
   * Reset of a tenant (every tenant with null): its runtime rules, hit counts and unmatched mode.
   * Returns how many runtime rules were removed.
   */
  forgetTenant(tenant: string | null): number {
    if (tenant === null) {
      this.hits.clear();
      this.unmatchedByTenant.clear();
    } else {
      this.hits.delete(tenant);
      this.unmatchedByTenant.delete(tenant);
    }
    return this.clearRuntime(tenant);
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
    const hits = this.hits.get(tenant);
    return this.rulesFor(tenant).map((rule) => listing(rule, hits));
  }

  find(tenant: string, name: string): ScenarioListing | undefined {
    const rule = this.rulesFor(tenant).find((r) => r.name === name);
    return rule ? listing(rule, this.hits.get(tenant)) : undefined;
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
    const hits = this.hits.get(tenant);
    return added.map((rule) => listing(rule, hits));
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

function listing(rule: CompiledScenario, hits: Map<string, number> | undefined): ScenarioListing {
  const source = rule.source;
  const count = hits?.get(rule.name) ?? 0;
  return source.kind === 'file'
    ? { ...rule.spec, source: 'file', file: source.file, line: source.line, hits: count }
    : { ...rule.spec, source: 'runtime', hits: count };
}
