import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { StorageUnavailable } from '../src/domain/errors';
import { DataFileInvalid, openJsonFileStore } from '../src/store/json-file';
import {
  daftarNasabah,
  dataNasabah,
  makeTestApp,
  nasabahTersimpan,
  readMutasi,
  saldo,
  tabung,
  tempDataFile,
} from './helpers';
import { describeStoreContract } from './store-contract';
import { useCases } from './use-cases';

describeStoreContract('JSON file store', async () => {
  const dataFile = await tempDataFile();
  return { open: () => openJsonFileStore(dataFile) };
});

const waktu = '2026-11-29T02:03:04.567Z';

/** The data file's shape, as far as these tests read it. */
type StoredFile = { nasabah: Record<string, { saldo: number; mutasi: object[] }> };

describe('JSON file store on disk', () => {
  it('creates a missing file, and its directories, as an empty store', async () => {
    const dataFile = path.join(path.dirname(await tempDataFile()), 'baru', 'lagi', 'nasabah.json');

    const store = await openJsonFileStore(dataFile);
    await store.close();

    expect(JSON.parse(await readFile(dataFile, 'utf8'))).toEqual({ nasabah: {}, idempotensi: {} });
  });

  it('stores a registration trimmed, with no_hp in its 08 form, saldo 0 and no mutasi', async () => {
    const { app, dataFile } = await makeTestApp();
    const data = dataNasabah({ nama: '  Budi Santoso  ', no_hp: '+6281234567890' });

    const noRekening = (
      (await request(app).post('/daftar').send(data).expect(200)).body as { no_rekening: string }
    ).no_rekening;

    const file = JSON.parse(await readFile(dataFile, 'utf8')) as { nasabah: Record<string, unknown> };
    expect(file.nasabah[noRekening]).toEqual({
      nama: 'Budi Santoso',
      nik: data.nik,
      no_hp: '081234567890',
      saldo: 0,
      mutasi: [],
    });
  });

  it('keeps every acknowledged move across a restart', async () => {
    const first = await makeTestApp();
    const noRekening = await daftarNasabah(first.app);
    await tabung(first.app, noRekening, 75_000);
    await first.store.close();

    const second = await makeTestApp({ dataFile: first.dataFile });

    expect(await saldo(second.app, noRekening)).toBe(75_000);
    const res = await request(second.app).get(`/mutasi/${noRekening}`).expect(200);
    expect((res.body as { mutasi: unknown[] }).mutasi).toEqual([
      { waktu: expect.any(String) as unknown, kode_transaksi: 'C', nominal: 75_000 },
    ]);
  });

  it('serves the shipped example file as seeded by hand', async () => {
    const dataFile = await tempDataFile();
    await copyFile(path.join(__dirname, '..', 'data', 'nasabah.example.json'), dataFile);

    const { app } = await makeTestApp({ dataFile });

    expect(await saldo(app, '1234567890')).toBe(70_000);
    await request(app).post('/tarik').send({ no_rekening: '1234567890', nominal: 70_000 }).expect(200);
    expect(await saldo(app, '1234567890')).toBe(0);
    await request(app)
      .post('/daftar')
      .send(dataNasabah({ nik: '3201010101010001' }))
      .expect(400);
  });

  it('writes one account per line, as one valid JSON document', async () => {
    const { app, dataFile } = await makeTestApp();
    const a = await daftarNasabah(app);
    const b = await daftarNasabah(app);

    const lines = (await readFile(dataFile, 'utf8')).split('\n');

    expect(lines.filter((line) => line.includes('"nik"'))).toHaveLength(2);
    expect(lines.find((line) => line.includes(a))).toContain('"saldo":0');
    expect(Object.keys((JSON.parse(lines.join('\n')) as { nasabah: object }).nasabah).sort()).toEqual(
      [a, b].sort(),
    );
  });

  it('keeps fields it does not know when it rewrites the file', async () => {
    const dataFile = await tempDataFile();
    const nasabah = { ...nasabahTersimpan(), catatan: 'nasabah prioritas' };
    await writeFile(dataFile, JSON.stringify({ nasabah: { '1234567890': nasabah }, versi: 1 }));
    const { app } = await makeTestApp({ dataFile });

    await tabung(app, '1234567890', 1);

    const file = JSON.parse(await readFile(dataFile, 'utf8')) as Record<string, unknown>;
    expect(file).toEqual({
      nasabah: {
        '1234567890': expect.objectContaining({ catatan: 'nasabah prioritas', saldo: 1 }) as unknown,
      },
      idempotensi: {},
      versi: 1,
    });
  });

  it('commits 200 parallel deposits in far fewer than 200 file writes (group commit)', async () => {
    const writes: number[] = [];
    const store = await openJsonFileStore(await tempDataFile(), {
      onWrite: ({ changes }) => writes.push(changes),
    });
    const bank = useCases(store);
    const noRekening = await bank.daftar(dataNasabah());
    writes.length = 0;

    await Promise.all(Array.from({ length: 200 }, () => bank.tabung(noRekening, 10)));

    expect(await store.saldo(noRekening)).toBe(2_000);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(writes.length).toBeLessThanOrEqual(10);
    await store.close();
  });

  describe('gathering a batch (the clients of the last one come back within a round trip)', () => {
    /** A store whose batches are counted; a second's gathering, so that no timer of a loaded machine is late. */
    async function countedStore() {
      const writes: number[] = [];
      const store = await openJsonFileStore(await tempDataFile(), {
        gatherMs: 1_000,
        onWrite: ({ changes }) => writes.push(changes),
      });
      const bank = useCases(store);
      const noRekening = await bank.daftar(dataNasabah());
      writes.length = 0;
      return { writes, store, bank, noRekening };
    }

    it('waits for as many changes as the last batch answered, and writes them once', async () => {
      const { writes, store, bank, noRekening } = await countedStore();
      await Promise.all(Array.from({ length: 8 }, () => bank.tabung(noRekening, 1)));
      expect(writes).toEqual([8]);

      // One comes back first and the others 50 ms later: without gathering, the first would go alone.
      const started = performance.now();
      const first = bank.tabung(noRekening, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await Promise.all([first, ...Array.from({ length: 7 }, () => bank.tabung(noRekening, 1))]);

      expect(writes).toEqual([8, 8]);
      // Taken when the eighth came, not when the second of waiting was over.
      expect(performance.now() - started).toBeLessThan(900);
      expect(await store.saldo(noRekening)).toBe(16);
      await store.close();
    });

    it('never keeps a lone client waiting, and sends a short batch once the wait is over', async () => {
      const { writes, store, bank, noRekening } = await countedStore();
      // Each batch answered one change, and one came back: nothing to wait for (a wait would take a second).
      for (let i = 0; i < 10; i += 1) {
        const started = performance.now();
        await bank.tabung(noRekening, 1);
        expect(performance.now() - started).toBeLessThan(500);
      }

      await Promise.all(Array.from({ length: 4 }, () => bank.tabung(noRekening, 1)));
      const alone = performance.now();
      await bank.tabung(noRekening, 1);
      // The last batch answered 4; one came back, and went once the second was over.
      expect(performance.now() - alone).toBeGreaterThanOrEqual(900);
      expect(writes).toEqual([...Array<number>(10).fill(1), 4, 1]);
      await store.close();
    });
  });

  describe('when the file is edited by hand while the server runs', () => {
    it('uses the edit for the next read and builds the next write on it', async () => {
      const { app, dataFile } = await makeTestApp();
      const noRekening = await daftarNasabah(app);
      await tabung(app, noRekening, 1_000);
      const edited = JSON.parse(await readFile(dataFile, 'utf8')) as {
        nasabah: Record<string, { saldo: number; mutasi: object[] }>;
      };
      const account = edited.nasabah[noRekening];
      if (!account) throw new Error('account missing from file');
      account.mutasi.push({ waktu, kode_transaksi: 'C', nominal: 5_000 });
      account.saldo = 6_000;
      edited.nasabah['5555555555'] = nasabahTersimpan();
      await writeFile(dataFile, JSON.stringify(edited, null, 2));

      expect(await saldo(app, noRekening)).toBe(6_000);
      await tabung(app, '5555555555', 10);
      await tabung(app, noRekening, 4_000);

      const file = JSON.parse(await readFile(dataFile, 'utf8')) as typeof edited;
      expect(file.nasabah[noRekening]?.saldo).toBe(10_000);
      expect(file.nasabah['5555555555']?.saldo).toBe(10);
    });

    it('answers 503, leaves the broken file alone, and recovers once it is fixed', async () => {
      const { app, dataFile } = await makeTestApp();
      const noRekening = await daftarNasabah(app);
      const good = await readFile(dataFile, 'utf8');
      const broken = good.replace('"saldo":0', '"saldo":-5');
      await writeFile(dataFile, broken);

      const read = await request(app).get(`/saldo/${noRekening}`).expect(503);
      const write = await request(app)
        .post('/tabung')
        .send({ no_rekening: noRekening, nominal: 1 })
        .expect(503);

      expect(read.body).toEqual({
        remark: expect.stringContaining(`rekening ${noRekening}, saldo`) as unknown,
      });
      expect(write.body).toEqual(read.body);
      expect(await readFile(dataFile, 'utf8')).toBe(broken);

      await writeFile(dataFile, good);
      await tabung(app, noRekening, 1);
      expect(await saldo(app, noRekening)).toBe(1);
    });

    it('answers 503 and does not recreate the file when it is deleted', async () => {
      const { app, dataFile } = await makeTestApp();
      const noRekening = await daftarNasabah(app);
      await rm(dataFile);

      await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 1 }).expect(503);

      await expect(readFile(dataFile)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('when the file breaks a rule at start', () => {
    const valid = () => nasabahTersimpan({ saldo: 100, mutasi: [{ kode_transaksi: 'C', nominal: 100 }] });
    it.each<[string, () => unknown, RegExp]>([
      ['is not JSON', () => '{"nasabah": {', /bukan JSON yang valid/],
      ['has no nasabah', () => ({}), /nasabah/],
      [
        'has a saldo that is not ΣC − ΣD',
        () => ({ nasabah: { '1234567890': { ...valid(), saldo: 99 } } }),
        /rekening 1234567890: saldo tidak sama dengan jumlah mutasi \(ΣC − ΣD\) \(saldo 99, ΣC − ΣD = 100\)/,
      ],
      [
        'has a negative saldo',
        () => ({ nasabah: { '1234567890': { ...valid(), saldo: -1 } } }),
        /rekening 1234567890, saldo: saldo tidak boleh negatif/,
      ],
      [
        'has a fractional saldo',
        () => ({ nasabah: { '1234567890': { ...valid(), saldo: 0.5 } } }),
        /rekening 1234567890, saldo/,
      ],
      [
        'has an unsafe saldo',
        () => ({ nasabah: { '1234567890': { ...valid(), saldo: 2 ** 53 } } }),
        /rekening 1234567890, saldo/,
      ],
      [
        'has a malformed no_rekening',
        () => ({ nasabah: { '12345': valid() } }),
        /rekening ke-1: no_rekening/,
      ],
      [
        'uses __proto__ as a no_rekening',
        () => `{"nasabah":{"__proto__":${JSON.stringify(valid())}}}`,
        /rekening ke-1: no_rekening/,
      ],
      [
        'has a nik twice',
        () => {
          const a = valid();
          return { nasabah: { '1111111111': a, '2222222222': { ...valid(), nik: a.nik } } };
        },
        /rekening 2222222222: nik sudah dipakai rekening 1111111111 \(nik \*{12}\d{4}\)/,
      ],
      [
        'has a no_hp twice',
        () => {
          const a = valid();
          return { nasabah: { '1111111111': a, '2222222222': { ...valid(), no_hp: a.no_hp } } };
        },
        /rekening 2222222222: no_hp sudah dipakai rekening 1111111111 \(no_hp \*+\d{4}\)/,
      ],
      [
        'stores no_hp in the +62 form',
        () => ({ nasabah: { '1234567890': { ...valid(), no_hp: '+6281234567890' } } }),
        /rekening 1234567890, no_hp/,
      ],
      [
        'has an unknown kode_transaksi',
        () => ({
          nasabah: { '1234567890': { ...valid(), mutasi: [{ waktu, kode_transaksi: 'X', nominal: 100 }] } },
        }),
        /rekening 1234567890, mutasi\.0\.kode_transaksi/,
      ],
      [
        'has a mutasi of nominal 0',
        () => ({
          nasabah: {
            '1234567890': { ...valid(), saldo: 0, mutasi: [{ waktu, kode_transaksi: 'C', nominal: 0 }] },
          },
        }),
        /rekening 1234567890, mutasi\.0\.nominal/,
      ],
      [
        'has a waktu that is not ISO-8601',
        () => ({
          nasabah: {
            '1234567890': { ...valid(), mutasi: [{ waktu: 'kemarin', kode_transaksi: 'C', nominal: 100 }] },
          },
        }),
        /rekening 1234567890, mutasi\.0\.waktu/,
      ],
    ])(
      'refuses to open a file that %s, naming the rule, and leaves it byte-for-byte',
      async (_case, makeContents, message) => {
        const dataFile = await tempDataFile();
        const contents = makeContents();
        const text = typeof contents === 'string' ? contents : JSON.stringify(contents, null, 2);
        await writeFile(dataFile, text);

        const open = openJsonFileStore(dataFile);

        await expect(open).rejects.toBeInstanceOf(DataFileInvalid);
        await expect(open).rejects.toThrow(message);
        expect(await readFile(dataFile, 'utf8')).toBe(text);
      },
    );
  });

  // Two stores on one file (as two processes): the Store contract's 'two handles on one backend'.

  describe('when the data directory disappears under it', () => {
    it('answers the write with StorageUnavailable and keeps memory equal to disk', async () => {
      const dataFile = path.join(path.dirname(await tempDataFile()), 'sub', 'nasabah.json');
      const store = await openJsonFileStore(dataFile);
      const bank = useCases(store);
      const noRekening = await bank.daftar(dataNasabah());
      await bank.tabung(noRekening, 1_000);
      const backup = await readFile(dataFile, 'utf8');
      await rm(path.dirname(dataFile), { recursive: true });
      await mkdir(path.dirname(dataFile));

      const write = bank.tabung(noRekening, 1);

      await expect(write).rejects.toBeInstanceOf(StorageUnavailable);
      expect(await readdir(path.dirname(dataFile))).toEqual([]);
      // Once the file is back, what the store answers is what the disk holds: the refused move is on neither.
      await writeFile(dataFile, backup);
      const onDisk = (JSON.parse(await readFile(dataFile, 'utf8')) as StoredFile).nasabah[noRekening];
      expect(onDisk?.saldo).toBe(1_000);
      expect(await store.saldo(noRekening)).toBe(onDisk?.saldo);
      expect(await readMutasi(store, noRekening)).toEqual(onDisk?.mutasi);
      await store.close();
    });
  });
});
