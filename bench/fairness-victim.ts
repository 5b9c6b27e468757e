// The victim of the fairness scenarios: one well-behaved client, from 127.0.0.1, alternating POST /tabung and
// GET /saldo on one account, one request at a time, and no faster than a budget it should never reach.
import http from 'node:http';
import { sleep } from './http-timing';
import { countInto } from './pipelined-client';

export type VictimRoute = 'POST /tabung' | 'GET /saldo';

export interface VictimSample {
  route: VictimRoute;
  /** performance.now() when the request was sent. */
  startedAt: number;
  ms: number;
  status?: number;
  /** A connection error's code, or `timeout`. */
  error?: string;
}

export interface VictimOptions {
  port: number;
  token: string;
  noRekening: string;
  /** Keep-alive (one connection for the run) or a new connection per request, so that connecting is measured. */
  keepAlive: boolean;
  /** Run between two requests, with none in flight (the fault scenario breaks and mends the file here). */
  between?: () => Promise<void>;
}

/** Each loop stops at its count or its time. */
export const VICTIM_MS = Number(process.env.BENCH_FAIRNESS_VICTIM_MS ?? 6_000);
const VICTIM_MAX_REQUESTS = 4_000;
/**
 * One request every 20 ms at most (50 per second): half the default per-client budget (REQUEST_RATE, 100 per
 * second), so any refusal the victim gets is the attacker's doing, not its own.
 */
export const VICTIM_INTERVAL_MS = 20;
const REQUEST_TIMEOUT_MS = 5_000;

function timedRequest(
  options: VictimOptions,
  agent: http.Agent | false,
  index: number,
): Promise<VictimSample> {
  const isTabung = index % 2 === 0;
  const body = isTabung ? JSON.stringify({ no_rekening: options.noRekening, nominal: 1_000 }) : undefined;
  const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${options.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const settle = (outcome: { status: number } | { error: string }) => {
      if (done) return;
      done = true;
      const route = isTabung ? 'POST /tabung' : 'GET /saldo';
      resolve({ route, startedAt, ms: performance.now() - startedAt, ...outcome });
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port: options.port,
        localAddress: '127.0.0.1',
        method: isTabung ? 'POST' : 'GET',
        path: isTabung ? '/tabung' : `/saldo/${options.noRekening}`,
        agent,
        headers,
      },
      (res) => {
        res.resume();
        res.once('end', () => settle({ status: res.statusCode ?? 0 }));
        res.once('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      settle({ error: 'timeout' });
      req.destroy();
    });
    req.once('error', (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
    req.end(body);
  });
}

/** Runs the victim for `durationMs` (or VICTIM_MAX_REQUESTS), returning every request's outcome. */
export async function runVictim(options: VictimOptions, durationMs = VICTIM_MS): Promise<VictimSample[]> {
  const agent = options.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  const deadline = performance.now() + durationMs;
  const samples: VictimSample[] = [];
  try {
    for (let index = 0; index < VICTIM_MAX_REQUESTS && performance.now() < deadline; index += 1) {
      await options.between?.();
      const sample = await timedRequest(options, agent, index);
      samples.push(sample);
      await sleep(Math.max(0, sample.startedAt + VICTIM_INTERVAL_MS - performance.now()));
    }
  } finally {
    if (agent !== false) agent.destroy();
  }
  return samples;
}

export interface VictimStats {
  requests: number;
  /**
   * Of the 2xx answers, per route; NaN when there were none. Apart, because a durable POST takes several times a
   * GET: the median of the two mixed half and half would be whichever of them is one sample ahead.
   */
  medianMs: Record<VictimRoute, number>;
  /** Of the 2xx answers of both routes. */
  p99Ms: number;
  refusals: Record<string, number>;
  errors: Record<string, number>;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;

const sortedMs = (samples: VictimSample[]) => samples.map((sample) => sample.ms).sort((a, b) => a - b);

/** The samples sent at or after `from` (performance.now()), summarised. */
export function summarise(samples: VictimSample[], from = 0): VictimStats {
  const counted = samples.filter((sample) => sample.startedAt >= from);
  const served: VictimSample[] = [];
  const refusals: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const sample of counted) {
    if (sample.error !== undefined) countInto(errors, sample.error);
    else if (sample.status !== undefined && sample.status >= 200 && sample.status < 300) served.push(sample);
    else countInto(refusals, String(sample.status));
  }
  const medianOf = (route: VictimRoute) =>
    percentile(sortedMs(served.filter((sample) => sample.route === route)), 0.5);
  return {
    requests: counted.length,
    medianMs: { 'POST /tabung': medianOf('POST /tabung'), 'GET /saldo': medianOf('GET /saldo') },
    p99Ms: percentile(sortedMs(served), 0.99),
    refusals,
    errors,
  };
}
