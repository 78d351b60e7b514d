/**
 * close() of an in-process server returns promptly even with connections that carry no request:
 * a socket opened but never used (fetch opens spare ones) and a kept-alive socket left idle.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';

describe('close()', () => {
  it('does not wait for idle or never-used connections', async () => {
    const server = await startServer({ port: 0, dbPath: ':memory:', logger: false });
    const unused = connect(server.port, '127.0.0.1');
    await once(unused, 'connect');
    const kept = connect(server.port, '127.0.0.1');
    await once(kept, 'connect');
    kept.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await once(kept, 'data');
    const started = Date.now();
    await server.close();
    // Node's own timeouts would keep these sockets (and close()) for 60 s.
    expect(Date.now() - started).toBeLessThan(2_000);
    unused.destroy();
    kept.destroy();
  });
});
