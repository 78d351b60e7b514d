/**
 * The journal's byte store (src/admin/journal-log.ts): what goes in comes back out exactly (texts in any
 * script, a stream's summary, a run), across chunk boundaries and entries larger than a chunk, with the
 * byte count the budget relies on, and chunks reused once their entries are dropped.
 */
import { describe, expect, it } from 'vitest';
import { SpareChunks, TenantLog, type RecordedRequest } from '../src/admin/journal-log.js';
import { StreamSummary } from '../src/streaming/stream-summary.js';

const request = (n: number, bodyChars = 40): RecordedRequest => ({
  id: `req_${n}`,
  method: n % 2 ? 'POST' : 'GET',
  url: `/v1/threads/thread_${n}/messages?order=asc&q=%E2%9C%93`,
  headers: { host: '127.0.0.1', 'user-agent': `sdk/${n} café`, 'x-list': ['a', 'b'] },
  body: JSON.stringify({ role: 'user', content: `${'é✓😀中'.repeat(Math.ceil(bodyChars / 5))}`.slice(0, bodyChars), n }),
  body_truncated: false,
  response: JSON.stringify({ id: `msg_${n}`, text: 'Grüße 👋' }, null, 2),
  response_truncated: n % 7 === 0,
  status: 200 + (n % 3),
  duration_ms: n / 8,
  timestamp: 1_796_140_000_000 + n,
});

/** What read() gives back for `r` recorded as arrival `seq`. */
const expected = (r: RecordedRequest, seq: number) => ({
  seq,
  id: r.id,
  method: r.method,
  url: r.url,
  headers: r.headers,
  body: r.body,
  body_truncated: r.body_truncated,
  response: r.response,
  response_truncated: r.response_truncated ?? false,
  status: r.status,
  duration_ms: r.duration_ms,
  timestamp: r.timestamp,
  run: r.run,
});

describe('TenantLog', () => {
  it('reads back exactly what was written: any script, headers with lists, a run, a stream summary, nothing', () => {
    const log = new TenantLog(new SpareChunks());
    const plain = request(1);
    const withRun: RecordedRequest = { ...request(2), run: { runId: 'run_abc', fromTurn: 3 } };
    const summary = new StreamSummary();
    for (const event of ['thread.run.created', 'thread.message.delta', 'thread.message.delta', 'done']) summary.note(event);
    const streamed: RecordedRequest = { ...request(3), response: summary };
    const bare: RecordedRequest = {
      id: 'req_4',
      method: 'DELETE',
      url: '/v1/x',
      headers: {},
      body_truncated: true,
      status: 404,
      duration_ms: 0,
      timestamp: 0,
    };
    [plain, withRun, streamed, bare].forEach((r, i) => log.append(r, 10 + i));

    expect(log.read(0)).toEqual(expected(plain, 10));
    expect(log.read(1)).toEqual(expected(withRun, 11));
    expect(log.read(2)).toEqual({
      ...expected(streamed, 12),
      response: {
        object: 'mock.stream_summary',
        events: 4,
        sequence: [
          { event: 'thread.run.created', count: 1 },
          { event: 'thread.message.delta', count: 2 },
          { event: 'done', count: 1 },
        ],
        sequence_truncated: false,
      },
    });
    expect(log.read(3)).toEqual({ ...expected(bare, 13), body: undefined, response: undefined, response_truncated: false, run: undefined });
    expect([0, 1, 2, 3].map((i) => log.seqAt(i))).toEqual([10, 11, 12, 13]);
  });

  it('keeps the answer text itself, not a copy', () => {
    const log = new TenantLog(new SpareChunks());
    const answer = JSON.stringify({ page: 'x'.repeat(10_000) });
    log.append({ ...request(1), response: answer }, 1);
    expect(log.read(0).response).toBe(answer);
  });

  it('spans many chunks and entries larger than one, counts their bytes, and drops the oldest in order', () => {
    const log = new TenantLog(new SpareChunks());
    const written: { r: RecordedRequest; size: number }[] = [];
    let held = 0;
    for (let n = 0; n < 1500; n++) {
      // Every 97th body is 70,000 characters: larger than a chunk (64 KiB) even before UTF-8.
      const r = request(n, n % 97 === 0 ? 70_000 : 20 + (n % 300));
      const size = log.append(r, n);
      written.push({ r, size });
      held += size;
    }
    // A size is the UTF-8 of every text plus 60 bytes, the answer counted by its length.
    const sizeOf = (r: RecordedRequest) =>
      60 +
      [r.id, r.method, r.url, JSON.stringify(r.headers), r.body ?? ''].reduce((n, text) => n + Buffer.byteLength(text), 0) +
      (typeof r.response === 'string' ? r.response.length : 0);
    expect(written.map((w) => w.size)).toEqual(written.map((w) => sizeOf(w.r)));
    expect(log.sizeAt(0)).toBe(written[0].size);

    let dropped = 0;
    for (const count of [1, 250, 97, 400]) {
      held -= log.dropOldest(count);
      dropped += count;
    }
    expect(held).toBe(written.slice(dropped).reduce((n, w) => n + w.size, 0));
    expect(log.length).toBe(1500 - dropped);
    for (let i = 0; i < log.length; i++) expect(log.read(i)).toEqual(expected(written[dropped + i].r, dropped + i));

    // Emptied, it starts over and still reads right.
    expect(log.dropOldest(log.length)).toBe(held);
    expect(log.length).toBe(0);
    log.append(request(9999), 9999);
    expect(log.read(0)).toEqual(expected(request(9999), 9999));
  });

  it('reuses the full-size chunks that dropped entries freed, up to the spare limit', () => {
    const spares = new SpareChunks();
    const log = new TenantLog(spares);
    for (let n = 0; n < 3000; n++) log.append(request(n, 400), n);
    expect(spares.count).toBe(0);
    log.dropOldest(2000);
    const freed = spares.count;
    expect(freed).toBeGreaterThan(5);
    for (let n = 3000; n < 3400; n++) log.append(request(n, 400), n);
    expect(spares.count).toBeLessThan(freed);
    expect(log.read(log.length - 1).id).toBe('req_3399');
    // Another tenant's log takes them too; a forgotten log gives all its chunks back, 64 at most kept.
    const other = new TenantLog(spares);
    for (let n = 0; n < 20_000; n++) other.append(request(n, 400), n);
    other.dropOldest(other.length);
    expect(spares.count).toBe(64);
  });
});
