// One table row per route: throughput and latency from the load, peak memory of the servers, the data file's size.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RunningServer } from '../tests/server-process';
import { CONNECTIONS, SECONDS, load, type Route } from './load';

export interface Row {
  target: string;
  route: Route;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  fileMb?: number;
  rssMb: number;
  startupMs?: number;
  /** The accounts the target served, for the ratio to the SQLite anchor of the same size. */
  accounts: number;
  /** The share of the run the server's main thread was on a core (its JavaScript, GC and syscalls). */
  mainThreadBusy?: number;
}

/** CPU time of a process's main thread so far, in seconds, from /proc (Linux; clock ticks of 1/100 s). */
function mainThreadCpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${String(pid)}/task/${String(pid)}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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
  // Warm-up: JIT and caches, not counted.
  await Promise.all(servers.map((server) => load(server.port, 'GET /saldo', accounts, 2, perServer)));
  for (const route of routes) {
    const cpuBefore = servers.map((server) => mainThreadCpuSeconds(server.child.pid));
    const started = performance.now();
    const results = await Promise.all(
      servers.map((server) => load(server.port, route, accounts, SECONDS, perServer)),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const busy = servers.map(
      (server, i) => (mainThreadCpuSeconds(server.child.pid) - (cpuBefore[i] ?? 0)) / wallSeconds,
    );
    const row: Row = {
      accounts,
      mainThreadBusy: Math.max(...busy),
      target,
      route,
      reqPerSec: results.reduce((total, r) => total + r.requests.average, 0),
      p50: Math.max(...results.map((r) => r.latency.p50)),
      p99: Math.max(...results.map((r) => r.latency.p99)),
      non2xx: results.reduce((total, r) => total + r.non2xx + r.errors + r.timeouts, 0),
      rssMb: Math.max(...servers.map((server) => peakRssMb(server.child.pid))),
      startupMs: Math.max(...servers.map((server) => server.startupMs)),
    };
    if (dataFile) row.fileMb = (await stat(dataFile)).size / 1e6;
    rows.push(row);
    console.error(`  ${target} ${route}: ${Math.round(row.reqPerSec)} req/s, p99 ${row.p99} ms`);
  }
  return rows;
}
