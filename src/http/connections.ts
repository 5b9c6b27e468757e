// The HTTP server and what one caller may hold of it: timeouts for slow clients, a cap per address, and a cap
// for the whole process that sheds connections which never sent a request before it turns anyone away.
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
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

interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Per app: a second call for the same app (the tests build several servers for one) would put new prototypes
 * at `app.request` and `app.response`, and Express would then move the first server's requests and answers
 * onto them, one prototype change each, as before.
 */
const messageClasses = new WeakMap<Express, MessageClasses>();

/**
 * The classes node:http builds each request and answer from, with Express's own prototypes in their chain; as a
 * side effect, their prototypes become the app's `app.request` and `app.response`. Express's `app.handle` gives
 * every request and answer those prototypes with `Object.setPrototypeOf`; on objects built from these classes
 * the call changes nothing. On objects node:http has just built it was three quarters of what a minimal Express
 * app answering a constant spent per request (7,100 req/s with it, 29,000 without, the server pinned to one
 * core), and it made about 30 % of the bytes a request allocates outlive two scavenges. The old generation then
 * filled about once a second and, with 100,000 accounts in memory, each full collection stalled the event loop
 * for 58-85 ms. Measured on this server: GET /saldo at 100,000 accounts 3,400 → 6,400 req/s, p99 108 → 21 ms;
 * POST /tabung at 1,000 accounts 2,900 → 5,500 req/s (BENCHMARKS.md, session 12).
 * For the top-level app only: Express re-parents a mounted app's `app.request` onto its parent's.
 */
export function messageClassesOf(app: Express): MessageClasses {
  const known = messageClasses.get(app);
  if (known !== undefined) return known;
  class ExpressRequest extends IncomingMessage {}
  // Generic as ServerResponse is, so that the class can stand where node:http's options take ServerResponse.
  class ExpressResponse<Incoming extends IncomingMessage> extends ServerResponse<Incoming> {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  // TypeScript cannot follow setPrototypeOf: at run time every member of Express's request and response is
  // reached through the chains set just above, which is all the casts claim.
  app.request = ExpressRequest.prototype as unknown as Express['request'];
  app.response = ExpressResponse.prototype as unknown as Express['response'];
  const classes = { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse };
  messageClasses.set(app, classes);
  return classes;
}

/** The HTTP server for the app, with the limits that protect it from slow or greedy clients. */
export function createHttpServer(app: Express, limits: ConnectionLimits = CONNECTION_LIMITS): Server {
  const server = createServer(
    {
      ...messageClassesOf(app),
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
