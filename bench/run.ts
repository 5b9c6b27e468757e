// `npm run bench`: the real server against the two ceilings of this machine, measured in one run, as ratios.
// Absolute numbers drift on shared machines; only ratios from the same run are comparable.
// BENCH_ONLY=long-history runs only the long-history rows and prints their table without touching BENCHMARKS.md
// (a partial run must not replace the whole measured section): for trying those rows in a minute, not seven.
// BENCH_ONLY=fairness does the same for the fairness rows (bench/fairness.ts), and BENCH_ONLY=writes for the
// ceilings, the JSON file and the SQLite anchors (the write-pipeline rows).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stopProcess } from '../tests/server-process';
import { measureFairness } from './fairness';
import { CEILING_ROUTES, SERVER_ROUTES } from './load';
import { HISTORY_LENGTH, SMALL_ACCOUNTS, measureLongHistory, type LongHistoryRow } from './long-history';
import { measure, type Row } from './measure';
import { seedPostgres } from './postgres-seed';
import {
  fairnessSetup,
  fairnessTable,
  formatReport,
  longHistoryTable,
  throughputTable,
  writeReport,
} from './report';
import { seedAccounts } from './seed';
import { startBuiltServer, startCeiling, startSqlite } from './servers';
import { measureWriteCost, type WriteCost } from './write-cost';

/**
 * The ceilings: what any Node HTTP service, then any Express service as shipped, then one built on its own
 * request and answer prototypes as ours is, can serve on this machine.
 */
async function measureCeilings(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [target, kind] of [
    ['node:http ceiling', 'http'],
    ['Express ceiling', 'express'],
    ['Express ceiling, own prototypes', 'express-own-prototypes'],
  ] as const) {
    const running = await startCeiling(kind);
    rows.push(...(await measure(target, [running], 1_000, CEILING_ROUTES)));
    await stopProcess(running);
  }
  return rows;
}

/** The real server on its JSON data file, small and large. */
async function measureJsonFile(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const accounts of [1_000, 100_000]) {
    const dataFile = path.join(dir, `nasabah-${accounts}.json`);
    await seedAccounts(dataFile, accounts);
    const running = await startBuiltServer({ DATA_FILE: dataFile });
    const target = `server, ${accounts.toLocaleString('en')} accounts`;
    rows.push(...(await measure(target, [running], accounts, SERVER_ROUTES, dataFile)));
    await stopProcess(running);
  }
  return rows;
}

/**
 * The anchors: what a peer on SQLite serves on this machine, durable (every commit fsynced, as our 200s are) and
 * not, on the same Express and the same accounts.
 */
async function measureSqlite(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const accounts of [1_000, 100_000]) {
    for (const mode of ['durable', 'fast'] as const) {
      const running = await startSqlite(mode, accounts, path.join(dir, `sqlite-${mode}-${accounts}.db`));
      const target = `SQLite ${mode === 'durable' ? 'durable' : 'not durable'}, ${accounts.toLocaleString('en')} accounts`;
      rows.push(...(await measure(target, [running], accounts, CEILING_ROUTES)));
      await stopProcess(running);
    }
  }
  return rows;
}

/** The real server on PostgreSQL, small and large, as one process and as two sharing the database. */
async function measurePostgres(databaseUrl: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const accounts of [1_000, 100_000]) {
    const url = await seedPostgres(databaseUrl, accounts);
    for (const processes of [1, 2]) {
      const servers = await Promise.all(
        Array.from({ length: processes }, () => startBuiltServer({ STORE: 'postgres', DATABASE_URL: url })),
      );
      const target = `postgres × ${processes}, ${accounts.toLocaleString('en')} accounts`;
      rows.push(...(await measure(target, servers, accounts, SERVER_ROUTES)));
      await Promise.all(servers.map(stopProcess));
    }
  }
  return rows;
}

/** Small accounts and one with a long history, on the JSON file and, given a database, on PostgreSQL. */
async function measureLongHistoryRows(
  dir: string,
  databaseUrl: string | undefined,
): Promise<LongHistoryRow[]> {
  const rows: LongHistoryRow[] = [];
  const dataFile = path.join(dir, 'long-history.json');
  await seedAccounts(dataFile, SMALL_ACCOUNTS, HISTORY_LENGTH);
  const fileServer = await startBuiltServer({ DATA_FILE: dataFile });
  try {
    rows.push(await measureLongHistory('JSON file', fileServer, dataFile));
  } finally {
    await stopProcess(fileServer);
  }
  if (databaseUrl === undefined) return rows;
  const url = await seedPostgres(databaseUrl, SMALL_ACCOUNTS, HISTORY_LENGTH);
  const postgresServer = await startBuiltServer({ STORE: 'postgres', DATABASE_URL: url });
  try {
    rows.push(await measureLongHistory('postgres', postgresServer));
  } finally {
    await stopProcess(postgresServer);
  }
  return rows;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabungan-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (databaseUrl === undefined) {
    console.error('  BENCH_DATABASE_URL is not set: the PostgreSQL rows are left out of this run');
  }
  try {
    if (process.env.BENCH_ONLY === 'long-history') {
      console.log(longHistoryTable(await measureLongHistoryRows(dir, databaseUrl)));
      return;
    }
    if (process.env.BENCH_ONLY === 'writes') {
      const rows = [
        ...(await measureCeilings()),
        ...(await measureJsonFile(dir)),
        ...(await measureSqlite(dir)),
      ];
      console.log(throughputTable(rows));
      return;
    }
    if (process.env.BENCH_ONLY === 'fairness') {
      console.log(`${fairnessSetup()}\n\n${fairnessTable(await measureFairness(dir))}`);
      return;
    }
    const rows = [
      ...(await measureCeilings()),
      ...(await measureJsonFile(dir)),
      ...(await measureSqlite(dir)),
    ];
    if (databaseUrl !== undefined) rows.push(...(await measurePostgres(databaseUrl)));
    const costs: WriteCost[] = [];
    for (const accounts of [1_000, 10_000, 100_000]) costs.push(await measureWriteCost(dir, accounts));
    const longHistory = await measureLongHistoryRows(dir, databaseUrl);
    const fairness = await measureFairness(dir);

    const report = formatReport(rows, costs, longHistory, fairness);
    console.log(report);
    await writeReport(report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
