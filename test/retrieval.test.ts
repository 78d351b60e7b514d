/**
 * Retrieval: text extraction, chunking, the FTS5 MATCH expression, and searchVectorStores over
 * files indexed through the real API (SDK uploads, real SQLite, real FTS5).
 */
import { countTokens } from 'gpt-tokenizer';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/engine/clock.js';
import { chunkText, extractText } from '../src/retrieval/chunking.js';
import { indexPendingFiles } from '../src/retrieval/ingest.js';
import { matchExpression, searchVectorStores } from '../src/retrieval/search.js';
import { tenantOf } from '../src/http/compat.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('extractText', () => {
  it('decodes UTF-8 and drops a byte order mark', () => {
    expect(extractText(Buffer.from('héllo wörld'))).toBe('héllo wörld');
    expect(extractText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('bom')]))).toBe('bom');
  });

  it('refuses invalid UTF-8 and NUL bytes', () => {
    expect(extractText(Buffer.from([0xc3, 0x28]))).toBeUndefined();
    expect(extractText(Buffer.from('text\u0000more'))).toBeUndefined();
  });
});

describe('chunkText', () => {
  const words = Array.from({ length: 3000 }, (_, i) => `word${i}`);
  const text = words.join(' ');

  it('keeps every chunk within max_chunk_size_tokens and as a substring of the text', () => {
    const chunks = chunkText(text, { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(text.includes(chunk)).toBe(true);
      // Each word was counted with a leading space; the chunk's own count can only be lower or equal.
      expect(countTokens(chunk)).toBeLessThanOrEqual(200);
    }
  });

  it('covers the whole text in order, consecutive chunks overlapping', () => {
    const chunks = chunkText(text, { max_chunk_size_tokens: 200, chunk_overlap_tokens: 50 });
    expect(chunks[0].startsWith('word0 ')).toBe(true);
    expect(chunks[chunks.length - 1].endsWith('word2999')).toBe(true);
    for (let i = 1; i < chunks.length; i++) {
      const lastOfPrevious = chunks[i - 1].split(' ').pop()!;
      expect(chunks[i].split(' ')).toContain(lastOfPrevious);
      // ... and always moves forward.
      expect(text.indexOf(chunks[i])).toBeGreaterThan(text.indexOf(chunks[i - 1]));
    }
  });

  it('does not overlap with chunk_overlap_tokens 0', () => {
    const chunks = chunkText(text, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 });
    expect(chunks.join(' ')).toBe(text);
  });

  it('keeps short text whole, returns nothing for blank text, and cuts over-long words', () => {
    expect(chunkText('just a line\n\nand another')).toEqual(['just a line\n\nand another']);
    expect(chunkText('  \n\t ')).toEqual([]);
    const blob = 'x'.repeat(10_000);
    const chunks = chunkText(blob, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 });
    expect(chunks.join('')).toBe(blob);
    for (const chunk of chunks) expect(countTokens(chunk)).toBeLessThanOrEqual(100);
  });
});

describe('matchExpression', () => {
  it('quotes each word, ORs them and drops stop words', () => {
    expect(matchExpression('What is the launch window of the rocket?')).toBe('"launch" OR "window" OR "rocket"');
  });

  it('falls back to stop words when nothing else is left, and gives nothing for no words', () => {
    expect(matchExpression('what is it')).toBe('"what" OR "is" OR "it"');
    expect(matchExpression('  ?!* "" ()  ')).toBeUndefined();
  });

  it('turns FTS5 syntax in user text into plain words', () => {
    expect(matchExpression('NEAR(a b) AND "quoted" OR -x* col:val ^start')).toBe(
      '"near" OR "b" OR "quoted" OR "x" OR "col" OR "val" OR "start"',
    );
  });
});

