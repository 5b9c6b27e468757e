// The report: the run's rows as Markdown tables, written between BENCHMARKS.md's markers.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FAIRNESS_ACCOUNTS, FAIRNESS_HISTORY, type FairnessRow } from './fairness';
import { VICTIM_INTERVAL_MS, VICTIM_MS } from './fairness-victim';
import { LOAD_CORE, SERVER_CORE } from './cores';
import { CONNECTIONS, SECONDS, type Route } from './load';
import { HISTORY_LENGTH, SMALL_ACCOUNTS, type LongHistoryRow } from './long-history';
import type { Row } from './measure';
import { READERS } from './whole-history';
import type { WriteCost } from './write-cost';

const BENCHMARKS_FILE = path.join(__dirname, '..', 'BENCHMARKS.md');

const fixed = (n: number | undefined, digits = 0) => (n === undefined ? '' : n.toFixed(digits));

/** The ceilings and the anchors keep no keys, so a keyed POST is measured against their plain POST. */
const unkeyedRoute = (route: Route): Route => (route === 'POST /tabung + key' ? 'POST /tabung' : route);

/** Each row against the ceilings, and against the durable SQLite anchor serving as many accounts. */
export function throughputTable(rows: Row[]): string {
  const reqPerSec = (matches: (r: Row) => boolean, route: Route) =>
    rows.find((r) => matches(r) && r.route === unkeyedRoute(route))?.reqPerSec ?? NaN;
  const lines = [
    '| target | route | req/s | p50 ms | p99 ms | failed (non-2xx, errors) | file MB | peak RSS MB | start-up ms | busy %, main thread / all threads | × node:http | × Express | × SQLite durable |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const vsHttp = r.reqPerSec / reqPerSec((c) => c.target === 'node:http ceiling', r.route);
    const vsExpress = r.reqPerSec / reqPerSec((c) => c.target === 'Express ceiling', r.route);
    const vsSqlite =
      r.reqPerSec /
      reqPerSec((c) => c.target.startsWith('SQLite durable') && c.accounts === r.accounts, r.route);
    const ratio = (n: number) => (Number.isNaN(n) ? '' : n.toFixed(2));
    const percent = (share: number | undefined) => fixed(share === undefined ? undefined : share * 100);
    lines.push(
      `| ${r.target} | ${r.route} | ${fixed(r.reqPerSec)} | ${r.p50} | ${r.p99} | ${r.failed} | ${fixed(r.fileMb, 1)} | ` +
        `${fixed(r.rssMb)} | ${fixed(r.startupMs)} | ${percent(r.mainThreadBusy)} / ${percent(r.processBusy)} | ${ratio(vsHttp)} | ${ratio(vsExpress)} | ` +
        `${r.target.startsWith('node:http') || r.target.startsWith('Express') ? '' : ratio(vsSqlite)} |`,
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

/** `200: 812, 429: 51,203`, largest first; `none` for an empty count. */
const counts = (byKey: Record<string, number> | undefined): string => {
  const entries = Object.entries(byKey ?? {}).sort(([, a], [, b]) => b - a);
  return entries.length === 0
    ? 'none'
    : entries.map(([key, n]) => `${key}: ${n.toLocaleString('en')}`).join(', ');
};

function attackerCell(row: FairnessRow): string {
  if (row.fault !== undefined) {
    return (
      `no attacker; while broken the victim got ${counts(row.fault.brokenRefusals)}; ` +
      `first 2xx ${fixed(row.fault.firstServedMs)} ms after the mend`
    );
  }
  const attacker = row.attacker;
  if (attacker === undefined) return '';
  // A stream's status is counted once its whole answer has been read.
  const parts = [
    row.kind === 'streams' ? `whole answers ${counts(attacker.statuses)}` : counts(attacker.statuses),
  ];
  if (row.kind === 'daftar')
    parts.unshift(`**${(attacker.statuses['200'] ?? 0).toLocaleString('en')} accounts created**`);
  if (Object.keys(attacker.errors).length > 0) parts.push(`errors ${counts(attacker.errors)}`);
  parts.push(`${attacker.connects.toLocaleString('en')} connects`);
  if (attacker.mbRead !== undefined) parts.push(`${fixed(attacker.mbRead)} MB read`);
  if (attacker.peakOpen !== undefined) parts.push(`≤ ${attacker.peakOpen.toLocaleString('en')} held open`);
  if (attacker.medianHeldMs !== undefined) parts.push(`each for ${fixed(attacker.medianHeldMs)} ms (median)`);
  return parts.join('; ');
}

/** The worse of the victim's two routes, each against its own median alone. */
function worseRatio(row: FairnessRow, alone: FairnessRow | undefined): number {
  if (alone === undefined) return NaN;
  const ratio = (route: keyof FairnessRow['victim']['medianMs']) =>
    row.victim.medianMs[route] / alone.victim.medianMs[route];
  return Math.max(ratio('POST /tabung'), ratio('GET /saldo'));
}

/** The issue-18 targets sit in the headers: no refusal for the victim, and its median within 2× of alone. */
export function fairnessTable(rows: FairnessRow[]): string {
  const aloneOn = (row: FairnessRow) =>
    rows.find((r) => r.attacker === undefined && r.fault === undefined && r.longHistory === row.longHistory);
  return [
    '| scenario | victim requests | victim median ms, POST /tabung / GET /saldo | p99 ms | ' +
      'median ÷ alone, worse route (≤ 2) | victim refusals (0) | victim connection errors | attacker answers |',
    '|---|--:|--:|--:|--:|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.victim.requests} | ${fixed(r.victim.medianMs['POST /tabung'], 1)} / ` +
        `${fixed(r.victim.medianMs['GET /saldo'], 1)} | ${fixed(r.victim.p99Ms, 1)} | ` +
        `${fixed(worseRatio(r, aloneOn(r)), 2)} | ${counts(r.victim.refusals)} | ${counts(r.victim.errors)} | ` +
        `${attackerCell(r)} |`,
    ),
  ].join('\n');
}

/** What the fairness rows ran on, for the line above their table. */
export const fairnessSetup = (): string =>
  `Fairness (${FAIRNESS_ACCOUNTS.toLocaleString('en')} accounts; for the streams and their own baseline, one more ` +
  `holding ${FAIRNESS_HISTORY.toLocaleString('en')} mutasi; server pinned to core 0, attacker to core 1; the victim, from ` +
  `127.0.0.1, alternates POST /tabung and GET /saldo, one at a time, at most one per ${VICTIM_INTERVAL_MS} ms, ` +
  `for ${VICTIM_MS / 1_000} s; for the broken file, only its requests after the mend count):`;

/** The measured section: the machine it ran on, then the tables. */
export function formatReport(
  rows: Row[],
  costs: WriteCost[],
  longHistory: LongHistoryRow[],
  fairness: FairnessRow[],
): string {
  return [
    `Run on ${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'} · ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ` +
      `wrk, ${CONNECTIONS} connections, ${SECONDS} s per row, server pinned to core ${SERVER_CORE} and load to core ` +
      `${LOAD_CORE} (PostgreSQL itself unpinned; postgres × 2 shares one core between its two servers)`,
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
    '',
    fairnessSetup(),
    '',
    fairnessTable(fairness),
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
