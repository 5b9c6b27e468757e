// npm run import / export / migrate: a JSON store copied into PostgreSQL and back comes out the same, and the
// schema can be prepared before any app process starts.
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import { MIGRATIONS } from '../src/store/postgres/migrations';
import { daftarNasabah, makeTestApp, readMutasi, silentLogger, tabung, tempDataFile } from './helpers';
import { hasPostgres, newSchema } from './postgres';

/** Runs a command as `npm run <command> -- <file>` would, without building first. */
function run(
  command: 'import' | 'export' | 'migrate',
  file: string | undefined,
  databaseUrl: string | undefined,
) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '..', 'src', 'cli', `${command}.ts`),
      ...(file === undefined ? [] : [file]),
    ],
    {
      env: databaseUrl === undefined ? env : { ...env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    },
  );
}

(hasPostgres ? describe : describe.skip)(
  'import and export (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    it('round-trips a JSON store through PostgreSQL without loss, idempotency keys and PINs included', async () => {
      const { app, store, dataFile } = await makeTestApp();
      const a = await daftarNasabah(app);
      const b = await daftarNasabah(app, { no_hp: '+6281300001111' });
      await tabung(app, a, 150_000);
      // a gets a PIN from an operator (riwayat_pin: reset; open mode's client may) and one wrong guess (gagal: 1),
      // which must both survive the move.
      await request(app).post('/pin/reset').set('X-PIN-Baru', '975318').send({ no_rekening: a }).expect(200);
      await request(app)
        .post('/tarik')
        .set('X-PIN', '975318')
        .send({ no_rekening: a, nominal: 20_000 })
        .expect(200);
      await request(app).get(`/saldo/${a}`).set('X-PIN', '111111').expect(403);
      await request(app)
        .post('/tabung')
        .set('Idempotency-Key', 'k-1')
        .send({ no_rekening: b, nominal: 5 })
        .expect(200);
      await request(app)
        .post('/tarik')
        .set('Idempotency-Key', 'k-2')
        .send({ no_rekening: b, nominal: 99 })
        .expect(400);
      await store.close();
      const databaseUrl = await newSchema('pindah');
      const exportFile = path.join(path.dirname(await tempDataFile()), 'ekspor', 'nasabah.json');

      const importRun = run('import', dataFile, databaseUrl);
      const exportRun = run('export', exportFile, databaseUrl);

      expect(importRun.stdout).toContain('diimpor: 2 nasabah, 3 mutasi');
      expect(exportRun.status).toBe(0);
      // The PIN's hash moves; the PIN itself is nowhere in the export.
      expect(await readFile(exportFile, 'utf8')).toContain('"hash":"scrypt$14$8$1$');
      expect(await readFile(exportFile, 'utf8')).not.toContain('975318');
      expect(JSON.parse(await readFile(exportFile, 'utf8'))).toEqual(
        JSON.parse(await readFile(dataFile, 'utf8')),
      );
      expect(
        Object.keys((JSON.parse(await readFile(exportFile, 'utf8')) as { idempotensi: object }).idempotensi),
      ).toHaveLength(2);
      // And the imported store serves what the file held, retries included: a retried tabung
      // replays its first answer and moves nothing.
      const postgresStore = await openPostgresStore(databaseUrl);
      const imported = createApp({ store: postgresStore, logger: silentLogger });
      const tabungRetry = await request(imported)
        .post('/tabung')
        .set('Idempotency-Key', 'k-1')
        .send({ no_rekening: b, nominal: 5 });
      expect([tabungRetry.status, tabungRetry.body]).toEqual([200, { saldo: 5 }]);
      expect(await postgresStore.saldo(a)).toBe(130_000);
      await request(imported).get(`/saldo/${a}`).expect(403);
      const guess = await request(imported).get(`/saldo/${a}`).set('X-PIN', '111111').expect(403);
      expect((guess.body as { remark: string }).remark).toContain('sisa 1 kali');
      expect(await postgresStore.saldo(b)).toBe(5);
      expect(await readMutasi(postgresStore, b)).toHaveLength(1);
      await postgresStore.close();
    });

    it('imports all or nothing: a file that clashes with the database changes nothing', async () => {
      const { app, store, dataFile } = await makeTestApp();
      await daftarNasabah(app);
      await store.close();
      const databaseUrl = await newSchema('sekali');
      expect(run('import', dataFile, databaseUrl).status).toBe(0);

      const secondImport = run('import', dataFile, databaseUrl);

      expect(secondImport.status).toBe(1);
      const exportFile = path.join(path.dirname(await tempDataFile()), 'satu.json');
      run('export', exportFile, databaseUrl);
      expect(
        Object.keys((JSON.parse(await readFile(exportFile, 'utf8')) as { nasabah: object }).nasabah),
      ).toHaveLength(1);
    });

    it('refuses a file that breaks a rule, naming it, and imports nothing', async () => {
      const dataFile = await tempDataFile();
      await writeFile(
        dataFile,
        '{"nasabah":{"1234567890":{"nama":"A","nik":"3201010101010001","no_hp":"081234567890","saldo":5,"mutasi":[]}}}',
      );

      const result = run('import', dataFile, await newSchema('rusak'));

      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        'rekening 1234567890: saldo tidak sama dengan jumlah mutasi (ΣC − ΣD) (saldo 5, ΣC − ΣD = 0)',
      );
    });

    it('npm run migrate applies what is missing, once, and the store then starts on that schema', async () => {
      const databaseUrl = await newSchema('migrasi');

      const first = run('migrate', undefined, databaseUrl);
      const second = run('migrate', undefined, databaseUrl);

      expect([first.status, first.stdout.trim()]).toEqual([
        0,
        `diterapkan: ${MIGRATIONS.map((migration) => migration.version).join(', ')}`,
      ]);
      expect([second.status, second.stdout.trim()]).toEqual([0, 'skema sudah terbaru']);
      const store = await openPostgresStore(databaseUrl);
      expect(await store.saldo('0000000000')).toBeNull();
      await store.close();
    });

    it('npm run migrate without DATABASE_URL says what is missing and exits 1', () => {
      const result = run('migrate', undefined, undefined);

      expect(result.status).toBe(1);
      expect(result.stderr).toContain('DATABASE_URL wajib diisi');
    });
  },
);
