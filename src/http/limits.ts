// How much one caller may cost: failed requests per minute, requests in flight on one connection, and the
// server's own timeouts and connection cap. The queue of changes waiting for storage is bounded in the stores.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express, Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { clientOf, type Access } from './auth';
import { HttpError } from './error-handler';

const MINUTE_MS = 60_000;

/** Failed answers per client per minute unless configured otherwise (FAILED_REQUEST_LIMIT). */
export const FAILED_REQUEST_LIMIT = 300;

/**
 * At most `limit` answers >= 400 per client per minute, then 429 until the window ends: this is what makes
 * guessing account numbers, NIKs or tokens slow. A client is its API key's name; in open mode, or without a
 * valid key, it is the caller's address (an IPv6 address by its /56, as express-rate-limit keys it). The counters
 * live in this process: N processes allow N × limit.
 *
 * Only finished failures are counted, on `finish`, and a request is refused only when its client's count is
 * already at the limit. (express-rate-limit's own middleware counts every request on arrival and takes successes
 * back when they end, so a client with more than `limit` requests in flight would be refused with no failure
 * at all.) The check is synchronous: its store's promise per request cost every GET a few percent.
 */
export function limitFailedRequests(limit: number, access: Access): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  const failures = createFailureCounter(MINUTE_MS);
  const clientKey = (req: Request) => {
    const client = access.mode === 'apiKeys' ? clientOf(req) : undefined;
    // req.ip: the socket's address today; the forwarded one if an operator ever sets `trust proxy`.
    return client === undefined ? `address ${ipKeyGenerator(req.ip ?? '')}` : `apiKey ${client.name}`;
  };
  return (req, res, next) => {
    const key = clientKey(req);
    const window = failures.find(key);
    if (window !== undefined && window.count >= limit) {
      const seconds = Math.max(1, Math.ceil((window.endsAt - Date.now()) / 1000));
      res.setHeader('Retry-After', String(seconds));
      next(new HttpError(429, `terlalu banyak permintaan yang gagal; ulangi setelah ${seconds} detik`));
      return;
    }
    res.once('finish', () => {
      if (res.statusCode >= 400) failures.increment(key);
    });
    next();
  };
}

interface FailureWindow {
  count: number;
  endsAt: number;
}

/** Failures per client in fixed windows; a window is forgotten once it has ended, so memory follows the callers. */
function createFailureCounter(windowMs: number) {
  const windows = new Map<string, FailureWindow>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }, windowMs);
  sweep.unref();
  const find = (key: string): FailureWindow | undefined => {
    const window = windows.get(key);
    return window !== undefined && window.endsAt > Date.now() ? window : undefined;
  };
  return {
    find,
    increment(key: string): void {
      const window = find(key);
      if (window === undefined) windows.set(key, { count: 1, endsAt: Date.now() + windowMs });
      else window.count += 1;
    },
  };
}

/** Requests one connection may have in flight at once; HTTP pipelining beyond it is refused, not queued. */
export const MAX_PIPELINED_REQUESTS = 16;

/**
 * Node parses every pipelined request on a connection at once and queues their answers, so one connection could
 * queue thousands of changes. Beyond `max` in flight, a request is answered 429 and the connection closed.
 */
export function limitPipelining(max = MAX_PIPELINED_REQUESTS): RequestHandler {
  const inFlight = new WeakMap<Socket, number>();
  return (req, res, next) => {
    const { socket } = req;
    const count = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, count);
    res.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    if (count <= max) {
      next();
      return;
    }
    res.setHeader('Connection', 'close');
    next(new HttpError(429, `terlalu banyak permintaan dalam satu koneksi; paling banyak ${max} sekaligus`));
  };
}

export interface ConnectionLimits {
  /** All request headers must arrive within this, or the answer is 408 and the connection closes. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** A connection on which nothing moves this long (a client that stopped reading, say) is closed. */
  idleTimeoutMs: number;
  /** Connections open at once in this process; more are closed as they arrive. */
  maxConnections: number;
  /** Connections open at once from one address, so that one host cannot take every slot. */
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
  server.maxConnections = limits.maxConnections;
  // requestTimeout ends once the request has arrived; a client that then never reads its answer would hold the
  // connection (and the answer's buffers) for ever without this.
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  return server;
}
