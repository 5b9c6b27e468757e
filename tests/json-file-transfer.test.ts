// POST /transfer and the data file: what a transfer leaves in the file, and what the loader checks of it. The
// data file is the JSON store's; the store contract covers the stored mutasi on both stores.
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { DataFileInvalid, openJsonFileStore } from '../src/store/json-file';
import {
  daftarNasabah,
  makeTestApp,
  mutasiOf,
  nasabahTersimpan,
  saldo,
  seedDataFile,
  tabung,
  tempDataFile,
} from './helpers';

describe('POST /transfer and the data file (JSON store)', () => {
  type StoredFile = { nasabah: Record<string, { saldo: number; mutasi: Record<string, unknown>[] }> };

  it('when a transfer is made, then both mutasi in the file carry no_rekening_lawan, and a tabung’s does not', async () => {
    const { app, dataFile } = await makeTestApp();
    const asal = await daftarNasabah(app);
    const tujuan = await daftarNasabah(app);
    await tabung(app, asal, 5_000);

    await request(app)
      .post('/transfer')
      .send({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 2_000 })
      .expect(200);

    const file = JSON.parse(await readFile(dataFile, 'utf8')) as StoredFile;
    const [setoran, debit] = file.nasabah[asal]?.mutasi ?? [];
    const [kredit] = file.nasabah[tujuan]?.mutasi ?? [];
    expect(setoran).not.toHaveProperty('no_rekening_lawan');
    expect(debit).toMatchObject({ kode_transaksi: 'D', nominal: 2_000, no_rekening_lawan: tujuan });
    expect(kredit).toMatchObject({ kode_transaksi: 'C', nominal: 2_000, no_rekening_lawan: asal });
    expect(kredit?.waktu).toBe(debit?.waktu);
    expect([file.nasabah[asal]?.saldo, file.nasabah[tujuan]?.saldo]).toEqual([3_000, 2_000]);
  });

  it('when the file is reopened, then the transfer mutasi still show no_rekening_lawan', async () => {
    const first = await makeTestApp();
    const asal = await daftarNasabah(first.app);
    const tujuan = await daftarNasabah(first.app);
    await tabung(first.app, asal, 5_000);
    await request(first.app)
      .post('/transfer')
      .send({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 2_000 })
      .expect(200);
    await first.store.close();

    const second = await makeTestApp({ dataFile: first.dataFile });

    expect((await mutasiOf(second.app, tujuan))[0]).toHaveProperty('no_rekening_lawan', asal);
    expect(await saldo(second.app, tujuan)).toBe(2_000);
  });

  it('when a seeded file has a valid no_rekening_lawan, then it opens and GET /mutasi shows it', async () => {
    const dataFile = await tempDataFile();
    await seedDataFile(dataFile, {
      '1111111111': nasabahTersimpan({
        saldo: 300,
        mutasi: [
          { kode_transaksi: 'C', nominal: 500 },
          { kode_transaksi: 'D', nominal: 200, no_rekening_lawan: '2222222222' },
        ],
      }),
      '2222222222': nasabahTersimpan({
        saldo: 200,
        mutasi: [{ kode_transaksi: 'C', nominal: 200, no_rekening_lawan: '1111111111' }],
      }),
    });
    const { app } = await makeTestApp({ dataFile });

    const mutasi = await mutasiOf(app, '1111111111');

    expect(mutasi[0]).not.toHaveProperty('no_rekening_lawan');
    expect(mutasi[1]).toHaveProperty('no_rekening_lawan', '2222222222');
  });

  it.each([
    ['of 9 digits', '222222222'],
    ['a number', 2222222222],
    ['empty', ''],
  ])('when a seeded no_rekening_lawan is %s, then the file is refused', async (_case, lawan) => {
    const dataFile = await tempDataFile();
    await seedDataFile(dataFile, {
      '1111111111': nasabahTersimpan({
        saldo: 0,
        mutasi: [
          { kode_transaksi: 'C', nominal: 200 },
          { kode_transaksi: 'D', nominal: 200, no_rekening_lawan: lawan },
        ],
      }),
    });

    const open = openJsonFileStore(dataFile);

    await expect(open).rejects.toBeInstanceOf(DataFileInvalid);
    await expect(open).rejects.toThrow('no_rekening_lawan');
  });
});
