// Load generation: one route at a time with wrk on the load's core (bench/cores.ts), bounded by connections and
// seconds, on 127.0.0.1. wrk, a C client on a core of its own, is what keeps the load side from being the bound:
// a load generator in this process (autocannon, as before) shared the cores with the server it measured.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { LOAD_CORE } from './cores';
import { AUTHORIZATION } from './servers';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = 64;

export type Route = 'GET /saldo' | 'POST /tabung' | 'POST /tabung + key' | 'POST /transfer';
/** The ceilings and the SQLite anchors keep no keys, so a key means nothing to them. */
export const CEILING_ROUTES: Route[] = ['GET /saldo', 'POST /tabung', 'POST /transfer'];
/** Transfers go between random pairs of accounts. */
export const SERVER_ROUTES: Route[] = ['GET /saldo', 'POST /tabung', 'POST /tabung + key', 'POST /transfer'];

/** What one route's load measured. Latencies in milliseconds. */
export interface Throughput {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx, and connection errors and timeouts. */
  failed: number;
}

/** The line bench/wrk.lua's done() prints. */
interface WrkSummary {
  requests: number;
  durationUs: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
}

const SCRIPT = path.join(__dirname, 'wrk.lua');
const run = promisify(execFile);

let isWrkInstalled = false;

/** wrk is a Debian package (as the bench's SQLite anchors are an npm one): installed here on first use. */
function installWrkOnce(): void {
  if (isWrkInstalled) return;
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
  } catch {
    console.error('  installing wrk (apt-get) for the load, once');
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  isWrkInstalled = true;
}

/** Unique Idempotency-Keys for this run: every keyed request is a first request, never a replay. */
const runId = Date.now().toString(36);
let loadCounter = 0;

/** Sends `route` to random accounts among the first `accounts` for `seconds`. */
export async function load(
  port: number,
  route: Route,
  accounts: number,
  seconds: number,
  connections = CONNECTIONS,
): Promise<Throughput> {
  installWrkOnce();
  const args = ['--cpu-list', LOAD_CORE, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '-s', SCRIPT];
  const { stdout } = await run('taskset', [...args, `http://127.0.0.1:${port}`], {
    env: {
      ...process.env,
      ROUTE: route,
      ACCOUNTS: String(accounts),
      AUTHORIZATION,
      KEY_PREFIX: `bench-${runId}-${loadCounter++}-`,
    },
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const summary = JSON.parse(line) as WrkSummary;
  return {
    reqPerSec: summary.requests / (summary.durationUs / 1e6),
    p50: Math.round(summary.p50Us / 100) / 10,
    p99: Math.round(summary.p99Us / 100) / 10,
    failed: summary.status + summary.connect + summary.read + summary.write + summary.timeout,
  };
}
