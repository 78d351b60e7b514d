/**
 * The layer rule (eslint.layers.js) must bite: ESLint's own API lints in-memory files placed in each
 * layer, importing upward and downward, with the project's real configuration. A rule that stopped
 * matching (a renamed folder, a regex typo) would let every upward import through silently.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The layer-rule messages ESLint reports for `code` as if it were the file `path`. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const importing = (specifier: string, name = 'x') => `import { ${name} } from '${specifier}';\nexport const y = ${name};\n`;

describe('layer rule', () => {
  it.each([
    ['src/store/new-table.ts', '../engine/run-engine.js', 'The store imports nothing above it'],
    ['src/store/new-table.ts', '../domain/tools.js', 'The store imports nothing above it'],
    ['src/domain/runs/new-rule.ts', '../../engine/scheduler.js', 'The domain depends only on the store'],
    ['src/domain/runs/new-rule.ts', '../../http/routes/threads/runs/runs.js', 'The domain depends only on the store'],
    ['src/domain/runs/new-rule.ts', '../../context.js', 'The domain depends only on the store'],
    ['src/domain/runs/new-rule.ts', '../../brains/defaults.js', 'The domain is below the brains'],
    ['src/retrieval/new-index.ts', '../admin/journal.js', 'The domain depends only on the store'],
    ['src/brains/new-brain.ts', '../engine/run-engine.js', 'A brain decides a turn'],
    ['src/brains/new-brain.ts', '../streaming/event-bus.js', 'A brain decides a turn'],
    ['src/engine/new-phase.ts', '../http/routes/threads/runs/runs.js', 'below HTTP and the control API'],
    ['src/engine/new-phase.ts', '../admin/journal.js', 'below HTTP and the control API'],
    ['src/streaming/new-stream.ts', '../server.js', 'below HTTP and the control API'],
    ['src/http/request-hooks.ts', '../admin/auth.js', 'beside admin/'],
    ['src/admin/new-route.ts', '../server.js', 'admin/ is below the app factory'],
  ])('%s may not import %s', async (path, specifier, message) => {
    const errors = await layerErrors(path, importing(specifier));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it.each([
    ['src/http/routes/new-route.ts', '../../engine/run-engine.js'],
    ['src/admin/new-route.ts', '../http/compat.js'],
    ['src/engine/new-phase.ts', '../brains/defaults.js'],
    ['src/engine/new-phase.ts', '../domain/runs/serializers.js'],
    ['src/brains/new-brain.ts', '../domain/tools.js'],
    ['src/domain/runs/new-rule.ts', '../../store/runs.js'],
    ['src/domain/runs/new-rule.ts', '../../retrieval/search.js'],
    ['src/domain/runs/new-rule.ts', '../../brains/tokens.js'],
    ['src/store/new-table.ts', '../util/ids.js'],
    ['src/store/new-table.ts', '../domain/errors.js'],
  ])('%s may import %s', async (path, specifier) => {
    expect(await layerErrors(path, importing(specifier))).toEqual([]);
  });

  it('lets the store import the type of who answered a turn, and no code of the brains', async () => {
    const typeOnly = "import type { AnsweredBy } from '../brains/types.js';\nexport type T = AnsweredBy;\n";
    expect(await layerErrors('src/store/new-table.ts', typeOnly)).toEqual([]);
    expect(await layerErrors('src/store/new-table.ts', importing('../brains/defaults.js'))).toHaveLength(1);
  });
});
