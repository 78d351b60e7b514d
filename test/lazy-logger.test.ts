/** The per-request logger: bound to the request id, but only built when a line is logged. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyChildLogger } from '../src/http/lazy-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('LazyChildLogger', () => {
  it('builds no pino child while nothing is logged, and one on the first line', async () => {
    const { logger, lines } = capture('warn');
    const child = vi.spyOn(logger, 'child');
    const log = new LazyChildLogger(logger, { request_id: 'req_1' }, {});
    log.info('dropped at warn');
    log.debug({ a: 1 }, 'dropped too');
    expect(log.level).toBe('warn');
    expect(child).not.toHaveBeenCalled();
    log.warn({ status: 500 }, 'kept');
    log.error('and this');
    expect(child).toHaveBeenCalledTimes(1);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, request_id: 'req_1', status: 500, msg: 'kept' }),
      expect.objectContaining({ level: 50, request_id: 'req_1', msg: 'and this' }),
    ]);
  });

  it("passes children and level changes through to the request's own logger", async () => {
    const { logger, lines } = capture('info');
    const log = new LazyChildLogger(logger, { request_id: 'req_2' }, {});
    log.child({ run_id: 'run_1' }).info('from a child');
    log.level = 'error';
    log.warn('dropped now');
    expect(log.level).toBe('error');
    expect(logger.level).toBe('info'); // the server's logger is untouched
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([expect.objectContaining({ request_id: 'req_2', run_id: 'run_1', msg: 'from a child' })]);
  });
});
