// The servers the bench measures, each as its own process: the two ceilings and the real server as deployed.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
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

export type CeilingKind = 'http' | 'express' | 'express-own-prototypes';

/** A reference server from bench/ceilings.ts: bare node:http or a minimal Express app (stock, or as ours is built). */
export function startCeiling(kind: CeilingKind): Promise<RunningServer> {
  return startProcess(['--import', 'tsx', 'bench/ceilings.ts', kind], {}, OPTIONS);
}

/** The built server (`npm start`'s dist/server.js) with the bench's API key; `env` picks its store. */
export function startBuiltServer(env: Record<string, string>): Promise<RunningServer> {
  return startProcess(['dist/server.js'], { ...SERVER_ENV, ...env }, OPTIONS);
}

const SQLITE_DIR = path.join(__dirname, 'sqlite');

/** better-sqlite3 lives in bench/sqlite's own package, installed here on first use: npm ci never builds it. */
function installSqliteOnce(): void {
  if (existsSync(path.join(SQLITE_DIR, 'node_modules', 'better-sqlite3'))) return;
  console.error('  installing bench/sqlite (better-sqlite3) for the SQLite anchors, once');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: SQLITE_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** How an anchor commits: `durable` fsyncs every commit (synchronous=FULL), `fast` does not (NORMAL). */
export type SqliteMode = 'durable' | 'fast';

/** A SQLite anchor (bench/sqlite/server.mjs) on a fresh database file with `accounts` seeded accounts. */
export function startSqlite(
  mode: SqliteMode,
  accounts: number,
  databaseFile: string,
): Promise<RunningServer> {
  installSqliteOnce();
  return startProcess(
    ['--import', 'tsx', path.join(SQLITE_DIR, 'server.mjs'), mode, String(accounts), databaseFile],
    {},
    { ...OPTIONS, timeoutMs: 120_000 },
  );
}