describe('searchVectorStores', () => {
  let server: TestServer;
  let client: OpenAI;
  let tenant: string;
  let storeId: string;
  let rocketsId: string;
  let catsId: string;

  const rockets = [
    'Rockets reach orbit by accelerating sideways fast enough that the ground curves away beneath them.',
    'A launch window is the period when a rocket can lift off to reach its target orbit.',
    'Multi-stage rockets drop empty tanks so the remaining engines push less mass.',
  ].join('\n\n');
  const cats = [
    'Cats sleep for most of the day and hunt at dawn and dusk.',
    'A cat purrs when content, and sometimes when it is stressed.',
    'Domestic cats descend from the African wildcat.',
  ].join('\n\n');

  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ apiKey: 'retrieval-key', baseURL: server.baseURL, maxRetries: 0 });
    tenant = tenantOf('retrieval-key');
    const store = await client.vectorStores.create({ name: 'mixed' });
    storeId = store.id;
    rocketsId = (await client.vectorStores.files.uploadAndPoll(storeId, await toFile(Buffer.from(rockets), 'rockets.md'))).id;
    catsId = (await client.vectorStores.files.uploadAndPoll(storeId, await toFile(Buffer.from(cats), 'cats.txt'))).id;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('ranks the file that answers the question first', () => {
    const rocketResults = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'How do rockets reach orbit?');
    expect(rocketResults[0]).toMatchObject({ file_id: rocketsId, file_name: 'rockets.md', chunk_index: 0, vector_store_id: storeId });
    expect(rocketResults[0].content).toContain('Rockets reach orbit');

    const catResults = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'why do cats purr');
    expect(catResults[0].file_id).toBe(catsId);
    expect(catResults.every((r) => r.file_id === catsId)).toBe(true);
  });

  it('orders by bm25 when both files match', () => {
    // Both files contain "reach"/"period"-like words; only one is about purring content cats.
    const results = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rockets and cats: which one purrs when content?');
    expect(new Set(results.map((r) => r.file_id))).toEqual(new Set([rocketsId, catsId]));
    expect(results[0].file_id).toBe(catsId);
    expect(results[0].content).toContain('purrs when content');
  });

  it('scores on 0..1, best first, and honours maxResults and scoreThreshold', () => {
    const results = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rocket orbit cats wildcat');
    expect(results.map((r) => r.file_id).sort()).toEqual([catsId, rocketsId].sort());
    expect(results[0].score).toBe(1);
    for (let i = 1; i < results.length; i++) {
      expect(results[i].score).toBeGreaterThan(0);
      expect(results[i].score).toBeLessThanOrEqual(results[i - 1].score);
    }
    expect(searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rocket orbit cats wildcat', { maxResults: 1 })).toHaveLength(1);
    const strict = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rocket orbit cats wildcat', { scoreThreshold: 0.999 });
    expect(strict.every((r) => r.score >= 0.999)).toBe(true);
    expect(strict.length).toBeLessThan(results.length);
  });

  it('finds the right chunk of a long file', async () => {
    const paragraphs = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} talks about ordinary things like tables and chairs.`);
    paragraphs[47] = 'Paragraph 47 hides the secret passphrase: marmalade submarine.';
    const file = await client.vectorStores.files.createAndPoll(storeId, {
      file_id: (await client.files.create({ file: await toFile(Buffer.from(paragraphs.join('\n')), 'long.txt'), purpose: 'assistants' }))
        .id,
      chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } },
    });
    const [best] = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'what is the secret passphrase?');
    expect(best.file_id).toBe(file.id);
    expect(best.chunk_index).toBeGreaterThan(0);
    expect(best.content).toContain('marmalade submarine');
  });

  it('searches only the given stores and files, and only the caller’s tenant', async () => {
    const empty = await client.vectorStores.create({});
    expect(searchVectorStores(server.app.ctx.db, tenant, [empty.id], 'rockets')).toEqual([]);
    expect(searchVectorStores(server.app.ctx.db, tenant, [], 'rockets')).toEqual([]);
    expect(searchVectorStores(server.app.ctx.db, tenantOf('someone-else'), [storeId], 'rockets')).toEqual([]);
    const onlyCats = searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rockets cats', { fileIds: [catsId] });
    expect(onlyCats.length).toBeGreaterThan(0);
    expect(onlyCats.every((r) => r.file_id === catsId)).toBe(true);
  });

  it('never lets query text break the FTS5 syntax', () => {
    const hostile = ['"', '""', 'NEAR(', 'a AND', 'OR OR', '*', '-', 'col:', '(((', "'; DROP TABLE chunks; --", '^', '\u0000', ''];
    for (const q of hostile) expect(() => searchVectorStores(server.app.ctx.db, tenant, [storeId], q)).not.toThrow();
    expect(searchVectorStores(server.app.ctx.db, tenant, [storeId], 'rocket" OR "cats')[0]).toBeDefined();
  });

  it('serves the same search at POST /vector_stores/{id}/search, with attribute filters', async () => {
    await client.vectorStores.files.update(storeId, catsId, { attributes: { topic: 'animals', year: 2020 } });
    await client.vectorStores.files.update(storeId, rocketsId, { attributes: { topic: 'space', year: 2024 } });

    const page = await client.vectorStores.search(storeId, { query: 'rockets orbit' });
    expect(page.data[0]).toMatchObject({ file_id: rocketsId, filename: 'rockets.md', attributes: { topic: 'space', year: 2024 } });
    expect(page.data[0].content[0].type).toBe('text');

    const filtered = await client.vectorStores.search(storeId, {
      query: 'rockets orbit cats',
      filters: {
        type: 'and',
        filters: [
          { type: 'eq', key: 'topic', value: 'animals' },
          { type: 'lt', key: 'year', value: 2021 },
        ],
      },
    });
    expect(filtered.data.length).toBeGreaterThan(0);
    expect(filtered.data.every((r) => r.file_id === catsId)).toBe(true);

    const none = await client.vectorStores.search(storeId, { query: 'rockets', filters: { type: 'eq', key: 'topic', value: 'nothing' } });
    expect(none.data).toEqual([]);
  });
});

describe('indexPendingFiles', () => {
  it('indexes waiting files at once, so a search right after attaching finds them', async () => {
    const server = await startTestServer({ clock: new ManualClock() });
    try {
      const client = new OpenAI({ apiKey: 'pending-key', baseURL: server.baseURL, maxRetries: 0 });
      const file = await client.files.create({
        file: await toFile(Buffer.from('the vault opens at noon'), 'vault.txt'),
        purpose: 'assistants',
      });
      const store = await client.vectorStores.create({ file_ids: [file.id] });
      const tenant = tenantOf('pending-key');
      // The clock stands still, so the scheduled job has not run.
      expect(searchVectorStores(server.app.ctx.db, tenant, [store.id], 'vault')).toEqual([]);
      expect(server.app.ctx.scheduler.has(`vsfile:${tenant}:${store.id}:${file.id}`)).toBe(true);

      indexPendingFiles(server.app.ctx, tenant, [store.id]);
      expect(server.app.ctx.scheduler.has(`vsfile:${tenant}:${store.id}:${file.id}`)).toBe(false);
      expect(searchVectorStores(server.app.ctx.db, tenant, [store.id], 'vault')[0]?.file_id).toBe(file.id);
      expect((await client.vectorStores.retrieve(store.id)).status).toBe('completed');
      // Another tenant cannot trigger indexing of this store's files.
      indexPendingFiles(server.app.ctx, tenantOf('intruder'), [store.id]);
    } finally {
      await server.stop();
    }
  });
});
