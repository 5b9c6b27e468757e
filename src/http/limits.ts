// What a caller may get wrong: failed requests per minute, and requests in flight on one connection. Budgets
// of work are in budgets.ts, connections in connections.ts.
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import { limitKeyOf } from './auth';
import { whenSettled } from './closing';
import { HttpError } from './error-handler';

const MINUTE_MS = 60_000;

/** Failed answers per client per minute unless configured otherwise (FAILED_REQUEST_LIMIT). */
export const FAILED_REQUEST_LIMIT = 300;

/** The answer once a client's failures reached the limit, for the `seconds` left in its window. */
export const tooManyFailures = (seconds: number) =>
  new HttpError(429, `terlalu banyak permintaan yang gagal; ulangi setelah ${seconds} detik`, {
    'Retry-After': String(seconds),
  });

/** The answer to a request past a connection's `max` in flight. */
export const tooManyInFlight = (max: number) =>
  new HttpError(429, `terlalu banyak permintaan dalam satu koneksi; paling banyak ${max} sekaligus`);

/**
 * At most `limit` of the client's own failures (answers 400-499 but 429) per minute, then 429 until the window
 * ends: this is what makes guessing account numbers, NIKs or tokens slow. A 429 is a limit that already held the
 * client back, and a 5xx is the server's fault: counting either would lock a client out for what it did not do
 * (a broken data file once made every client's 503s lock it out after the file was fixed). A client is its API
 * key; in open mode, or without a valid key, its address (see limitKeyOf). The counters live in this process:
 * N processes allow N × limit.
 *
 * Only finished failures are counted, on `finish`, and a request is refused only when its client's count is
 * already at the limit. (express-rate-limit's own middleware counts every request on arrival and takes successes
 * back when they end, so a client with more than `limit` requests in flight would be refused with no failure
 * at all.) The check is synchronous: its store's promise per request cost every GET a few percent.
 */
export function limitFailedRequests(limit: number): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  const failures = createFailureCounter(MINUTE_MS);
  return (req, res, next) => {
    const key = limitKeyOf(req);
    const window = failures.find(key);
    if (window !== undefined && window.count >= limit) {
      const seconds = Math.max(1, Math.ceil((window.endsAt - Date.now()) / 1000));
      next(tooManyFailures(seconds));
      return;
    }
    res.once('finish', () => {
      if (isOwnFailure(res.statusCode)) failures.increment(key);
    });
    next();
  };
}

const isOwnFailure = (status: number) => status >= 400 && status < 500 && status !== 429;

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
export function limitPipelining(
  closing: { mark: (socket: Socket) => void },
  max = MAX_PIPELINED_REQUESTS,
): RequestHandler {
  const inFlight = new WeakMap<Socket, number>();
  return (req, res, next) => {
    const { socket } = req;
    const count = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, count);
    whenSettled(req, res, () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
    if (count <= max) {
      next();
      return;
    }
    // Nothing pipelined behind this answer may act: its answer would never be sent (closing.ts).
    closing.mark(socket);
    res.setHeader('Connection', 'close');
    next(tooManyInFlight(max));
  };
}
