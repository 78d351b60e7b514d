/**
 * The GitHub Action (action.yml) run on this machine: its `run:` steps execute in bash as the runner
 * executes them (test/helpers/github-actions.ts), with `command` pointed at this checkout's build
 * (dist/cli.js, made by `npm test`'s pretest) since this version is not on npm. The README's workflow
 * block runs as written, in a small project made here for it.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, cleanEnv } from './helpers/cli-process.js';
import { newJob, readAction, runAction, runJob, type Job, type Step } from './helpers/github-actions.js';

const LOCAL = `${process.execPath} ${CLI}`;
const started: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(-pid, 'SIGKILL');
});

function start(job: Job, inputs: Record<string, string>) {
  const result = runAction(job, ROOT, inputs, 'mock');
  if (result.outputs.pid) started.push(Number(result.outputs.pid));
  return result;
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`);
    return false;
  } catch {
    return true;
  }
}

describe('action.yml', () => {
  it('is a composite action with the inputs and the base-url output the issue names', () => {
    const action = readAction(ROOT);
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['version', 'port', 'scenarios', 'api-key', 'run-mode']));
    expect(action.inputs.version.default).toBe('latest');
    expect(action.outputs['base-url'].value).toContain('steps.start.outputs.base-url');
  });

  it('starts the server with every input, exposes base-url, and its stop step stops it', async () => {
    const job = newJob(cleanEnv(), ROOT);
    const result = start(job, {
      command: LOCAL,
      port: '0',
      scenarios: 'examples/weather.yaml',
      'api-key': 'sk-action',
      'run-mode': 'manual',
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const baseUrl = result.outputs['base-url'];
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const root = baseUrl.slice(0, -'/v1'.length);
    expect(result.outputs.url).toBe(root);
    expect(job.env.ASSISTANTS_MOCK_URL).toBe(root);

    expect((await fetch(`${root}/healthz`)).status).toBe(200);
    const auth = { authorization: 'Bearer sk-action', 'content-type': 'application/json' };
    // api-key: only that key is accepted.
    expect((await fetch(`${baseUrl}/assistants`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${baseUrl}/assistants`, { headers: { authorization: 'Bearer other' } })).status).toBe(401);
    // scenarios: the file's rules are loaded.
    const scenarios = (await (await fetch(`${root}/__admin/scenarios`, { headers: auth })).json()) as { data: { name: string }[] };
    expect(scenarios.data.map((s) => s.name)).toContain('weather');
    // run-mode manual: a run waits in `queued` for /__admin/runs/{id}/advance.
    const assistant = (await (
      await fetch(`${baseUrl}/assistants`, { method: 'POST', headers: auth, body: '{"model":"gpt-4o"}' })
    ).json()) as {
      id: string;
    };
    const run = (await (
      await fetch(`${baseUrl}/threads/runs`, { method: 'POST', headers: auth, body: JSON.stringify({ assistant_id: assistant.id }) })
    ).json()) as { id: string; thread_id: string };
    await new Promise((r) => setTimeout(r, 200));
    const later = (await (await fetch(`${baseUrl}/threads/${run.thread_id}/runs/${run.id}`, { headers: auth })).json()) as {
      status: string;
    };
    expect(later.status).toBe('queued');

    const pid = Number(result.outputs.pid);
    expect(alive(pid)).toBe(true);
    const stop = runAction(job, ROOT, { stop: 'true' });
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toContain('::group::assistants-mock log');
    expect(stop.stdout).toContain('shutdown complete'); // SIGTERM: the clean shutdown, not a kill
    expect(alive(pid)).toBe(false);
    expect(await refused(root)).toBe(true);
  });

  it('runs `npx --yes assistants-mock@VERSION` by default', async () => {
    // A stand-in npx on PATH records its arguments and runs this checkout's CLI with the rest.
    const bin = mkdtempSync(join(tmpdir(), 'am-npx-'));
    const argsFile = join(bin, 'args');
    writeFileSync(
      join(bin, 'npx'),
      `#!/usr/bin/env bash\necho "$@" > ${JSON.stringify(argsFile)}\nshift 2\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const job = newJob(cleanEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }), ROOT);
    const result = start(job, { version: '0.1.0', port: '0' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(argsFile, 'utf8').trim()).toBe(
      '--yes assistants-mock@0.1.0 --port 0 --host 127.0.0.1 --db :memory: --run-mode auto --log-format json',
    );
    expect((await fetch(`${result.outputs.url}/healthz`)).status).toBe(200);
    expect(runAction(job, ROOT, { stop: 'true' }).code).toBe(0);
    expect(await refused(result.outputs.url)).toBe(true);
  });

  it('fails the step with the server output when the server cannot start', () => {
    const job = newJob(cleanEnv(), ROOT);
    const result = start(job, { command: LOCAL, port: '0', 'run-mode': 'sideways' });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain('::error title=assistants-mock::the server exited before it was ready');
    expect(result.stdout).toContain("argument 'sideways' is invalid");
    expect(result.outputs['base-url']).toBe('');
  });

  it('stop with no server started is a no-op', () => {
    const job = newJob(cleanEnv(), ROOT);
    const stop = runAction(job, ROOT, { stop: 'true' });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain('nothing to stop');
  });
});

function readmeWorkflow(): { steps: Step[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Testing in GitHub Actions')[1] ?? '';
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the GitHub Action block is missing from README.md');
  const workflow = parse(block[1]) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(workflow.jobs)[0];
}

describe('README: Testing in GitHub Actions', () => {
  it('the workflow runs as written: the tests see the mock at base-url, then the stop step stops it', async () => {
    // The project the workflow checks out: a scenarios folder and an `npm test` that uses the mock.
    const project = mkdtempSync(join(tmpdir(), 'am-workflow-'));
    mkdirSync(join(project, 'test', 'scenarios'), { recursive: true });
    copyFileSync(join(ROOT, 'examples', 'weather.yaml'), join(project, 'test', 'scenarios', 'weather.yaml'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', scripts: { test: 'node --test' } }));
    writeFileSync(
      join(project, 'package-lock.json'),
      JSON.stringify({
        name: 'app',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'app', version: '1.0.0' } },
      }),
    );
    writeFileSync(
      join(project, 'test', 'mock.test.mjs'),
      `import test from 'node:test';
import assert from 'node:assert/strict';
const base = process.env.OPENAI_BASE_URL;
const headers = { authorization: 'Bearer ' + process.env.OPENAI_API_KEY };
test('the mock answers at OPENAI_BASE_URL with the scenarios of the project', async () => {
  assert.match(base, /^http:\\/\\/127\\.0\\.0\\.1:\\d+\\/v1$/);
  assert.equal((await fetch(base + '/assistants', { headers })).status, 200);
  const rules = await (await fetch(base.replace(/\\/v1$/, '') + '/__admin/scenarios', { headers })).json();
  assert.ok(rules.data.some((rule) => rule.name === 'weather'));
});
`,
    );
    const job = newJob(cleanEnv({ npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }), project);
    const log = runJob(job, readmeWorkflow().steps, {
      isThisAction: (uses) => /\/assistants-mock@/.test(uses),
      actionDir: ROOT,
      extraInputs: { command: LOCAL }, // this checkout instead of the npm release
      skip: ['actions/checkout@', 'actions/setup-node@'],
    });
    const pid = Number(job.steps.mock?.outputs.pid);
    if (pid) started.push(pid);
    const ran = log.filter((s) => !s.skipped);
    for (const step of ran) expect(step.code, step.stdout + step.stderr).toBe(0);
    // the action, npm ci, npm test, the stop step
    expect(ran).toHaveLength(4);
    expect(ran[2].stdout).toMatch(/# pass 1\n/);
    expect(ran[3].stdout).toContain('assistants-mock: stopped');
    expect(alive(pid)).toBe(false);
    expect(await refused(job.steps.mock.outputs.url)).toBe(true);
  });
});
