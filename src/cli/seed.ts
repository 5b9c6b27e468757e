// npm run seed [-- --generate N]: fills an empty store, the one the server is configured with, with the example
// accounts or N generated ones. Every account and every move goes through the use cases (daftar, tabung, tarik,
// transfer), so the bank's rules hold and each move is durable before the next; a store that already has
// accounts is refused, never mixed into or overwritten.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { dailyLimitOf, loadConfig, type Config } from '../config';
import { drawNoRekening } from '../domain/rekening';
import { DaftarRequest, GerakDanaRequest, TransferRequest } from '../domain/schemas';
import type { Store } from '../domain/store';
import { createTabungan, type Caller, type Tabungan } from '../domain/tabungan';
import { openJsonFileStore, parseDataFile } from '../store/json-file';
import { openPostgresStore } from '../store/postgres';
import { answerHelp, exitWithUsage, report } from './command';

const MAX_GENERATED = 100_000;
const USAGE =
  `npm run seed [-- --generate N]   (tanpa pilihan: rekening contoh data/nasabah.example.json; ` +
  `--generate N atau -n N: N nasabah buatan, N dari 1 sampai ${MAX_GENERATED})`;
/** Beside the compiled file (dist/cli) as beside the source (src/cli): two folders below the package root. */
const EXAMPLE_FILE = path.join(__dirname, '..', '..', 'data', 'nasabah.example.json');
/** Who the audit trail says made the seed's mutasi (npm run audit shows it). */
const SEED_CLIENT = 'seed';
/** Accounts shown at the end, to try the API with. */
const SHOWN = 3;

type Plan = { kind: 'example' } | { kind: 'generate'; count: number };

/** The argument after --generate / -n, or the refusal with its usage (exit 2), before anything is opened. */
function countOf(text: string | undefined): number {
  const count = Number(text);
  if (text === undefined || !/^[0-9]+$/.test(text) || count < 1 || count > MAX_GENERATED) {
    console.error(`N harus bilangan bulat dari 1 sampai ${MAX_GENERATED}`);
    exitWithUsage(USAGE);
  }
  return count;
}

function planOf(args: readonly string[]): Plan {
  // Without `--`, npm takes --generate as its own config: `--generate=5` reaches us only as npm_config_generate,
  // and `--generate 5` as that flag plus a bare 5. Read there too, so that a forgotten `--` never seeds the
  // example in place of the N accounts asked for.
  const fromNpm = process.env.npm_config_generate;
  if (fromNpm !== undefined) {
    if (fromNpm !== 'true' && args.length === 0) return { kind: 'generate', count: countOf(fromNpm) };
    if (fromNpm === 'true' && args.length === 1) return { kind: 'generate', count: countOf(args[0]) };
    exitWithUsage(USAGE);
  }
  const [option, ...rest] = args;
  if (option === undefined) return { kind: 'example' };
  const inline = /^--generate=(.*)$/s.exec(option);
  if (inline !== null && rest.length === 0) return { kind: 'generate', count: countOf(inline[1]) };
  if ((option === '--generate' || option === '-n') && rest.length <= 1)
    return { kind: 'generate', count: countOf(rest[0]) };
  exitWithUsage(USAGE);
}

answerHelp(USAGE);
const plan = planOf(process.argv.slice(2));

function openConfiguredStore(config: Config): Promise<Store> {
  const limits = { maxQueuedChanges: config.MAX_QUEUED_CHANGES };
  return config.STORE === 'postgres'
    ? openPostgresStore(config.DATABASE_URL, limits)
    : openJsonFileStore(config.DATA_FILE, { ...limits, staleMs: config.LOCK_STALE_MS });
}

/** Where the seed went, for the operator: a database is named by host and name, never with its password. */
function whereOf(config: Config): string {
  if (config.STORE === 'json') return `berkas data ${config.DATA_FILE}`;
  const url = new URL(config.DATABASE_URL);
  return `PostgreSQL ${url.host}${url.pathname}`;
}

/**
 * How many accounts the store holds already. The port has no such read, so each adapter's own form is counted:
 * the data file as its loader reads it, the nasabah table (which the store's migrations have made by now).
 */
async function countNasabah(config: Config): Promise<number> {
  if (config.STORE === 'json') return parseDataFile(await readFile(config.DATA_FILE, 'utf8')).nasabah.size;
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) AS count FROM nasabah');
    return Number(rows[0]?.count ?? 0);
  } finally {
    await pool.end();
  }
}

/** A caller per change, as the server gives each request its own id: a random prefix, then a counter. */
function seedCallers(): () => Caller {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => {
    counter += 1;
    return { client: SEED_CLIENT, requestId: `${prefix}-${counter.toString(36)}` };
  };
}

