/**
 * The pytest plugin in python/: its own pytest suite, and the README's "Testing with pytest" block run
 * as written, both against this checkout's build (dist/cli.js, made by `npm test`'s pretest) through
 * ASSISTANTS_MOCK_COMMAND. They need python3 with pytest (.ci/run installs them from Debian when
 * missing); on a developer machine without them the tests are skipped with the reason, in CI they fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, cleanEnv } from './helpers/cli-process.js';

const PYTHON = process.env.PYTHON ?? 'python3';

function probe(code: string): boolean {
  return spawnSync(PYTHON, ['-c', code], { stdio: 'ignore' }).status === 0;
}

const hasPytest = probe('import pytest');
const hasOpenAI = hasPytest && probe('import openai');
const required = process.env.CI === 'true';

function pythonEnv(): Record<string, string> {
  return cleanEnv({
    ASSISTANTS_MOCK_URL: undefined,
    ASSISTANTS_MOCK_COMMAND: `${process.execPath} ${CLI} --port 0 --db :memory: --log-level warn`,
    PYTHONPATH: join(ROOT, 'python', 'src'),
    PYTHONDONTWRITEBYTECODE: '1',
  });
}

function pytest(args: string[]) {
  const run = spawnSync(PYTHON, ['-m', 'pytest', '-p', 'no:cacheprovider', '-rs', ...args], {
    cwd: ROOT,
    env: pythonEnv(),
    encoding: 'utf8',
    timeout: 280_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

function readmeBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Testing with pytest')[1] ?? '';
  const block = /```python\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the pytest block is missing from README.md');
  return block[1];
}

describe.skipIf(!hasPytest && !required)('pytest plugin (python/)', () => {
  it('python3 with pytest is there (CI installs it)', () => {
    expect(hasPytest, `${PYTHON} -c 'import pytest' failed: run .ci/run's install step`).toBe(true);
  });

  it('its own pytest suite passes', { timeout: 300_000 }, () => {
    const { code, output } = pytest(['python/tests']);
    expect(code, output).toBe(0);
    const summary = /=+ (.*) in [\d.]+s/.exec(output)?.[1] ?? '';
    expect(summary, output).toMatch(/^\d+ passed/);
    expect(summary).not.toMatch(/failed|error/);
    // Say what was not run, and why (openai-python missing skips the SDK test).
    if (/skipped/.test(summary)) console.warn(`python/tests: ${summary}\n${output.split('short test summary info')[1] ?? ''}`);
  });

  it.skipIf(!hasOpenAI)("the README's pytest block runs as written (with openai-python)", { timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'am-readme-py-'));
    mkdirSync(join(dir, 'tests'));
    const code = readmeBlock();
    expect(code).toContain('def test_');
    writeFileSync(join(dir, 'tests', 'test_weather.py'), code);
    const run = pytest(['-p', 'pytest_assistants_mock.plugin', join(dir, 'tests')]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/2 passed/);
  });
});

if (!hasOpenAI) console.warn('test/python.test.ts: openai-python is not importable, the README pytest block is skipped');
