// The servers the bench measures, each as its own process: the two ceilings and the real server as deployed.
import { createHash, randomBytes } from 'node:crypto';
import { startProcess, type RunningServer } from '../tests/server-process';

/**
 * The real server runs as it would be deployed: with an API key, and every request carries its token (the
 * ceilings ignore the header), so authentication and the failure limit are in the measured path.
 */
const BENCH_TOKEN = randomBytes(32).toString('base64url');
const SERVER_ENV = {
  API_KEYS: `bench:${createHash('sha256').update(BENCH_TOKEN).digest('hex')}`,
  // The `+ key` rows send a fresh key per request, tens of thousands from one client in seconds: far past the
  // default per-client bound (10,000), which they would measure instead of the keyed write path.
  IDEMPOTENCY_KEYS_PER_CLIENT: '10000000',
  // One client sends every request of a row, tens of thousands a second: far past the default budget (100 a
  // second), which the rows would measure instead of the server. Raised rather than turned off, so the budget's
  // own check stays in the measured path.
  REQUEST_RATE: '1000000',
};
export const AUTHORIZATION = `Bearer ${BENCH_TOKEN}`;

// The real server is measured with its logging on; the bench keeps none of it (see keepsOutput).
const OPTIONS = { timeoutMs: 30_000, keepsOutput: false };

export type CeilingKind = 'http' | 'express';

/** A reference server from bench/ceilings.ts: bare node:http or a minimal Express app. */
export function startCeiling(kind: CeilingKind): Promise<RunningServer> {
  return startProcess(['--import', 'tsx', 'bench/ceilings.ts', kind], {}, OPTIONS);
}

/** The built server (`npm start`'s dist/server.js) with the bench's API key; `env` picks its store. */
export function startBuiltServer(env: Record<string, string>): Promise<RunningServer> {
  return startProcess(['dist/server.js'], { ...SERVER_ENV, ...env }, OPTIONS);
}
