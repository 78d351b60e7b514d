/**
 * examples/model-backend/demo.mjs as its README tells it: the built CLI with a model backend (aimock
 * plays the model) recording to a file, then the same CLI with only SCENARIOS=that file and no model:
 * the demo prints the same conversation both times.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startAimock, type Aimock } from './helpers/aimock.js';
import { ROOT, cleanEnv, killAll, runCli } from './helpers/cli-process.js';

const exec = promisify(execFile);
const DEMO = join(ROOT, 'examples/model-backend/demo.mjs');
let dir: string;
let aimock: Aimock;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'am-demo-'));
  aimock = await startAimock();
  aimock.mock.onMessage('weather in Paris', { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] });
  aimock.mock.prependFixture({
    match: { predicate: (req) => req.messages.at(-1)?.role === 'tool' },
    response: { content: 'It is 18°C and sunny in Paris right now.' },
  });
});
afterEach(killAll);
afterAll(async () => {
  await aimock.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function demo(env: Record<string, string>): Promise<string> {
  const cli = runCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn'], { cwd: dir, env: cleanEnv(env) });
  const { url } = await cli.ready;
  try {
    const { stdout } = await exec(process.execPath, [DEMO], { env: cleanEnv({ ASSISTANTS_MOCK_URL: `${url}/v1` }), timeout: 20_000 });
    return stdout;
  } finally {
    cli.signal('SIGTERM');
    await cli.exited;
  }
}

const CONVERSATION =
  'user: What is the weather in Paris right now?\n' +
  'assistant: [get_weather({"city":"Paris"}) -> {"city":"Paris","temperature_c":18,"sky":"sunny"}] It is 18°C and sunny in Paris right now.\n' +
  '(run completed)\n';

it('rehearsed with a model and recorded, then given offline from the recording', async () => {
  const recording = join(dir, 'demo.yaml');
  const online = await demo({ MODEL_BACKEND_URL: aimock.baseURL, MODEL_MAP: '*=aimock', RECORD_TO: recording });
  expect(online).toBe(CONVERSATION);
  expect(aimock.chatRequests()).toHaveLength(2);
  const offline = await demo({ SCENARIOS: recording });
  expect(offline).toBe(online);
  expect(aimock.chatRequests()).toHaveLength(2);
});

it('the shipped recording (examples/model-backend/recorded.yaml) gives the demo offline', async () => {
  expect(await demo({ SCENARIOS: join(ROOT, 'examples/model-backend/recorded.yaml') })).toBe(CONVERSATION);
});
