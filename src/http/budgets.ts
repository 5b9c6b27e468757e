// How much of the server one client may use, so that none can starve another: requests per second (a long
// history costs by what it reads), whole-history streams at once, its share of the queue of changes, and
// registrations per hour. A client is its API key, or its address without one (see limitKeyOf).
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Socket } from 'node:net';
import { clientOf, limitKeyOf } from './auth';
import { whenSettled } from './closing';
import { HttpError } from './error-handler';
import { createHourlyCount } from './hourly-count';
import { createTokenBuckets, type Rate } from './token-buckets';

export interface BudgetSettings {
  /** Requests per second per client, with a burst of two seconds' worth; 0 turns the budget off. */
  requestsPerSecond: number;
  /** Registrations (POST /daftar) per client in any hour; 0 leaves them unbounded. */
  daftarPerHour: number;
  /** The room of the queue of changes (MAX_QUEUED_CHANGES), which the clients share. */
  maxQueuedChanges: number;
  /** How often the refusals of the budget are summed up in the log, instead of a line each. */
  summaryIntervalMs?: number;
}

/** The defaults with API keys (REQUEST_RATE, DAFTAR_PER_HOUR); open mode has no budget unless one is set. */
export const DEFAULT_BUDGET = { requestsPerSecond: 100, daftarPerHour: 100 } as const;
/** Whole-history streams one client may have open at once. */
export const STREAMS_PER_CLIENT = 4;
/** A whole history costs one request per this many mutasi it reads, on top of the request itself. */
export const MUTASI_PER_TOKEN = 1_000;

export interface ClientBudgets {
  /** Right after the caller is identified: a request over its client's budget is refused here, before the rest. */
  admit: RequestHandler;
  /** Before the changes: a client may hold only as many queued changes as the queue has free room. */
  shareQueue: RequestHandler;
  /** Before POST /daftar: at most daftarPerHour registrations per client in any hour. */
  daftar: RequestHandler;
  /**
   * Takes one of the client's stream slots (429 without one) for a whole-history answer, and returns the pace:
   * called after each batch with the mutasi it held, it charges them and waits while the client is in debt.
   */
  stream(req: Request, res: Response): (mutasi: number) => Promise<void>;
  close(): void;
}

const pass: RequestHandler = (_req, _res, next) => next();

const tooMany = (remark: string, seconds: number) =>
  new HttpError(429, remark, { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) });

/** The budgets' refusals, by what ran out: the OpenAPI document shows them as they are sent. */
export const BUDGET_REFUSALS = {
  overRate: (seconds: number) =>
    tooMany(`terlalu banyak permintaan dari klien ini; ulangi setelah ${seconds} detik`, seconds),
  queueShare: (held: number) =>
    tooMany(`${held} perubahan dari klien ini masih menunggu; tunggu jawabannya dulu`, 1),
  daftarPerHour: (limit: number, seconds: number) =>
    tooMany(`klien ini sudah mendaftarkan ${limit} nasabah dalam satu jam terakhir; ulangi nanti`, seconds),
  streams: () =>
    tooMany(
      `klien ini sudah membaca ${STREAMS_PER_CLIENT} riwayat utuh sekaligus; pakai limit, atau tunggu salah satunya selesai`,
      1,
    ),
};

/** Budgets switched off: open mode on a laptop, where the one client may use the whole server. */
const UNLIMITED: ClientBudgets = {
  admit: pass,
  shareQueue: pass,
  daftar: pass,
  stream: () => () => Promise.resolve(),
  close: () => undefined,
};