interface Seeded {
  /** The accounts made, in the order they were made. */
  noRekening: string[];
  mutasiCount: number;
}

/**
 * The example file's accounts under their own numbers (the draw falls back to a fresh one only if a number is
 * taken), and their mutasi replayed in waktu order: a C or D as a tabung or tarik, a transfer once, from its D.
 * The waktu of each is the seed's own time, like any other change.
 */
async function seedExample(
  tabungan: Tabungan,
  nextCaller: () => Caller,
  wantNoRekening: (noRekening: string) => void,
): Promise<Seeded> {
  const example = parseDataFile(await readFile(EXAMPLE_FILE, 'utf8'));
  /** The number each example account got: its own, unless that one was taken. */
  const seededAs = new Map<string, string>();
  for (const [noRekening, { nama, nik, no_hp, pin }] of example.nasabah) {
    if (pin !== undefined) throw new Error(`rekening contoh ${noRekening} ber-PIN; seed tidak menyalin PIN`);
    wantNoRekening(noRekening);
    const { no_rekening } = await tabungan.daftar(DaftarRequest.parse({ nama, nik, no_hp }), nextCaller());
    seededAs.set(noRekening, no_rekening);
  }
  const seededNoRekening = (noRekening: string): string => {
    const seeded = seededAs.get(noRekening);
    if (seeded === undefined) throw new Error(`rekening ${noRekening} tidak ada di berkas contoh`);
    return seeded;
  };
  const moves = [...example.nasabah]
    .flatMap(([noRekening, nasabah]) => nasabah.mutasi.map((mutasi) => ({ noRekening, mutasi })))
    .sort((a, b) => Date.parse(a.mutasi.waktu) - Date.parse(b.mutasi.waktu));
  let mutasiCount = 0;
  for (const { noRekening, mutasi } of moves) {
    const seeded = seededNoRekening(noRekening);
    if (mutasi.no_rekening_lawan === undefined) {
      const gerak = GerakDanaRequest.parse({ no_rekening: seeded, nominal: mutasi.nominal });
      await (mutasi.kode_transaksi === 'C'
        ? tabungan.tabung(gerak, nextCaller())
        : tabungan.tarik(gerak, nextCaller()));
      mutasiCount += 1;
    } else if (mutasi.kode_transaksi === 'D') {
      const transfer = TransferRequest.parse({
        no_rekening_asal: seeded,
        no_rekening_tujuan: seededNoRekening(mutasi.no_rekening_lawan),
        nominal: mutasi.nominal,
      });
      await tabungan.transfer(transfer, nextCaller());
      mutasiCount += 2;
    }
  }
  // A transfer's C whose D the file lacks would have been skipped: each saldo must come out as the file says.
  for (const [noRekening, { saldo }] of example.nasabah) {
    const after = await tabungan.saldo(seededNoRekening(noRekening), nextCaller());
    if (after.saldo !== saldo)
      throw new Error(`rekening contoh ${noRekening}: saldo ${after.saldo} setelah seed, di berkas ${saldo}`);
  }
  return { noRekening: [...seededAs.values()], mutasiCount };
}

/** The words a generated nama is made of: one of the first, one of the last. */
const NAMA_FIRST_WORDS = 'Budi Siti Agus Dewi Eko Rina Joko Sri Hendra Wati Bayu Lestari'.split(' ');
const NAMA_LAST_WORDS = 'Santoso Aminah Wijaya Lestari Saputra Hidayat Kusuma Pratama Rahayu'.split(' ');

