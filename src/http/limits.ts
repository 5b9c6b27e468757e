// How much one caller may cost: failed requests per minute, requests in flight on one connection, and the
// server's own timeouts and connection cap. The queue of changes waiting for storage is bounded in the stores.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { clientOf, type Access } from './auth';
import { HttpError } from './error-handler';

const MINUTE_MS = 60_000;

/**
 * At most `limit` answers >= 400 per client per minute, then 429 until the window ends: this is what makes
 * guessing account numbers, NIKs or tokens slow. A client is its API key's name; in open mode, or without a
 * valid key, it is the caller's address. The counters live in this process: N processes allow N × limit.
 */
export function limitFailedRequests(limit: number, access: Access): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: MINUTE_MS,
    limit,
    // Counted when the request arrives and taken back when it succeeds: only failures use up the allowance.
    skipSuccessfulRequests: true,
    // No RateLimit headers on every answer (they cost on the hot path); a 429 says when to come back.
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (req) => {
      const client = access.mode === 'apiKeys' ? clientOf(req) : undefined;
      return client === undefined ? `address ${ipKeyGenerator(req.ip ?? '')}` : `apiKey ${client.name}`;
    },
    handler: (req, res, next) => {
      const { resetTime } = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit ?? {};
      const seconds = Math.max(
        1,
        Math.ceil(((resetTime?.getTime() ?? Date.now() + MINUTE_MS) - Date.now()) / 1000),
      );
      res.setHeader('Retry-After', String(seconds));
      next(new HttpError(429, `terlalu banyak permintaan yang gagal; ulangi setelah ${seconds} detik`));
    },
  });
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
  /** Connections open at once in this process; more are closed as they arrive. */
  maxConnections: number;
}

export const CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1_000,
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
  return server;
}
