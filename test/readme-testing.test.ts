/**
 * The README's "Testing with vitest / node:test / Jest" blocks run as written, each with its own
 * runner: the block is saved into a throw-away project folder inside the repository whose
 * node_modules/assistants-mock links to this package (so `assistants-mock/vitest` resolves through
 * package.json "exports" to the built dist/, as it does for a user), then the runner runs it.
 * Also here: vitest's global setup (one server for the run) and Jest's globalSetup/globalTeardown.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const folders: string[] = [];

/** The first code block of the given language under a README heading. */
function readmeBlock(heading: string, lang: 'ts' | 'js'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section ?? '');
  if (!match) throw new Error(`no ${lang} block under "## ${heading}" in README.md`);
  return match[1];
}

/** A project folder that sees this package as the installed `assistants-mock`. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(ROOT, '.tmp', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules', 'assistants-mock'), 'dir');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  folders.push(dir);
  return dir;
}

/** Runs a command; on failure the error carries the runner's whole output. */
async function runIn(dir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, ...env, ASSISTANTS_MOCK_URL: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 120_000,
    });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const JEST_CONFIG = "export default { testEnvironment: 'node', transform: {}, testMatch: ['**/*.test.mjs'] };\n";

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('README: Testing with ...', () => {
  it('vitest: the block passes under vitest', async () => {
    const dir = project('readme-vitest', {
      'readme.test.ts': readmeBlock('Testing with vitest', 'ts'),
      // Its own (empty) config, or vitest would take the repository's from a parent folder.
      'vitest.config.mjs': 'export default {};\n',
    });
    const out = await runIn(dir, [VITEST, 'run', '--root', dir, 'readme.test.ts']);
    expect(out).toMatch(/Tests\s+3 passed \(3\)/);
  });

  it('node:test: the block passes under node --test', async () => {
    const dir = project('readme-node-test', { 'readme.test.mjs': readmeBlock('Testing with node:test', 'js') });
    const out = await runIn(dir, ['--test', '--test-reporter=spec', 'readme.test.mjs']);
    expect(out).toMatch(/pass 2/);
    expect(out).toMatch(/fail 0/);
  });

  it('Jest: the block passes under Jest (ESM)', async () => {
    const dir = project('readme-jest', { 'readme.test.mjs': readmeBlock('Testing with Jest', 'js'), 'jest.config.mjs': JEST_CONFIG });
    const out = await runIn(dir, ['--experimental-vm-modules', JEST, '--rootDir', dir, '--ci']);
    expect(out).toMatch(/Tests:\s+2 passed, 2 total/);
  });
});

describe('one server for the whole run', () => {
  /** Two test files that each report the server URL they were given, through the runner's assertions. */
  const probe = (n: number, expectation: string) => `
    import { useAssistantsMock } from 'assistants-mock/${expectation.includes('inject') ? 'vitest' : 'jest'}';
    ${expectation.includes('inject') ? "import { expect, inject, it } from 'vitest';" : ''}
    const mock = useAssistantsMock();
    ${expectation.includes('inject') ? 'it' : 'test'}('file ${n} uses the shared server', async () => {
      ${expectation}
      expect((await mock.admin.clock.get()).object).toBe('mock.clock');
    });
  `;

  it('vitest: globalSetup re-exported from assistants-mock/vitest hands its URL to every file', async () => {
    const check = "expect(mock.url).toBe(inject('assistantsMockUrl'));";
    const dir = project('global-vitest', {
      'setup.ts': "export { globalSetup as default } from 'assistants-mock/vitest';\n",
      'vitest.config.mjs': "export default { test: { globalSetup: ['./setup.ts'] } };\n",
      'a.test.ts': probe(1, check),
      'b.test.ts': probe(2, check),
    });
    const out = await runIn(dir, [VITEST, 'run', '--root', dir]);
    expect(out).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it('Jest: globalSetup / globalTeardown from assistants-mock/jest hand the URL to every file in ASSISTANTS_MOCK_URL', async () => {
    const check = 'expect(process.env.ASSISTANTS_MOCK_URL).toMatch(/^http:/); expect(mock.url).toBe(process.env.ASSISTANTS_MOCK_URL);';
    const dir = project('global-jest', {
      'setup.mjs': "export { globalSetup as default } from 'assistants-mock/jest';\n",
      'teardown.mjs': "export { globalTeardown as default } from 'assistants-mock/jest';\n",
      'jest.config.mjs': JEST_CONFIG.replace(
        'transform: {},',
        "transform: {}, globalSetup: './setup.mjs', globalTeardown: './teardown.mjs',",
      ),
      'a.test.mjs': probe(1, check),
      'b.test.mjs': probe(2, check),
    });
    const out = await runIn(dir, ['--experimental-vm-modules', JEST, '--rootDir', dir, '--ci']);
    expect(out).toMatch(/Tests:\s+2 passed, 2 total/);
  });
});