export function createClientBudgets(
  settings: BudgetSettings | undefined,
  logger: Logger,
  closing: { mark: (socket: Socket) => void },
): ClientBudgets {
  if (settings === undefined) return UNLIMITED;
  const buckets = createTokenBuckets();
  const refusals = summarisedRefusals(logger, settings.summaryIntervalMs ?? 10_000);

  const rateOf = (req: Request): Rate | undefined => {
    const perSecond = clientOf(req)?.apiKey?.requestsPerSecond ?? settings.requestsPerSecond;
    return perSecond === 0 ? undefined : { perSecond, burst: 2 * perSecond };
  };

  const admit: RequestHandler = (req, res, next) => {
    const rate = rateOf(req);
    if (rate === undefined) {
      next();
      return;
    }
    // /health has a bucket of its own, so that a flood from a load balancer's address (or a proxy's) cannot take
    // the probe away with the rest.
    const key = req.path === '/health' ? `health ${limitKeyOf(req)}` : limitKeyOf(req);
    const waitMs = buckets.take(key, rate);
    if (waitMs === 0) {
      next();
      return;
    }
    closing.mark(req.socket);
    refusals.count(key);
    refuseOverBudget(res, Math.ceil(waitMs / 1000));
  };

  const queued = new Map<string, number>();
  let queuedTotal = 0;
  const shareQueue: RequestHandler = (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    const key = limitKeyOf(req);
    const held = queued.get(key) ?? 0;
    // A client may hold no more than the room still free: k greedy clients end with a (k+1)-th each, so a
    // client that holds nothing always finds room.
    if (held >= settings.maxQueuedChanges - queuedTotal) {
      next(BUDGET_REFUSALS.queueShare(held));
      return;
    }
    queued.set(key, held + 1);
    queuedTotal += 1;
    whenSettled(req, res, () => {
      const left = (queued.get(key) ?? 1) - 1;
      if (left === 0) queued.delete(key);
      else queued.set(key, left);
      queuedTotal -= 1;
    });
    next();
  };

  const registrations = createHourlyCount();
  const daftar: RequestHandler = (req, res, next) => {
    const limit = clientOf(req)?.apiKey?.daftarPerHour ?? settings.daftarPerHour;
    if (limit === 0) {
      next();
      return;
    }
    const key = limitKeyOf(req);
    const waitMs = registrations.reserve(key, limit);
    if (waitMs > 0) {
      next(BUDGET_REFUSALS.daftarPerHour(limit, waitMs / 1000));
      return;
    }
    // Only a registration that happened counts against the hour.
    res.once('finish', () => {
      if (res.statusCode !== 200) registrations.release(key);
    });
    next();
  };

  const streams = new Map<string, number>();
  const stream = (req: Request, res: Response) => {
    const key = limitKeyOf(req);
    const open = streams.get(key) ?? 0;
    if (open >= STREAMS_PER_CLIENT) {
      throw BUDGET_REFUSALS.streams();
    }
    streams.set(key, open + 1);
    whenSettled(req, res, () => {
      const left = (streams.get(key) ?? 1) - 1;
      if (left === 0) streams.delete(key);
      else streams.set(key, left);
    });
    const rate = rateOf(req);
    return async (mutasi: number) => {
      if (rate === undefined) return;
      buckets.charge(key, rate, mutasi / MUTASI_PER_TOKEN);
      const waitMs = buckets.debtMs(key, rate);
      if (waitMs > 0) await delay(waitMs);
    };
  };

  return {
    admit,
    shareQueue,
    daftar,
    stream,
    close() {
      buckets.close();
      refusals.close();
      registrations.close();
    },
  };
}

/**
 * Written by hand, not through Express's res.json or the error handler: a flood is refused at the cost of a
 * few header writes. The connection is closed after the answer, so a client that pipelines past its budget has
 * to reconnect (and wait) instead of being answered 429 as fast as it can send.
 */
function refuseOverBudget(res: ServerResponse, seconds: number): void {
  const { status, remark, headers } = BUDGET_REFUSALS.overRate(seconds);
  const body = JSON.stringify({ remark });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(body);
}

/** One log line per client per interval for the requests the budget refused, instead of a line each. */
function summarisedRefusals(logger: Logger, intervalMs: number) {
  let counts = new Map<string, number>();
  const timer = setInterval(() => {
    if (counts.size === 0) return;
    for (const [client, refused] of counts) {
      logger.warn({ client, refused, interval_ms: intervalMs }, 'requests refused over budget');
    }
    counts = new Map();
  }, intervalMs);
  timer.unref();
  return {
    count(key: string): void {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    close: () => clearInterval(timer),
  };
}
