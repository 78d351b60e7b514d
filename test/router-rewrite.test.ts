/**
 * Each API route is registered once (src/http/router-rewrite.ts): the router is shown /openai as /v1
 * and HEAD as GET. What these tests hold: the router keeps no /openai and no HEAD routes (so the
 * start-up saving cannot silently come back), and Azure and HEAD requests still answer as they did
 * when the routes were registered twice and Fastify added HEAD twins: status, headers and body, the
 * Azure surface's rules, journal, faults and error texts quoting what the client sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import { azureAsV1 } from '../src/http/router-rewrite.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { sendRaw, type RawAnswer } from './helpers/raw-http.js';

const KEY = 'sk-router-rewrite';
const V2 = 'api-version=2024-05-01-preview';
const V1 = 'api-version=2024-02-15-preview';
const AZURE = { 'api-key': KEY };
const OPENAI = { authorization: `Bearer ${KEY}` };

/** Headers that differ between any two answers. */
const VOLATILE = ['date', 'x-request-id', 'openai-processing-ms', 'keep-alive', 'connection'];
function stableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !VOLATILE.includes(name)));
}

describe('the router is shown /openai as /v1', () => {
  it('rewrites only a first segment the router reads as `openai`, leaving the rest as sent', () => {
    expect(azureAsV1('/openai/threads?api-version=x')).toBe('/v1/threads?api-version=x');
    expect(azureAsV1('/openai')).toBe('/v1');
    expect(azureAsV1('/openai?x=1')).toBe('/v1?x=1');
    expect(azureAsV1('/openai/')).toBe('/v1/');
    expect(azureAsV1('//openai//threads')).toBe('//v1//threads');
    expect(azureAsV1('/%6Fpenai/threads')).toBe('/v1/threads');
    expect(azureAsV1('/%6f%70enai/threads/%2F/runs')).toBe('/v1/threads/%2F/runs');
    expect(azureAsV1('/openai#x')).toBe('/v1#x');
    expect(azureAsV1('http://host:1/openai/threads')).toBe('http://host:1/v1/threads');
    for (const other of [
      '/v1/threads',
      '/openai%2Fthreads',
      '/OpenAI/threads',
      '/openaix',
      '/v1/openai',
      '/%zzopenai',
      '/',
      '',
      'openai',
      '/__admin/x',
    ]) {
      expect(azureAsV1(other), other).toBeUndefined();
    }
  });
});

