// The report: the run's rows as Markdown tables, written between BENCHMARKS.md's markers.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONNECTIONS, SECONDS, type Route } from './load';
import { HISTORY_LENGTH, SMALL_ACCOUNTS, type LongHistoryRow } from './long-history';
import type { Row } from './measure';
import { READERS } from './whole-history';
import type { WriteCost } from './write-cost';

const BENCHMARKS_FILE = path.join(__dirname, '..', 'BENCHMARKS.md');

const fixed = (n: number | undefined, digits = 0) => (n === undefined ? '' : n.toFixed(digits));

/** The ceilings answer a constant, so a keyed POST is measured against their plain POST. */
const ceilingRoute = (route: Route): Route => (route === 'GET /saldo' ? route : 'POST /tabung');

function throughputTable(rows: Row[]): string {
  const ceiling = (target: string, route: Route) =>
    rows.find((r) => r.target === target && r.route === route)?.reqPerSec ?? NaN;
  const lines = [
    '| target | route | req/s | p50 ms | p99 ms | non-2xx | file MB | peak RSS MB | start-up ms | × node:http | × Express |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const vsHttp = r.reqPerSec / ceiling('node:http ceiling', ceilingRoute(r.route));
    const vsExpress = r.reqPerSec / ceiling('Express ceiling', ceilingRoute(r.route));
    lines.push(
      `| ${r.target} | ${r.route} | ${fixed(r.reqPerSec)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${fixed(r.fileMb, 1)} | ` +
        `${fixed(r.rssMb)} | ${fixed(r.startupMs)} | ${vsHttp.toFixed(2)} | ${vsExpress.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

function writeCostTable(costs: WriteCost[]): string {
  return [
    '| accounts | file MB | load + check ms | encode whole file ms | write p50 ms | write max ms |',
    '|--:|--:|--:|--:|--:|--:|',
    ...costs.map(
      (c) =>
        `| ${c.accounts.toLocaleString('en')} | ${fixed(c.fileMb, 1)} | ${fixed(c.loadMs)} | ${fixed(c.encodeMs, 1)} | ` +
        `${fixed(c.writeP50Ms, 1)} | ${fixed(c.writeMaxMs, 1)} |`,
    ),
  ].join('\n');
}

/** The issue-12 targets sit in the headers, so each row can be read against them. */
export function longHistoryTable(rows: LongHistoryRow[]): string {
  return [
    '| store | POST big ms | POST small ms | big ÷ small (≤ 1.5) | limit=10 ms (≤ 20) | ' +
      'sebelum page ms, 1 page back / deep (≤ 20) | whole history ms (first byte ms; items, MB) | ' +
      `worst GET /saldo ms while ${READERS} read it (≤ 100) | peak RSS MB (after start) | file MB |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${fixed(r.postBigMs, 1)} | ${fixed(r.postSmallMs, 1)} | ` +
        `${fixed(r.postBigMs / r.postSmallMs, 2)} | ${fixed(r.pageMs, 1)} | ` +
        `${fixed(r.sebelumNearMs, 1)} / ${fixed(r.sebelumDeepMs, 1)} (${r.deepItems.toLocaleString('en')} back) | ` +
        `${fixed(r.wholeMs)} (${fixed(r.wholeFirstByteMs)}; ${r.wholeItems.toLocaleString('en')}, ` +
        `${fixed(r.wholeMb, 1)}) | ${fixed(r.saldoWorstMs)} | ${fixed(r.peakRssMb)} (${fixed(r.startRssMb)}) | ` +
        `${fixed(r.fileMb, 1)} |`,
    ),
  ].join('\n');
}

/** The measured section: the machine it ran on, then the tables. */
export function formatReport(rows: Row[], costs: WriteCost[], longHistory: LongHistoryRow[]): string {
  return [
    `Run on ${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'} · ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${CONNECTIONS} connections, ${SECONDS} s per row`,
    '',
    throughputTable(rows),
    '',
    'Cost of one durable write (a batch of one) as the file grows:',
    '',
    writeCostTable(costs),
    '',
    `One account with a long history (${SMALL_ACCOUNTS.toLocaleString('en')} small accounts plus one holding ` +
      `${HISTORY_LENGTH.toLocaleString('en')} mutasi):`,
    '',
    longHistoryTable(longHistory),
  ].join('\n');
}

/** Replaces the measured section of BENCHMARKS.md, keeping the hand-written analysis around it. */
export async function writeReport(report: string): Promise<void> {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const current = await readFile(BENCHMARKS_FILE, 'utf8').catch(() => `# Benchmarks\n\n${start}\n${end}\n`);
  const before = current.split(start)[0] ?? '';
  const after = current.split(end)[1] ?? '\n';
  await writeFile(BENCHMARKS_FILE, `${before}${start}\n${report}\n${end}${after}`);
}
