// `npm run bench`: the real server against the two ceilings of this machine, measured in one run, as ratios.
// Absolute numbers drift on shared machines; only ratios from the same run are comparable.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { runMigrations } from '../src/store/postgres/migrate';
import { Ledger } from '../src/store/json-file/ledger';
import { openJsonFileStore } from '../src/store/json-file/json-file-store';
import { noRekeningKe, seedAccounts } from './seed';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 64;
const ROOT = path.join(__dirname, '..');

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
};
const AUTHORIZATION = `Bearer ${BENCH_TOKEN}`;

/** Every server this run started; none may outlive it, whatever happens. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  port: number;
  startupMs: number;
}

/** Spawns a server and waits for the line that names its port; every server listens on 127.0.0.1 only. */
function startProcess(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // info: the server's start line carries its port, and the real server is measured with its logging on.
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no port within 30 s: ${output}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before listening: ${output}`)));
    const waitForPort = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      // From here on the request logs are read and dropped: keeping and scanning them would make this process,
      // which also runs the load generator, the bottleneck.
      child.stdout.off('data', waitForPort);
      child.stdout.resume();
      resolve({ child, port: Number(port), startupMs: performance.now() - started });
    };
    child.stdout.on('data', waitForPort);
  });
}

async function stopProcess({ child }: Running): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Peak resident memory of a process, in MB, from /proc (Linux). */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

type Route = 'GET /saldo' | 'POST /tabung' | 'POST /tabung + key';
/** The ceilings have no store, so a key means nothing to them. */
const CEILING_ROUTES: Route[] = ['GET /saldo', 'POST /tabung'];
const SERVER_ROUTES: Route[] = [...CEILING_ROUTES, 'POST /tabung + key'];

/** The ceilings answer a constant, so a keyed POST is measured against their plain POST. */
const ceilingRoute = (route: Route): Route => (route === 'GET /saldo' ? route : 'POST /tabung');

/** Unique Idempotency-Keys for this run: every keyed request is a first request, never a replay. */
let keyCounter = 0;
const runId = Date.now().toString(36);

async function load(
  port: number,
  route: Route,
  accounts: number,
  seconds: number,
  connections = CONNECTIONS,
): Promise<autocannon.Result> {
  const pick = () => noRekeningKe(Math.floor(Math.random() * accounts));
  const body = () => JSON.stringify({ no_rekening: pick(), nominal: 1_000 });
  const requests: Record<Route, autocannon.Request> = {
    'GET /saldo': {
      method: 'GET',
      headers: { authorization: AUTHORIZATION },
      setupRequest: (req) => ({ ...req, path: `/saldo/${pick()}` }),
    },
    'POST /tabung': {
      method: 'POST',
      path: '/tabung',
      headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
      setupRequest: (req) => ({ ...req, body: body() }),
    },
    'POST /tabung + key': {
      method: 'POST',
      path: '/tabung',
      setupRequest: (req) => ({
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: AUTHORIZATION,
          'idempotency-key': `bench-${runId}-${keyCounter++}`,
        },
        body: body(),
      }),
    },
  };
  const request = requests[route];
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [request],
  });
}

interface Row {
  target: string;
  route: Route;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  fileMb?: number;
  rssMb: number;
  startupMs?: number;
}

/** Loads one server, or several sharing the connections between them, and sums what they served. */
async function measure(
  target: string,
  servers: Running[],
  accounts: number,
  routes: Route[],
  dataFile?: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  const perServer = Math.floor(CONNECTIONS / servers.length);
  // Warm-up: JIT and caches, not counted.
  await Promise.all(servers.map((server) => load(server.port, 'GET /saldo', accounts, 2, perServer)));
  for (const route of routes) {
    const results = await Promise.all(
      servers.map((server) => load(server.port, route, accounts, SECONDS, perServer)),
    );
    const row: Row = {
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

/**
 * A fresh schema in BENCH_DATABASE_URL seeded with `accounts` accounts (the same data as the JSON seed, made
 * in bulk by generate_series); returns a URL whose connections use that schema.
 */
async function seedPostgres(databaseUrl: string, accounts: number): Promise<string> {
  const skema = `bench_${accounts}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${skema}`);
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${skema} CASCADE`);
  await admin.query(`CREATE SCHEMA ${skema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await runMigrations(pool);
    await pool.query(
      `INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo)
       SELECT lpad(i::text, 10, '0'), 'Nasabah Uji ' || i, '3201' || lpad(i::text, 12, '0'),
              '08' || lpad(i::text, 10, '0'), 1000000
       FROM generate_series(0, $1::int - 1) AS i`,
      [accounts],
    );
    await pool.query(
      `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
       SELECT lpad(i::text, 10, '0'), '2026-11-29T00:00:00Z', 'C', 1000000 FROM generate_series(0, $1::int - 1) AS i`,
      [accounts],
    );
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
  return url.toString();
}

/** How one durable write's cost grows with the file: serialising the ledger vs the whole write with fsync. */
async function writeCost(dir: string, accounts: number) {
  const dataFile = path.join(dir, `write-cost-${accounts}.json`);
  await seedAccounts(dataFile, accounts);
  const teks = await readFile(dataFile, 'utf8');
  const loadStart = performance.now();
  const buku = Ledger.parse(teks);
  const loadMs = performance.now() - loadStart;
  const serialiseStart = performance.now();
  for (let i = 0; i < 5; i += 1) buku.prepareWrite();
  const serialiseMs = (performance.now() - serialiseStart) / 5;

  const store = await openJsonFileStore(dataFile);
  const writes: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const start = performance.now();
    await store.catatMutasi(noRekeningKe(i % accounts), {
      waktu: new Date().toISOString(),
      kode_transaksi: 'C',
      nominal: 1,
    });
    writes.push(performance.now() - start);
  }
  await store.close();
  writes.sort((a, b) => a - b);
  return {
    accounts,
    fileMb: (await stat(dataFile)).size / 1e6,
    loadMs,
    serialiseMs,
    writeP50Ms: writes[Math.floor(writes.length / 2)] ?? NaN,
    writeMaxMs: writes.at(-1) ?? NaN,
  };
}

const fixed = (n: number | undefined, digits = 0) => (n === undefined ? '' : n.toFixed(digits));

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

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabungan-bench-'));
  const rows: Row[] = [];
  try {
    for (const [target, kind] of [
      ['node:http ceiling', 'http'],
      ['Express ceiling', 'express'],
    ] as const) {
      const running = await startProcess(['--import', 'tsx', 'bench/ceilings.ts', kind]);
      rows.push(...(await measure(target, [running], 1_000, CEILING_ROUTES)));
      await stopProcess(running);
    }
    for (const accounts of [1_000, 100_000]) {
      const dataFile = path.join(dir, `nasabah-${accounts}.json`);
      await seedAccounts(dataFile, accounts);
      const running = await startProcess(['dist/server.js'], { ...SERVER_ENV, DATA_FILE: dataFile });
      rows.push(
        ...(await measure(
          `server, ${accounts.toLocaleString('en')} accounts`,
          [running],
          accounts,
          SERVER_ROUTES,
          dataFile,
        )),
      );
      await stopProcess(running);
    }
    const databaseUrl = process.env.BENCH_DATABASE_URL;
    if (databaseUrl === undefined) {
      console.error('  BENCH_DATABASE_URL is not set: the PostgreSQL rows are left out of this run');
    } else {
      for (const accounts of [1_000, 100_000]) {
        const url = await seedPostgres(databaseUrl, accounts);
        for (const processes of [1, 2]) {
          const servers = await Promise.all(
            Array.from({ length: processes }, () =>
              startProcess(['dist/server.js'], { ...SERVER_ENV, STORE: 'postgres', DATABASE_URL: url }),
            ),
          );
          const target = `postgres × ${processes}, ${accounts.toLocaleString('en')} accounts`;
          rows.push(...(await measure(target, servers, accounts, SERVER_ROUTES)));
          await Promise.all(servers.map(stopProcess));
        }
      }
    }
    const costs = [];
    for (const accounts of [1_000, 10_000, 100_000]) costs.push(await writeCost(dir, accounts));

    const report = [
      `Run on ${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'} · ` +
        `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${CONNECTIONS} connections, ${SECONDS} s per row`,
      '',
      throughputTable(rows),
      '',
      'Cost of one durable write (a batch of one) as the file grows:',
      '',
      '| accounts | file MB | load + check ms | serialise ms | write p50 ms | write max ms |',
      '|--:|--:|--:|--:|--:|--:|',
      ...costs.map(
        (c) =>
          `| ${c.accounts.toLocaleString('en')} | ${fixed(c.fileMb, 1)} | ${fixed(c.loadMs)} | ${fixed(c.serialiseMs, 1)} | ` +
          `${fixed(c.writeP50Ms, 1)} | ${fixed(c.writeMaxMs, 1)} |`,
      ),
    ].join('\n');
    console.log(report);
    await writeResults(report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces the measured section of BENCHMARKS.md, keeping the hand-written analysis around it. */
async function writeResults(report: string): Promise<void> {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const current = await readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${start}\n${end}\n`);
  const before = current.split(start)[0] ?? '';
  const after = current.split(end)[1] ?? '\n';
  await writeFile(file, `${before}${start}\n${report}\n${end}${after}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
