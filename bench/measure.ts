// One table row per route: throughput and latency from the load, peak memory of the servers, the data file's size.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RunningServer } from '../tests/server-process';
import { SERVER_CORE, pinToCore } from './cores';
import { CONNECTIONS, SECONDS, load, type Route } from './load';

export interface Row {
  target: string;
  route: Route;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx, and connection errors and timeouts. */
  failed: number;
  fileMb?: number;
  rssMb: number;
  startupMs?: number;
  /** The accounts the target served, for the ratio to the SQLite anchor of the same size. */
  accounts: number;
  /** The share of the run the server's main thread was on a core (its JavaScript, GC and syscalls). */
  mainThreadBusy?: number;
  /** The same for all of the server's threads: 1 is its core full, and 1 minus it is the core's idle time. */
  processBusy?: number;
}

/**
 * CPU time so far, in seconds, from a /proc stat file (Linux; clock ticks of 1/100 s): a process's
 * (`/proc/PID/stat`, every thread of it) or one thread's (`/proc/PID/task/TID/stat`).
 */
function cpuSeconds(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // The fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The main thread's, and the whole process's (GC helpers and the thread pool's writes and fsyncs too). */
function cpuOf(pid: number | undefined): { mainThread: number; process: number } {
  return {
    mainThread: cpuSeconds(`/proc/${String(pid)}/task/${String(pid)}/stat`),
    process: cpuSeconds(`/proc/${String(pid)}/stat`),
  };
}

/**
 * The warm-up before a server's first row, not counted: the JIT, and a large file's start-up work, which goes on
 * after the server listens (its line blocks are joined in turns, and the parse's garbage collected). Measured at
 * 100,000 accounts, GET /saldo's p99 read 170 to 200 ms after 2 s of warm-up and 72 to 81 ms after 3 or 6 s.
 */
const WARM_UP_SECONDS = 5;

/** Peak resident memory of a process, in MB, from /proc (Linux). */
export function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Loads one server, or several sharing the connections between them, and sums what they served. */
export async function measure(
  target: string,
  servers: RunningServer[],
  accounts: number,
  routes: Route[],
  dataFile?: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  const perServer = Math.floor(CONNECTIONS / servers.length);
  // Every server of a row on one core, the load on the other: two servers (postgres × 2) share theirs.
  for (const server of servers) pinToCore(server.child.pid, SERVER_CORE);
  // Warm-up: JIT and caches, not counted.
  await Promise.all(
    servers.map((server) => load(server.port, 'GET /saldo', accounts, WARM_UP_SECONDS, perServer)),
  );
  for (const route of routes) {
    const cpuBefore = servers.map((server) => cpuOf(server.child.pid));
    const started = performance.now();
    const results = await Promise.all(
      servers.map((server) => load(server.port, route, accounts, SECONDS, perServer)),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuAfter = servers.map((server) => cpuOf(server.child.pid));
    const busy = (part: 'mainThread' | 'process') =>
      Math.max(...cpuAfter.map((after, i) => (after[part] - (cpuBefore[i]?.[part] ?? 0)) / wallSeconds));
    const row: Row = {
      accounts,
      mainThreadBusy: busy('mainThread'),
      processBusy: busy('process'),
      target,
      route,
      reqPerSec: results.reduce((total, r) => total + r.reqPerSec, 0),
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
      failed: results.reduce((total, r) => total + r.failed, 0),
      rssMb: Math.max(...servers.map((server) => peakRssMb(server.child.pid))),
      startupMs: Math.max(...servers.map((server) => server.startupMs)),
    };
    if (dataFile) row.fileMb = (await stat(dataFile)).size / 1e6;
    rows.push(row);
    // A row whose answers are refusals measures the refusal, not the route: say so where it is seen first.
    const failed = row.failed > 0 ? `, ${row.failed} FAILED (non-2xx or errors)` : '';
    console.error(`  ${target} ${route}: ${Math.round(row.reqPerSec)} req/s, p99 ${row.p99} ms${failed}`);
  }
  return rows;
}
