// The HTTP server and what one caller may hold of it: timeouts for slow clients, a cap per address, and a cap
// for the whole process that sheds connections which never sent a request before it turns anyone away.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import { addressGroup } from './address-group';

export interface ConnectionLimits {
  /** All request headers must arrive within this, or the answer is 408 and the connection closes. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** A connection on which nothing moves this long (a client that stopped reading, say) is closed. */
  idleTimeoutMs: number;
  /** Connections open at once in this process; beyond it the oldest one without a request yet is closed. */
  maxConnections: number;
  /** Connections open at once from one address (IPv6: one /64), so that one host cannot take every slot. */
  maxConnectionsPerAddress: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1_000,
  maxConnectionsPerAddress: 256,
};

/** The HTTP server for the app, with the limits that protect it from slow or greedy clients. */
export function createHttpServer(app: Express, limits: ConnectionLimits = CONNECTION_LIMITS): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks the two timeouts on this interval (30 s by default, which would let a slow client stay on).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    app,
  );
  // requestTimeout ends once the request has arrived; a client that then never reads its answer would hold the
  // connection (and the answer's buffers) for ever without this.
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  const perAddress = new Map<string, number>();
  // Connections on which no request has arrived yet, oldest first (a Set keeps insertion order). When every
  // slot is taken, the oldest of them goes: slow-header clients cannot keep anyone out, because a client that
  // sends a whole request at once is no longer in this set by the time they could push it out.
  const withoutRequest = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const address = addressGroup(socket.remoteAddress);
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    open += 1;
    withoutRequest.add(socket);
    socket.once('close', () => {
      open -= 1;
      withoutRequest.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    // The new connection is the youngest, so it is shed only when every other one has sent a request.
    if (open > limits.maxConnections) {
      const oldest = withoutRequest.values().next().value;
      // Out of the set at once: its 'close' comes later, and the next arrival must shed another one.
      if (oldest !== undefined) withoutRequest.delete(oldest);
      oldest?.destroy();
    }
  });
  server.on('request', (req: { socket: Socket }) => withoutRequest.delete(req.socket));
  return server;
}
