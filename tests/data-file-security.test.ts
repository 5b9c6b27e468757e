// The data file as an attacker or a careless operator meets it: broken by hand, symlinked, readable by others,
// or written by the version before idempotency keys were per client.
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { openJsonFileStore } from '../src/store/json-file';
import {
  capturingLogger,
  daftarNasabah,
  makeTestApp,
  nasabahTersimpan,
  seedDataFile,
  tempDataFile,
} from './helpers';

describe('a hand-broken data file', () => {
  it('answers 503 with the rule but never the file content, and logs only where the fault is', async () => {
    const { logger, lines } = capturingLogger();
    const dataFile = await tempDataFile();
    const store = await openJsonFileStore(dataFile);
    const app = createApp({ store, logger, failedRequestLimit: 0 });
    const noRekening = await daftarNasabah(app, { nama: 'Siti Rahmawati', nik: '3201019999000001' });
    const teks = await readFile(dataFile, 'utf8');
    // A typo by hand, right after the nama and before the nik: JSON.parse quotes the bytes around it.
    const rusak = teks.replace('"nik":"3201019999000001"', '"nik":x3201019999000001"');
    await writeFile(dataFile, rusak);

    const res = await request(app).get(`/saldo/${noRekening}`);
    await store.close();

    expect(res.status).toBe(503);
    const { remark } = res.body as { remark: string };
    expect(remark).toBe('berkas data tidak valid, perbaiki dulu: bukan JSON yang valid');
    const log = lines.join('');
    const offset = rusak.indexOf('x3201019999000001');
    const line = rusak.slice(0, offset).split('\n').length;
    const column = offset - rusak.lastIndexOf('\n', offset - 1);
    expect(log).toContain(`"detail":"not JSON at line ${line}, column ${column} (offset ${offset})"`);
    expect(log).not.toContain('Rahmawati');
    expect(log).not.toContain('01999');
  });

  it.each([
    [
      'an account key that is not a no_rekening',
      { 'Budi 3201010101010001 PIN 123456': {} },
      'rekening ke-1: no_rekening harus berupa 10 digit angka',
    ],
    [
      'a saldo that is not ΣC − ΣD',
      { '1234567890': nasabahTersimpan({ saldo: 987654321 }) },
      'rekening 1234567890: saldo tidak sama dengan jumlah mutasi (ΣC − ΣD)',
    ],
  ])('names %s without quoting any value from the file', async (_case, nasabah, aturan) => {
    const { app, store, dataFile } = await makeTestApp();
    await seedDataFile(dataFile, nasabah);
    const res = await request(app).get('/saldo/1234567890');
    await store.close();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ remark: `berkas data tidak valid, perbaiki dulu: ${aturan}` });
  });

  it('names an idempotency record by its position, not by the key a client chose', async () => {
    const dataFile = await tempDataFile();
    await writeFile(
      dataFile,
      JSON.stringify({
        nasabah: {},
        idempotensi: { 'rahasia-klien': { sidik: 'x', waktu: 'kemarin', hasil: {} } },
      }),
    );
    await expect(openJsonFileStore(dataFile)).rejects.toThrow(/idempotensi ke-1, waktu/);
    await expect(openJsonFileStore(dataFile)).rejects.not.toThrow(/rahasia-klien/);
  });
});

describe('a DATA_FILE that is a symlink', () => {
  it('writes to its target, keeps the symlink, and puts temp files and the lock beside the target', async () => {
    const dir = path.dirname(await tempDataFile());
    await mkdir(path.join(dir, 'volume'));
    const target = path.join(dir, 'volume', 'nasabah-asli.json');
    const link = path.join(dir, 'nasabah.json');
    await seedDataFile(target, {});
    await symlink(path.join('volume', 'nasabah-asli.json'), link);

    const { app, store } = await makeTestApp({ dataFile: link });
    const noRekening = await daftarNasabah(app);
    await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 }).expect(200);
    // Read once the store is closed: a write session keeps the lock a moment after its last answer.
    await store.close();
    const besideTarget = await readdir(path.join(dir, 'volume'));

    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(path.join('volume', 'nasabah-asli.json'));
    const file = JSON.parse(await readFile(target, 'utf8')) as { nasabah: Record<string, { saldo: number }> };
    expect(file.nasabah[noRekening]?.saldo).toBe(700);
    expect(await readdir(dir)).toEqual(['nasabah.json', 'volume']);
    expect(besideTarget).toEqual(['nasabah-asli.json']);
  });

  it('creates the file where a dangling symlink points', async () => {
    const dir = path.dirname(await tempDataFile());
    const link = path.join(dir, 'nasabah.json');
    await symlink('baru.json', link);
    const { app, store } = await makeTestApp({ dataFile: link });
    await daftarNasabah(app);
    await store.close();
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(
      Object.keys(
        (JSON.parse(await readFile(path.join(dir, 'baru.json'), 'utf8')) as { nasabah: object }).nasabah,
      ),
    ).toHaveLength(1);
  });
});

(process.platform === 'win32' ? describe.skip : describe)(
  'file permissions (POSIX modes; skipped on Windows, which has none)',
  () => {
    it('tightens a data file readable by others to 0600 at start, and says so', async () => {
      const dataFile = await tempDataFile();
      await seedDataFile(dataFile, { '1234567890': nasabahTersimpan() });
      await chmod(dataFile, 0o644);
      const tightened: { file: string; mode: string }[] = [];
      const store = await openJsonFileStore(dataFile, {
        onModeTightened: (change) => tightened.push(change),
      });
      await store.close();
      expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
      expect(tightened).toEqual([{ file: dataFile, mode: '0644' }]);
    });

    it('leaves an owner-only file alone and says nothing', async () => {
      const dataFile = await tempDataFile();
      await seedDataFile(dataFile, {});
      await chmod(dataFile, 0o600);
      const tightened: unknown[] = [];
      const store = await openJsonFileStore(dataFile, {
        onModeTightened: (change) => tightened.push(change),
      });
      await store.close();
      expect(tightened).toEqual([]);
    });
  },
);

describe('idempotency keys in the file', () => {
  it('loads keys written before they were per client, as open mode’s, and keeps storing open mode’s unprefixed', async () => {
    const dataFile = await tempDataFile();
    const noRekening = '1234567890';
    const waktu = new Date().toISOString();
    // As the previous version wrote it: the key unprefixed, its answer the saldo after a tabung of 500.
    await writeFile(
      dataFile,
      JSON.stringify({
        nasabah: {
          [noRekening]: nasabahTersimpan({
            saldo: 500,
            mutasi: [{ waktu, kode_transaksi: 'C', nominal: 500 }],
          }),
        },
        idempotensi: { 'kunci-lama': { sidik: 'sidik-lama', waktu, hasil: { nilai: 500 } } },
      }),
    );
    const reopened = await makeTestApp({ dataFile });
    const body = { no_rekening: noRekening, nominal: 500 };
    // The old record's fingerprint is of another request, so the same key now is a 409: it was found.
    await request(reopened.app).post('/tabung').set('Idempotency-Key', 'kunci-lama').send(body).expect(409);
    await request(reopened.app).post('/tabung').set('Idempotency-Key', 'kunci-baru').send(body).expect(200);
    await reopened.store.close();
    const keys = Object.keys(
      (JSON.parse(await readFile(dataFile, 'utf8')) as { idempotensi: object }).idempotensi,
    );
    expect(keys.sort()).toEqual(['kunci-baru', 'kunci-lama']);
  });
});
