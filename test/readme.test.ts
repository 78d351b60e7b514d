/**
 * The README's walkthrough runs as written: its code block is extracted, saved as a module inside the
 * repository (so `import 'assistants-mock'` resolves to this package, built by `npm test`'s pretest)
 * and executed; its `assert` calls are the checks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function walkthrough(): string {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.split('### Scripting a tool-calling conversation in a test')[1];
  const match = /```ts\n([\s\S]*?)```/.exec(section ?? '');
  if (!match) throw new Error('walkthrough code block not found in README.md');
  return match[1];
}

describe('README', () => {
  it('the tool-calling walkthrough runs and its assertions hold', () => {
    const code = walkthrough();
    expect(code).toContain("from 'assistants-mock'");
    const dir = `${ROOT}.tmp/readme`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/walkthrough.mts`;
    writeFileSync(file, code);
    try {
      execFileSync(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, stdio: 'pipe', timeout: 30_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
