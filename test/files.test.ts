/**
 * /v1/files through the official SDKs (4.x as `openai`, 7.x as `openai-v7`): upload, list,
 * retrieve, content byte for byte, delete, the size limit and the purpose check, tenant isolation.
 */
import { randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import OpenAIv7, { toFile as toFileV7 } from 'openai-v7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let v4: OpenAI;
let v7: OpenAIv7;

beforeAll(async () => {
  server = await startTestServer();
  v4 = new OpenAI({ apiKey: 'files-key-a', baseURL: server.baseURL, maxRetries: 0 });
  v7 = new OpenAIv7({ apiKey: 'files-key-a', baseURL: server.baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await server?.stop();
});

/** A multipart POST /v1/files with raw fetch, to see status, headers and the exact error body. */
async function rawUpload(base: string, fields: Record<string, string>, file?: { name: string; data: Buffer }, key = 'files-key-a') {
  const form = new FormData();
  if (file) form.append('file', new Blob([file.data]), file.name);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${base}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  return { response, text: await response.text() };
}

describe('upload and read back', () => {
  it('uploads a text file and returns the file object of the spec', async () => {
    const file = await v4.files.create({ file: await toFile(Buffer.from('hello, files'), 'hello.txt'), purpose: 'assistants' });
    expect(file).toEqual({
      id: expect.stringMatching(/^file-[A-Za-z0-9]{24}$/),
      object: 'file',
      bytes: 12,
      created_at: expect.any(Number),
      filename: 'hello.txt',
      purpose: 'assistants',
      status: 'processed',
      status_details: null,
      expires_at: null,
    });
    expect(Math.abs(file.created_at - Date.now() / 1000)).toBeLessThan(60);
    expect(await v4.files.retrieve(file.id)).toEqual(file);
  });

  it('returns binary content byte for byte (SDK 4.x and 7.x)', async () => {
    // Every byte value, then random bytes: invalid UTF-8, NULs, CR/LF, all must survive.
    const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(64 * 1024)]);
    // A batch upload: the real API keeps assistants and user_data uploads' bytes private (test/fidelity-misc.sdk.test.ts).
    const file = await v7.files.create({ file: await toFileV7(data, 'blob.bin'), purpose: 'batch' });
    expect(file.bytes).toBe(data.length);

    const viaV7 = Buffer.from(await (await v7.files.content(file.id)).arrayBuffer());
    expect(viaV7.equals(data)).toBe(true);
    const viaV4 = Buffer.from(await (await v4.files.content(file.id)).arrayBuffer());
    expect(viaV4.equals(data)).toBe(true);

    const raw = await fetch(`${server.baseURL}/files/${file.id}/content`, { headers: { authorization: 'Bearer files-key-a' } });
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(Number(raw.headers.get('content-length'))).toBe(data.length);
  });

  it('keeps an empty file and a unicode file name', async () => {
    const file = await v4.files.create({ file: await toFile(Buffer.alloc(0), 'résumé 2024.md'), purpose: 'vision' });
    expect(file.bytes).toBe(0);
    expect(file.filename).toBe('résumé 2024.md');
    const content = Buffer.from(await (await v4.files.content(file.id)).arrayBuffer());
    expect(content.length).toBe(0);
  });

  it('sets expires_at from expires_after (anchor created_at)', async () => {
    const { response, text } = await rawUpload(
      server.baseURL,
      { purpose: 'batch', 'expires_after[anchor]': 'created_at', 'expires_after[seconds]': '3600' },
      { name: 'b.jsonl', data: Buffer.from('{}\n') },
    );
    expect(response.status).toBe(200);
    const file = JSON.parse(text) as { created_at: number; expires_at: number };
    expect(file.expires_at).toBe(file.created_at + 3600);
  });
});

describe('list', () => {
  it('filters by purpose, pages with limit/after, and orders by creation', async () => {
    const other = new OpenAI({ apiKey: 'files-key-list', baseURL: server.baseURL, maxRetries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const purpose = i % 2 === 0 ? 'assistants' : 'vision';
      ids.push((await other.files.create({ file: await toFile(Buffer.from(`file ${i}`), `f${i}.txt`), purpose })).id);
    }
    const all = await other.files.list();
    expect(all.data.map((f) => f.id)).toEqual([...ids].reverse());
    expect(all.has_more).toBe(false);

    const vision = await other.files.list({ purpose: 'vision' });
    expect(vision.data.map((f) => f.id)).toEqual([ids[3], ids[1]]);

    // limit=2 pages through everything via `after` (the SDK's auto-pagination).
    const seen: string[] = [];
    for await (const f of other.files.list({ limit: 2, order: 'asc' })) seen.push(f.id);
    expect(seen).toEqual(ids);

    const first = await other.files.list({ limit: 2, order: 'asc' });
    expect(first.has_more).toBe(true);
    expect(first.data.map((f) => f.id)).toEqual(ids.slice(0, 2));
  });

  it('refuses a limit above 10000', async () => {
    const response = await fetch(`${server.baseURL}/files?limit=10001`, { headers: { authorization: 'Bearer files-key-a' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; code: string } };
    expect(body.error.param).toBe('limit');
    expect(body.error.code).toBe('integer_above_max_value');
  });
});

describe('delete', () => {
  it('deletes a file; afterwards it is gone from retrieve, content and list', async () => {
    const file = await v4.files.create({ file: await toFile(Buffer.from('bye'), 'bye.txt'), purpose: 'assistants' });
    expect(await v4.files.del(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(v4.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(v4.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(v7.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    const list = await v4.files.list();
    expect(list.data.some((f) => f.id === file.id)).toBe(false);
  });

  it('refuses a path id that is not a file id with 400', async () => {
    await expect(v4.files.retrieve('vs_abc')).rejects.toMatchObject({ status: 400 });
  });
});

describe('errors', () => {
  it('refuses an unknown purpose with the real text', async () => {
    const { response, text } = await rawUpload(server.baseURL, { purpose: 'answers' }, { name: 'a.txt', data: Buffer.from('x') });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(text)).toEqual({
      error: {
        message: "'answers' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals'] - 'purpose'",
        type: 'invalid_request_error',
        param: 'purpose',
        code: 'invalid_value',
      },
    });
    // Pretty-printed like every other body.
    expect(text).toContain('\n  "error": {');

    // The SDK surfaces it as a BadRequestError.
    const purpose = 'answers' as unknown as 'assistants';
    await expect(v4.files.create({ file: await toFile(Buffer.from('x'), 'a.txt'), purpose })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });

  it('requires file and purpose', async () => {
    const noFile = await rawUpload(server.baseURL, { purpose: 'assistants' });
    expect(noFile.response.status).toBe(400);
    expect(JSON.parse(noFile.text).error).toMatchObject({ param: 'file', code: 'missing_required_parameter' });

    const noPurpose = await rawUpload(server.baseURL, {}, { name: 'a.txt', data: Buffer.from('x') });
    expect(noPurpose.response.status).toBe(400);
    expect(JSON.parse(noPurpose.text).error).toEqual({
      message: "Missing required parameter: 'purpose'.",
      type: 'invalid_request_error',
      param: 'purpose',
      code: 'missing_required_parameter',
    });
  });

  it('answers 413 in the OpenAI error shape above the upload limit, and accepts a file at the limit', async () => {
    const small = await startTestServer({ uploadLimitBytes: 1024 });
    try {
      const atLimit = await rawUpload(small.baseURL, { purpose: 'assistants' }, { name: 'ok.txt', data: Buffer.alloc(1024, 97) });
      expect(atLimit.response.status).toBe(200);

      const tooBig = await rawUpload(small.baseURL, { purpose: 'assistants' }, { name: 'big.txt', data: Buffer.alloc(4096, 97) });
      expect(tooBig.response.status).toBe(413);
      const body = JSON.parse(tooBig.text) as { error: { message: string; type: string; param: null; code: null } };
      expect(Object.keys(body.error)).toEqual(['message', 'type', 'param', 'code']);
      expect(body.error.message).toMatch(/^Maximum content size limit \(1024\) exceeded \(\d+ bytes read\)$/);
      expect(tooBig.response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);

      const client = new OpenAI({ apiKey: 'files-key-a', baseURL: small.baseURL, maxRetries: 0 });
      const error = await client.files
        .create({ file: await toFile(Buffer.alloc(8192, 98), 'big.txt'), purpose: 'assistants' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
      // Nothing was stored.
      expect((await client.files.list()).data.map((f) => f.filename)).toEqual(['ok.txt']);
    } finally {
      await small.stop();
    }
  });
});

describe('tenants', () => {
  it('hides one API key’s files from another', async () => {
    const file = await v4.files.create({ file: await toFile(Buffer.from('secret'), 'secret.txt'), purpose: 'assistants' });
    const other = new OpenAI({ apiKey: 'files-key-b', baseURL: server.baseURL, maxRetries: 0 });
    await expect(other.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.files.del(file.id)).rejects.toMatchObject({ status: 404 });
    expect((await other.files.list()).data.some((f) => f.id === file.id)).toBe(false);
    // Still there for its owner.
    expect((await v4.files.retrieve(file.id)).id).toBe(file.id);
  });
});
