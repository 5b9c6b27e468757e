// npm run seed: an empty store gets the example accounts or N generated ones, through the use cases; a store that
// has accounts is refused and left as it was.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DaftarRequest } from '../src/domain/schemas';
import { openJsonFileStore, parseDataFile } from '../src/store/json-file';
import { openPostgresStore } from '../src/store/postgres';
import { readMutasi, tempDataFile } from './helpers';
import { hasPostgres, newSchema } from './postgres';

const EXAMPLE_FILE = path.join(__dirname, '..', 'data', 'nasabah.example.json');

const INHERITED = new Set([
  'STORE',
  'DATABASE_URL',
  'DATA_FILE',
  'PIN_REQUIRED',
  'DAILY_DEBIT_LIMIT',
  'npm_config_generate',
]);

/** Runs `npm run seed -- <args>` without building first, on the store `store` names and nothing else. */
function seed(args: string[], store: Record<string, string>) {
  // The developer's own settings must not reach the seed: only the store the test names.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED.has(name)));
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', 'src', 'cli', 'seed.ts'), ...args],
    { env: { ...env, ...store }, encoding: 'utf8' },
  );
}

const jsonStore = (dataFile: string) => ({ STORE: 'json', DATA_FILE: dataFile });

describe('npm run seed', () => {
  describe('with no argument, on an empty data file', () => {
    it('gives the accounts of the example file: their numbers, data, saldo and moves, made by "seed"', async () => {
      const dataFile = await tempDataFile();
      const example = parseDataFile(await readFile(EXAMPLE_FILE, 'utf8'));

      const run = seed([], jsonStore(dataFile));

      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`diisi: ${example.nasabah.size} nasabah`);
      expect(run.stdout).toContain(dataFile);
      const seeded = parseDataFile(await readFile(dataFile, 'utf8'));
      const store = await openJsonFileStore(dataFile);
      try {
        for (const [noRekening, { nama, nik, no_hp, saldo, mutasi }] of example.nasabah) {
          expect(run.stdout).toContain(noRekening);
          expect(seeded.nasabah.get(noRekening)).toMatchObject({ nama, nik, no_hp });
          expect(await store.saldo(noRekening)).toBe(saldo);
          const history = (await readMutasi(store, noRekening)) ?? [];
          expect(history.map(({ kode_transaksi, nominal }) => ({ kode_transaksi, nominal }))).toEqual(
            mutasi.map(({ kode_transaksi, nominal }) => ({ kode_transaksi, nominal })),
          );
          expect(history.every((m) => m.client === 'seed' && m.request_id !== undefined)).toBe(true);
        }
      } finally {
        await store.close();
      }
      expect(seeded.nasabah.size).toBe(example.nasabah.size);
    });
  });

  describe('with --generate 5', () => {
    it('gives 5 valid accounts with unique nik and no_hp, each paid into', async () => {
      const dataFile = await tempDataFile();

      const run = seed(['--generate', '5'], jsonStore(dataFile));

      expect(run.status).toBe(0);
      expect(run.stdout).toContain('diisi: 5 nasabah');
      // parseDataFile checks every rule of the file, saldo = ΣC − ΣD included.
      const nasabah = [...parseDataFile(await readFile(dataFile, 'utf8')).nasabah];
      expect(nasabah).toHaveLength(5);
      for (const [noRekening, { nama, nik, no_hp, saldo, mutasi }] of nasabah) {
        expect(DaftarRequest.safeParse({ nama, nik, no_hp }).success).toBe(true);
        expect(saldo).toBeGreaterThan(0);
        expect(mutasi.length).toBeGreaterThan(0);
        expect(mutasi.every((m) => m.kode_transaksi === 'C' && m.client === 'seed')).toBe(true);
        expect(noRekening).toMatch(/^[0-9]{10}$/);
      }
      expect(new Set(nasabah.map(([, { nik }]) => nik)).size).toBe(5);
      expect(new Set(nasabah.map(([, { no_hp }]) => no_hp)).size).toBe(5);
      // The accounts shown to try are among them, with their saldo.
      const shown = [...run.stdout.matchAll(/^ {2}([0-9]{10}) {2}saldo ([0-9]+)$/gm)];
      expect(shown).toHaveLength(3);
      const saldoOf = new Map(nasabah.map(([noRekening, { saldo }]) => [noRekening, String(saldo)]));
      for (const [, noRekening, saldo] of shown) expect(saldoOf.get(noRekening ?? '')).toBe(saldo);
    });

    it('is read from npm_config_generate too, where npm puts --generate=5 when -- was forgotten', async () => {
      const dataFile = await tempDataFile();

      const run = seed([], { ...jsonStore(dataFile), npm_config_generate: '5' });

      expect(run.status).toBe(0);
      expect(parseDataFile(await readFile(dataFile, 'utf8')).nasabah.size).toBe(5);
    });
  });

  describe('on a store that already has accounts', () => {
    it('refuses with exit code 1, saying how many, and changes nothing', async () => {
      const dataFile = await tempDataFile();
      expect(seed(['-n', '2'], jsonStore(dataFile)).status).toBe(0);
      const before = await readFile(dataFile, 'utf8');

      const run = seed(['-n', '3'], jsonStore(dataFile));

      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`berkas data ${dataFile} sudah berisi 2 nasabah`);
      expect(await readFile(dataFile, 'utf8')).toBe(before);
    });
  });

  describe('with a bad N', () => {
    it.each(['--generate 0', '--generate 100001', '-n abc', '--generate 1e3', '--generate'])(
      '%s: refuses with exit code 2 and the rule, before the store is touched',
      async (command) => {
        const args = command.split(' ');
        const dataFile = await tempDataFile();

        const run = seed(args, jsonStore(dataFile));

        expect(run.status).toBe(2);
        expect(run.stderr).toContain('N harus bilangan bulat dari 1 sampai 100000');
        expect(run.stderr).toContain('pemakaian: npm run seed');
        expect(existsSync(dataFile)).toBe(false);
      },
    );
  });

  it('--help prints the usage and exits 0, touching nothing', async () => {
    const dataFile = await tempDataFile();

    const run = seed(['--help'], jsonStore(dataFile));

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^pemakaian: npm run seed \[-- --generate N\]/);
    expect(existsSync(dataFile)).toBe(false);
  });
});

(hasPostgres ? describe : describe.skip)(
  'npm run seed on PostgreSQL (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    it('gives the example accounts, and refuses a second seed', async () => {
      const databaseUrl = await newSchema('seed');
      const example = parseDataFile(await readFile(EXAMPLE_FILE, 'utf8'));

      const first = seed([], { STORE: 'postgres', DATABASE_URL: databaseUrl });
      const second = seed(['-n', '1'], { STORE: 'postgres', DATABASE_URL: databaseUrl });

      expect(first.status).toBe(0);
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`sudah berisi ${example.nasabah.size} nasabah`);
      const store = await openPostgresStore(databaseUrl);
      try {
        for (const [noRekening, { saldo }] of example.nasabah)
          expect(await store.saldo(noRekening)).toBe(saldo);
      } finally {
        await store.close();
      }
    });
  },
);
