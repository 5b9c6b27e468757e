// The report: the run's rows as Markdown tables, written between BENCHMARKS.md's markers.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONNECTIONS, SECONDS, type Route } from './load';
import type { Row } from './measure';
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

/** The measured section: the machine it ran on, then both tables. */
export function formatReport(rows: Row[], costs: WriteCost[]): string {
  return [
    `Run on ${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'} · ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${CONNECTIONS} connections, ${SECONDS} s per row`,
    '',
    throughputTable(rows),
    '',
    'Cost of one durable write (a batch of one) as the file grows:',
    '',
    writeCostTable(costs),
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
