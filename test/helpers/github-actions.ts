/**
 * Runs GitHub Actions steps on this machine, the way the runner does for `shell: bash` steps: each
 * `run:` script is saved to a file and run with `bash --noprofile --norc -eo pipefail FILE`, with
 * fresh GITHUB_OUTPUT and GITHUB_ENV files whose lines become the step's outputs and the later steps'
 * environment. Only what action.yml and the README's workflow use is understood: `${{ inputs.X }}`,
 * `${{ steps.ID.outputs.X }}`, `${{ env.X }}`, `${{ github.action_path }}`, and `if:` with
 * `always()`, `success()`, `failure()` or `inputs.X == 'v'` / `!=`. Anything else throws, so a
 * change to the action that this emulation cannot follow fails loudly instead of passing untested.
 * Reference: https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface Step {
  id?: string;
  name?: string;
  if?: string | boolean;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string | number | boolean>;
  run?: string;
  shell?: string;
  'working-directory'?: string;
}

interface ActionInput {
  default?: string;
}

export interface ActionFile {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

export interface StepResult {
  id?: string;
  skipped: boolean;
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/** The state a job carries from step to step. */
export interface Job {
  /** The environment every step starts from, plus what steps wrote to GITHUB_ENV. */
  env: Record<string, string>;
  cwd: string;
  temp: string;
  failed: boolean;
  steps: Record<string, StepResult>;
  log: StepResult[];
}

export function newJob(env: Record<string, string>, cwd: string): Job {
  const temp = mkdtempSync(join(tmpdir(), 'am-runner-'));
  return { env: { ...env, RUNNER_TEMP: temp, CI: 'true' }, cwd, temp, failed: false, steps: {}, log: [] };
}

interface Scope {
  inputs?: Record<string, string>;
  steps: Record<string, StepResult>;
  env: Record<string, string>;
  actionPath?: string;
}

function lookup(expression: string, scope: Scope): string {
  const expr = expression.trim();
  let m = /^inputs\.([\w-]+)$/.exec(expr);
  if (m && scope.inputs) return scope.inputs[m[1]] ?? '';
  m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
  if (m) return scope.steps[m[1]]?.outputs[m[2]] ?? '';
  m = /^env\.(\w+)$/.exec(expr);
  if (m) return scope.env[m[1]] ?? '';
  if (expr === 'github.action_path' && scope.actionPath) return scope.actionPath;
  throw new Error(`expression not understood by this emulation: \${{ ${expr} }}`);
}

export function interpolate(text: string, scope: Scope): string {
  return text.replace(/\$\{\{([^}]*)\}\}/g, (_, expr: string) => lookup(expr, scope));
}

function condition(raw: string | boolean | undefined, scope: Scope, failed: boolean): boolean {
  if (raw === undefined) return !failed;
  if (typeof raw === 'boolean') return raw && !failed;
  const expr = raw
    .trim()
    .replace(/^\$\{\{(.*)\}\}$/s, '$1')
    .trim();
  if (expr === 'always()') return true;
  if (expr === 'success()') return !failed;
  if (expr === 'failure()') return failed;
  const m = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(expr);
  if (!m) throw new Error(`if: not understood by this emulation: ${expr}`);
  const equal = lookup(m[1], scope) === m[3];
  // A condition without a status function implies success() on GitHub.
  return !failed && (m[2] === '==' ? equal : !equal);
}