/** A fixed pseudo-random number per account and draw (a 32-bit mix), so a seed of N is the same every time. */
function mix(index: number, draw: number): number {
  let x = Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(draw + 1, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The index-th generated nasabah. nik starts 99 and no_hp 0800, which no province and no mobile network uses,
 * so they are plainly made up, and the index in their last digits keeps them unique.
 */
function generatedNasabah(index: number): DaftarRequest {
  const pick = (words: readonly string[], draw: number) => words[mix(index, draw) % words.length] ?? '';
  const nama = `${pick(NAMA_FIRST_WORDS, 0)} ${pick(NAMA_LAST_WORDS, 1)}`;
  const digits = String(index + 1).padStart(8, '0');
  return DaftarRequest.parse({ nama, nik: `99000000${digits}`, no_hp: `0800${digits}` });
}

/** One to three tabung of 10,000 to 5,000,000 rupiah, in steps of 10,000. */
function setoranOf(index: number): number[] {
  return Array.from(
    { length: 1 + (mix(index, 2) % 3) },
    (_, draw) => (1 + (mix(index, 3 + draw) % 500)) * 10_000,
  );
}

/**
 * N accounts, each registered and then paid into. Many at once, so that the store batches them (a batch costs
 * one durable write, whatever its size), but no more than its queue takes: beyond that it refuses a change.
 * After a failure no new account is begun; the first failure is the answer.
 */
async function seedGenerated(
  tabungan: Tabungan,
  nextCaller: () => Caller,
  count: number,
  width: number,
): Promise<Seeded> {
  const noRekening: string[] = new Array<string>(count);
  let next = 0;
  let mutasiCount = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const index = next;
      next += 1;
      try {
        const { no_rekening } = await tabungan.daftar(generatedNasabah(index), nextCaller());
        noRekening[index] = no_rekening;
        for (const nominal of setoranOf(index)) {
          await tabungan.tabung(GerakDanaRequest.parse({ no_rekening, nominal }), nextCaller());
          mutasiCount += 1;
        }
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  if (failure !== undefined) throw failure.error;
  return { noRekening, mutasiCount };
}

class StoreNotEmpty extends Error {
  override readonly name = 'StoreNotEmpty';
}

/**
 * The use cases with the server's rules (the daily limit, the PIN lockout), and a draw that can be asked for one
 * number first: an example account's own, which it gets unless that one is taken.
 */
function seedTabungan(store: Store, config: Config) {
  let wanted: string | undefined;
  const tabungan = createTabungan({
    store,
    clock: () => new Date(),
    newNoRekening: () => {
      const drawn = wanted ?? drawNoRekening();
      wanted = undefined;
      return drawn;
    },
    pinLockoutMs: config.PIN_LOCKOUT_MINUTES * 60_000,
    isPinRequired: config.PIN_REQUIRED,
    dailyLimit: dailyLimitOf(config),
  });
  return { tabungan, wantNoRekening: (noRekening: string) => void (wanted = noRekening) };
}

/** What the operator reads: how many, from where, into which store, and a few accounts to try. */
async function summaryOf(store: Store, config: Config, seeded: Seeded): Promise<string> {
  const from =
    plan.kind === 'example' ? `dari ${path.relative(process.cwd(), EXAMPLE_FILE)}` : 'buatan (--generate)';
  const shown = await Promise.all(
    seeded.noRekening.slice(0, SHOWN).map(async (noRekening) => {
      const saldo = await store.saldo(noRekening);
      return `  ${noRekening}  saldo ${saldo ?? '?'}`;
    }),
  );
  const [first] = seeded.noRekening;
  return [
    `diisi: ${seeded.noRekening.length} nasabah, ${seeded.mutasiCount} mutasi, ${from}, ke ${whereOf(config)}`,
    `rekening untuk dicoba:`,
    ...shown,
    ...(first === undefined ? [] : [`misalnya: curl -s localhost:${config.PORT}/saldo/${first}`]),
  ].join('\n');
}

report(
  (async () => {
    const config = loadConfig();
    const where = whereOf(config);
    if (config.PIN_REQUIRED)
      throw new Error(
        'PIN_REQUIRED=true: rekening dari seed tidak memiliki PIN; jalankan seed tanpa PIN_REQUIRED',
      );
    const store = await openConfiguredStore(config);
    try {
      const existing = await countNasabah(config);
      if (existing > 0)
        throw new StoreNotEmpty(
          `${where} sudah berisi ${existing} nasabah; seed hanya mengisi store yang kosong, tidak pernah ` +
            `mencampur atau menimpa (pakai DATA_FILE atau database lain, atau kosongkan yang ini dulu)`,
        );
      const { tabungan, wantNoRekening } = seedTabungan(store, config);
      const nextCaller = seedCallers();
      let seeded: Seeded;
      try {
        seeded =
          plan.kind === 'example'
            ? await seedExample(tabungan, nextCaller, wantNoRekening)
            : await seedGenerated(tabungan, nextCaller, plan.count, config.MAX_QUEUED_CHANGES);
      } catch (error) {
        // Whatever was seeded before the failure stays (each move was durable): the operator must know it is there.
        const cause = error instanceof Error ? error.message : String(error);
        const kept = await countNasabah(config).catch(() => undefined);
        const state =
          kept === undefined
            ? ''
            : `; ${where} kini berisi ${kept} nasabah, kosongkan dulu sebelum mengulang`;
        throw new Error(`seed berhenti: ${cause}${state}`, { cause: error });
      }
      return await summaryOf(store, config, seeded);
    } finally {
      await store.close();
    }
  })(),
);
