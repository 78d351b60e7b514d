/**
 * Closing a server must not wait for connections that carry no request. Node's server.close() and
 * closeIdleConnections() leave alone a socket that was opened but never sent a request (fetch/undici
 * opens such spare connections), and a kept-alive socket that becomes idle after close() was called:
 * either would hold `close()` until the 60 s headers timeout. This tracker knows which sockets have a
 * request in flight; once closing, it ends every other one, now and whenever a response finishes.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function trackConnections(server: Server): { closeIdle(): void } {
  const inFlight = new Map<Socket, number>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    if (!inFlight.has(socket)) return; // already closed
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      // A client that hangs up mid-response (an abandoned stream) closes the socket first; setting it
      // again here kept the socket, its request, response and stream in the map for good (~5 KB each).
      // Found by test/reliability/soak.test.ts.
      if (!inFlight.has(socket)) return;
      const left = Math.max(0, (inFlight.get(socket) ?? 1) - 1);
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
  });

  return {
    closeIdle() {
      closing = true;
      for (const [socket, count] of inFlight) if (count === 0) socket.destroySoon();
    },
  };
}
