// `npm run bench`: the real server against the two ceilings of this machine, measured in one run, as ratios.
// Absolute numbers drift on shared machines; only ratios from the same run are comparable.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stopProcess } from '../tests/server-process';
import { CEILING_ROUTES, SERVER_ROUTES } from './load';
import { measure, type Row } from './measure';
import { seedPostgres } from './postgres-seed';
import { formatReport, writeReport } from './report';
import { seedAccounts } from './seed';
import { startBuiltServer, startCeiling } from './servers';
import { measureWriteCost, type WriteCost } from './write-cost';

/** The ceilings: what any Node HTTP service, then any Express service, can serve on this machine. */
async function measureCeilings(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [target, kind] of [
    ['node:http ceiling', 'http'],
    ['Express ceiling', 'express'],
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

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabungan-bench-'));
  try {
    const rows = [...(await measureCeilings()), ...(await measureJsonFile(dir))];
    const databaseUrl = process.env.BENCH_DATABASE_URL;
    if (databaseUrl === undefined) {
      console.error('  BENCH_DATABASE_URL is not set: the PostgreSQL rows are left out of this run');
    } else {
      rows.push(...(await measurePostgres(databaseUrl)));
    }
    const costs: WriteCost[] = [];
    for (const accounts of [1_000, 10_000, 100_000]) costs.push(await measureWriteCost(dir, accounts));

    const report = formatReport(rows, costs);
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