/** `name=value` lines and `name<<DELIMITER` blocks, as GitHub reads GITHUB_OUTPUT and GITHUB_ENV. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]);
      out[heredoc[1]] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function stringify(values: Record<string, string | number | boolean> | undefined, scope: Scope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values ?? {})) out[k] = interpolate(String(v), scope);
  return out;
}

/** Runs one `run:` step in bash, as the runner does. */
export function runScript(job: Job, step: Step, scope: Scope, timeoutMs = 240_000): StepResult {
  if (step.shell !== undefined && step.shell !== 'bash') throw new Error(`shell ${step.shell} not emulated`);
  const n = job.log.length;
  const script = join(job.temp, `step-${n}.sh`);
  const output = join(job.temp, `output-${n}`);
  const envFile = join(job.temp, `env-${n}`);
  writeFileSync(script, interpolate(step.run ?? '', scope));
  writeFileSync(output, '');
  writeFileSync(envFile, '');
  const env: Record<string, string> = { ...job.env, ...stringify(step.env, scope), GITHUB_OUTPUT: output, GITHUB_ENV: envFile };
  if (scope.actionPath) env.GITHUB_ACTION_PATH = scope.actionPath;
  const cwd = step['working-directory'] ? join(job.cwd, step['working-directory']) : job.cwd;
  const ran = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const result: StepResult = {
    id: step.id,
    skipped: false,
    code: ran.status ?? 1,
    stdout: ran.stdout,
    stderr: ran.stderr,
    outputs: parseCommandFile(readFileSync(output, 'utf8')),
  };
  Object.assign(job.env, parseCommandFile(readFileSync(envFile, 'utf8')));
  return result;
}

function record(job: Job, result: StepResult): StepResult {
  job.log.push(result);
  if (result.id) job.steps[result.id] = result;
  if (!result.skipped && result.code !== 0) job.failed = true;
  return result;
}

function skipped(id: string | undefined): StepResult {
  return { id, skipped: true, code: 0, stdout: '', stderr: '', outputs: {} };
}

export function readAction(dir: string): ActionFile {
  return parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionFile;
}

/**
 * Runs a composite action (its steps in order) as one step of `job`; answers the action's outputs.
 * Inputs not given take their defaults; unknown inputs are an error, as GitHub warns about them.
 */
export function runAction(job: Job, dir: string, given: Record<string, string | number | boolean> = {}, id?: string): StepResult {
  const action = readAction(dir);
  if (action.runs.using !== 'composite') throw new Error(`not a composite action: ${action.runs.using}`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = spec.default ?? '';
  for (const [name, value] of Object.entries(given)) {
    if (!(name in action.inputs)) throw new Error(`unexpected input '${name}'`);
    inputs[name] = String(value);
  }
  const inner: Scope = { inputs, steps: {}, env: job.env, actionPath: dir };
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const step of action.runs.steps) {
    if (!condition(step.if, inner, code !== 0)) continue;
    if (step.run === undefined) throw new Error('only run: steps are emulated inside the action');
    const result = runScript(job, step, inner);
    if (step.id) inner.steps[step.id] = result;
    stdout += result.stdout;
    stderr += result.stderr;
    if (result.code !== 0) code = result.code;
  }
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.outputs)) outputs[name] = interpolate(spec.value, inner);
  return record(job, { id, skipped: false, code, stdout, stderr, outputs });
}

export interface WorkflowOptions {
  /** Which `uses:` is this repository's action (the rest must be listed in `skip`). */
  isThisAction: (uses: string) => boolean;
  actionDir: string;
  /** Inputs added to every use of this repository's action (e.g. a command that runs the checkout's build). */
  extraInputs?: Record<string, string>;
  /** `uses:` prefixes that set up the runner (checkout, setup-node): skipped, since this machine has them. */
  skip: string[];
}

/** Runs the steps of one job of a workflow. */
export function runJob(job: Job, steps: Step[], options: WorkflowOptions): StepResult[] {
  for (const step of steps) {
    const scope: Scope = { steps: job.steps, env: job.env };
    if (!condition(step.if, scope, job.failed)) {
      record(job, skipped(step.id));
      continue;
    }
    if (step.uses !== undefined) {
      if (options.isThisAction(step.uses)) {
        const inputs = { ...stringify(step.with, scope), ...options.extraInputs };
        runAction(job, options.actionDir, inputs, step.id);
      } else if (options.skip.some((prefix) => step.uses!.startsWith(prefix))) {
        record(job, skipped(step.id));
      } else {
        throw new Error(`uses: ${step.uses} is not emulated`);
      }
    } else {
      record(job, runScript(job, step, scope));
    }
  }
  return job.log;
}
