import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { openJsonFileStore } from '../../src/store/json-file';
import {
  dataNasabah,
  daftarNasabah,
  makeAnyStoreApp,
  makeTestApp,
  saldo,
  tabung,
  tempDataFile,
} from '../helpers';
import { useCases } from '../use-cases';

describe('Idempotency-Key on POST /daftar, /tabung and /tarik', () => {
  it('answers a retried /daftar with the same status and no_rekening, and registers once', async () => {
    const { app } = await makeAnyStoreApp();
    const data = dataNasabah();

    const pertama = await request(app)
      .post('/daftar')
      .set('Idempotency-Key', 'daftar-1')
      .send(data)
      .expect(200);
    const ulang = await request(app)
      .post('/daftar')
      .set('Idempotency-Key', 'daftar-1')
      .send(data)
      .expect(200);

    expect(ulang.body).toEqual(pertama.body);
    await request(app).post('/daftar').set('Idempotency-Key', 'daftar-2').send(data).expect(400);
  });

  it('answers a retried refusal with the same 400 and remark', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    const tarik = () =>
      request(app)
        .post('/tarik')
        .set('Idempotency-Key', 'tarik-1')
        .send({ no_rekening: noRekening, nominal: 5 });

    const pertama = await tarik().expect(400);
    await tabung(app, noRekening, 10);
    const ulang = await tarik().expect(400);

    expect(ulang.body).toEqual(pertama.body);
    expect(await saldo(app, noRekening)).toBe(10);
  });

  it('answers 409 when the key comes back with a different body, and moves nothing', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    await request(app)
      .post('/tabung')
      .set('Idempotency-Key', 'setor-1')
      .send({ no_rekening: noRekening, nominal: 100 })
      .expect(200);

    const res = await request(app)
      .post('/tabung')
      .set('Idempotency-Key', 'setor-1')
      .send({ no_rekening: noRekening, nominal: 200 })
      .expect(409);

    expect(res.body).toEqual({ remark: expect.stringContaining('Idempotency-Key') as unknown });
    expect(await saldo(app, noRekening)).toBe(100);
  });

  it('treats the same key on another endpoint as a different request (409)', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    const body = { no_rekening: noRekening, nominal: 1 };
    await request(app).post('/tabung').set('Idempotency-Key', 'k').send(body).expect(200);
    await request(app).post('/tarik').set('Idempotency-Key', 'k').send(body).expect(409);
  });

  it('moves money exactly once for 50 concurrent retries, each getting the first answer', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    const server = app.listen(0, '127.0.0.1');
    try {
      const jawaban = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(server)
            .post('/tabung')
            .set('Idempotency-Key', 'serbu')
            .send({ no_rekening: noRekening, nominal: 1_000 }),
        ),
      );
      expect(jawaban.map((res) => [res.status, res.body] as const)).toEqual(
        Array.from({ length: 50 }, () => [200, { saldo: 1_000 }]),
      );
      expect(await saldo(app, noRekening)).toBe(1_000);
    } finally {
      server.close();
    }
  });

  // The two below restart or age the JSON file; the store contract checks keys on both stores.
  it('still recognises a retry after a restart', async () => {
    const first = await makeTestApp();
    const noRekening = await daftarNasabah(first.app);
    const body = { no_rekening: noRekening, nominal: 700 };
    await request(first.app).post('/tabung').set('Idempotency-Key', 'abadi').send(body).expect(200);
    await first.store.close();

    const second = await makeTestApp({ dataFile: first.dataFile });
    const ulang = await request(second.app)
      .post('/tabung')
      .set('Idempotency-Key', 'abadi')
      .send(body)
      .expect(200);

    expect(ulang.body).toEqual({ saldo: 700 });
    expect(await saldo(second.app, noRekening)).toBe(700);
  });

  it('behaves exactly as before without the header', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    const body = { no_rekening: noRekening, nominal: 1 };
    await request(app).post('/tabung').send(body).expect(200);
    await request(app).post('/tabung').send(body).expect(200);
    expect(await saldo(app, noRekening)).toBe(2);
  });

  it.each([
    ['empty', ''],
    ['256 characters long', 'k'.repeat(256)],
    ['with a space', 'kunci saya'],
    ['non-ASCII', 'kuncí'],
  ])('answers 400 for a key that is %s', async (_case, kunci) => {
    const { app } = await makeAnyStoreApp();
    const res = await request(app)
      .post('/daftar')
      .set('Idempotency-Key', kunci)
      .send(dataNasabah())
      .expect(400);
    expect(res.body).toEqual({ remark: 'Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat' });
  });

  it('accepts a 255-character key', async () => {
    const { app } = await makeAnyStoreApp();
    await request(app)
      .post('/daftar')
      .set('Idempotency-Key', '~'.repeat(255))
      .send(dataNasabah())
      .expect(200);
  });

  it('forgets keys after 24 hours, removing them from the file', async () => {
    let sekarang = new Date('2026-11-29T00:00:00.000Z');
    const dataFile = await tempDataFile();
    const store = await openJsonFileStore(dataFile);
    const bank = useCases(store, { clock: () => sekarang });
    const noRekening = await bank.daftar(dataNasabah());
    await bank.tabung(noRekening, 5, 'lama');
    expect(await readFile(dataFile, 'utf8')).toContain('"lama"');

    sekarang = new Date('2026-11-30T00:00:00.001Z');
    await bank.tabung(noRekening, 5, 'baru');

    const isi = await readFile(dataFile, 'utf8');
    expect(isi).not.toContain('"lama"');
    expect(isi).toContain('"baru"');
    await store.close();
  });
});