describe('each route registered once: Azure and HEAD requests answer as before', () => {
  let server: TestServer;
  let assistantId: string;
  let threadId: string;
  let fileId: string;
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<RawAnswer> =>
    sendRaw(server.port, method, path, headers, body);

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY] });
    assistantId = (await send('POST', `/openai/assistants?${V1}`, AZURE, { model: 'gpt-4o', name: 'azure' })).body.id as string;
    threadId = (await send('POST', `/v1/threads`, OPENAI, {})).body.id as string;
    const upload = new FormData();
    upload.append('purpose', 'batch');
    upload.append('file', new Blob(['hello world']), 'a.jsonl');
    const response = await fetch(`${server.url}/v1/files`, { method: 'POST', headers: OPENAI, body: upload });
    fileId = ((await response.json()) as { id: string }).id;
  });
  afterAll(async () => server.stop());

  it('keeps no /openai route and no HEAD route in the router, but lists both in app.registeredRoutes', () => {
    const tree = server.app.printRoutes({ commonPrefix: false });
    expect(tree).toContain('v1/');
    expect(tree).not.toContain('openai');
    expect(tree).not.toMatch(/\bHEAD\b/);
    expect(server.app.hasRoute({ method: 'GET', url: '/openai/threads/:thread_id' })).toBe(false);
    expect(server.app.hasRoute({ method: 'HEAD', url: '/v1/threads/:thread_id' })).toBe(false);
    expect(server.app.hasRoute({ method: 'GET', url: '/v1/threads/:thread_id' })).toBe(true);
    const listed = server.app.registeredRoutes.map((r) => `${r.method} ${r.url} ${r.surface}`);
    expect(listed).toEqual(
      expect.arrayContaining([
        'GET /v1/threads/:thread_id openai',
        'HEAD /v1/threads/:thread_id openai',
        'GET /openai/threads/:thread_id azure',
        'HEAD /openai/threads/:thread_id azure',
        'HEAD /healthz other',
      ]),
    );
  });

  it('answers an Azure request under any spelling the router reads as /openai, with the Azure rules', async () => {
    const plain = await send('GET', `/openai/threads/${threadId}?${V2}`, AZURE);
    expect(plain.status).toBe(200);
    expect(plain.body.id).toBe(threadId);
    const spellings = [
      `//openai//threads/${threadId}?${V2}`,
      `/openai/threads/${threadId}/?${V2}`,
      `/%6Fpenai/threads/${threadId}?${V2}`,
      `/%6f%70enai/threads/%74${threadId.slice(1)}?${V2}`,
      `http://localhost/openai/threads/${threadId}?${V2}`,
    ];
    for (const path of spellings) {
      const answer = await send('GET', path, AZURE);
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).toBe(plain.text);
      // The Azure surface: api-version is required, whatever the spelling.
      const noVersion = await send('GET', path.replace(/[?&]api-version=[^&]*/, ''), AZURE);
      expect(noVersion.status, path).toBe(400);
      expect(noVersion.body.error?.message, path).toMatch(/api-version/);
    }
    // Not read as /openai by the router: unknown routes, quoted as sent.
    for (const path of [`/openai%2Fthreads/${threadId}`, `/OpenAI/threads/${threadId}`]) {
      const answer = await send('GET', `${path}?${V2}`, AZURE);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error?.message).toBe(`Invalid URL (GET ${path})`);
    }
  });

  it('decides v1 or v2 by api-version on /openai and by OpenAI-Beta on /v1; a header never makes /v1 Azure', async () => {
    // Assistant files exist in v1 only.
    expect((await send('GET', `/openai/assistants/${assistantId}/files?${V1}`, AZURE)).status).toBe(200);
    expect((await send('GET', `/openai/assistants/${assistantId}/files?${V2}`, AZURE)).status).toBe(400);
    expect((await send('GET', `/openai/assistants/${assistantId}/files?${V1}`, { ...AZURE, 'openai-beta': 'assistants=v2' })).status).toBe(
      200,
    );
    // On /v1 the api-version query and the api-key header do not make an Azure request.
    const v1 = await send('GET', `/v1/assistants/${assistantId}/files?${V1}`, { ...AZURE, 'x-original-url': '/openai/assistants' });
    expect(v1.status).toBe(400);
    expect((await send('GET', `/v1/assistants/${assistantId}/files`, { ...OPENAI, 'openai-beta': 'assistants=v1' })).status).toBe(200);
    // Fields of the other version are unknown parameters, by the Azure api-version.
    const foreign = await send('POST', `//openai/assistants?${V2}`, AZURE, { model: 'gpt-4o', file_ids: [] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error?.code).toBe('unknown_parameter');
    expect((await send('POST', `//openai/assistants?${V1}`, AZURE, { model: 'gpt-4o', file_ids: [] })).status).toBe(200);
  });

  it('answers a HEAD as the GET would, without a body, on every surface', async () => {
    const paths: [string, Record<string, string>][] = [
      ['/healthz', {}],
      ['/docs', {}],
      ['/openapi.json', {}],
      ['/v1/assistants', OPENAI],
      [`/v1/threads/${threadId}`, OPENAI],
      [`//openai//threads/${threadId}?${V2}`, AZURE],
      [`/openai/threads/${threadId}`, AZURE], // 400: no api-version
      [`/v1/files/${fileId}/content`, OPENAI], // octet-stream
      [`/openai/files/${fileId}/content?${V2}`, AZURE],
      ['/v1/threads/thread_nope', OPENAI], // 404 of the handler
      ['/v1/assistants', {}], // 401
      ['/__admin/requests/count', OPENAI],
    ];
    for (const [path, headers] of paths) {
      const get = await send('GET', path, headers);
      const head = await send('HEAD', path, headers);
      expect(head.status, path).toBe(get.status);
      expect(head.text, path).toBe('');
      expect(stableHeaders(head.headers), path).toEqual(stableHeaders(get.headers));
      expect(Number(head.headers['content-length']), path).toBe(Buffer.byteLength(get.text));
    }
  });

  it('quotes the method and path the client sent in the texts of unknown routes', async () => {
    const unknown = await send('GET', `//openai/nothing/here?${V2}`, AZURE);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.message).toBe('Invalid URL (GET //openai/nothing/here)');
    const wrongMethod = await send('DELETE', `/openai/threads?${V2}`, AZURE);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error?.message).toBe('Invalid method for URL (DELETE /openai/threads)');
    const broken = await send('GET', `/openai/threads/%zz?${V2}`, AZURE);
    expect(broken.status).toBe(400);
    expect(broken.body.error?.message).toBe('Invalid URL (GET /openai/threads/%zz): the path is not valid.');
    // A HEAD's text is not sent, but its length is: it quotes HEAD, not the GET the router saw.
    for (const path of [`/openai/threads/%zz?${V2}`, `/openai/nothing?${V2}`, `/openai/threads?${V2}`]) {
      const get = await send('GET', path, AZURE);
      const head = await send('HEAD', path, AZURE);
      expect(head.status, path).toBe(get.status);
      expect(Number(head.headers['content-length']), path).toBe(Buffer.byteLength(get.text.replace('(GET ', '(HEAD ')));
    }
  });

  it('journals and faults an Azure or HEAD request by what the client sent', async () => {
    await send('DELETE', '/__admin/requests', OPENAI);
    const fault = await send('POST', '/__admin/faults', OPENAI, { path: '/openai/threads/*', method: 'HEAD', status: 503 });
    expect(fault.status).toBe(200);
    expect((await send('HEAD', `//openai//threads/${threadId}?${V2}`, AZURE)).status).toBe(503);
    expect((await send('GET', `//openai//threads/${threadId}?${V2}`, AZURE)).status).toBe(200);
    expect((await send('HEAD', `/v1/threads/${threadId}`, OPENAI)).status).toBe(200);
    await send('DELETE', '/__admin/faults', OPENAI);
    const journal = (await send('GET', '/__admin/requests', OPENAI)).body.data as {
      method: string;
      path: string;
      query: unknown;
      status: number;
    }[];
    expect(journal.slice(0, 3).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      `HEAD /v1/threads/${threadId} 200`,
      `GET //openai//threads/${threadId} 200`,
      `HEAD //openai//threads/${threadId} 503`,
    ]);
    expect(journal[1].query).toEqual({ 'api-version': '2024-05-01-preview' });
  });
});
