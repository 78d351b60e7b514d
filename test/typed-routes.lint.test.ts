/**
 * The lint rule that keeps casts of request parts out of src/ (eslint.config.js): run through
 * ESLint's API with the project's own configuration, on snippets that never touch the disk.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function castMessages(code: string, filePath = 'src/example-route.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const HANDLER = (line: string) =>
  `export function handle(request: { body: unknown; params: unknown; query: unknown }): unknown {\n  ${line}\n}\n`;

describe('no casts of request parts (eslint no-restricted-syntax)', () => {
  it.each([
    'return request.body as { name: string };',
    'return (request.params as { thread_id: string }).thread_id;',
    'return request.query as unknown as Record<string, string>;',
    'return <{ a: number }>request.body;',
  ])('fires on `%s`', async (line) => {
    const messages = await castMessages(HANDLER(line));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/No casts of request parts/);
  });

  it('fires on `req.` too', async () => {
    expect(await castMessages('export const f = (req: { headers: unknown }) => req.headers as Record<string, string>;\n')).toHaveLength(1);
  });

  it('lets typed reads and casts of other things by', async () => {
    const code = HANDLER(
      'const value: unknown = request.body;\n  const other = { body: 1 };\n  return [value, other.body as number, request.body];',
    );
    expect(await castMessages(code)).toEqual([]);
  });
});
