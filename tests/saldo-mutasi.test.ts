import request from 'supertest';
import { daftarNasabah, makeTestApp, tabung, type TestApp } from './helpers';

describe.each(['/saldo', '/mutasi'])('GET %s/{no_rekening}', (endpoint) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });

  it('answers 400 for a well-formed but unknown no_rekening', async () => {
    const res = await request(t.app).get(`${endpoint}/0000000000`).expect(400);
    expect(res.body).toEqual({ remark: 'no_rekening 0000000000 tidak dikenali' });
  });

  it.each(['123456789', '12345678901', 'abcdefghij', '__proto__', 'constructor', 'toString', '%20123456789'])(
    'answers 400 for the malformed no_rekening %s',
    async (noRekening) => {
      const res = await request(t.app).get(`${endpoint}/${noRekening}`).expect(400);
      expect(res.body).toEqual({ remark: 'no_rekening harus berupa teks 10 digit angka' });
    },
  );
});

describe('GET /saldo/{no_rekening}', () => {
  it('answers 0 for a new account and the running saldo after moves', async () => {
    const { app } = await makeTestApp();
    const noRekening = await daftarNasabah(app);
    expect((await request(app).get(`/saldo/${noRekening}`).expect(200)).body).toEqual({ saldo: 0 });

    await tabung(app, noRekening, 50_000);
    await request(app).post('/tarik').send({ no_rekening: noRekening, nominal: 20_000 }).expect(200);

    expect((await request(app).get(`/saldo/${noRekening}`).expect(200)).body).toEqual({ saldo: 30_000 });
  });
});

describe('GET /mutasi/{no_rekening}', () => {
  it('answers [] for a new account', async () => {
    const { app } = await makeTestApp();
    const noRekening = await daftarNasabah(app);
    expect((await request(app).get(`/mutasi/${noRekening}`).expect(200)).body).toEqual({ mutasi: [] });
  });

  it('lists every move oldest first, C for tabung and D for tarik, stamped in ISO-8601 UTC with milliseconds', async () => {
    const waktu = ['2026-11-29T02:03:04.567Z', '2026-11-29T02:05:00.000Z'];
    const jam = [...waktu];
    const { app } = await makeTestApp({ clock: () => new Date(jam.shift() ?? 'invalid') });
    const noRekening = await daftarNasabah(app);

    await tabung(app, noRekening, 100_000);
    await request(app).post('/tarik').send({ no_rekening: noRekening, nominal: 30_000 }).expect(200);

    const res = await request(app).get(`/mutasi/${noRekening}`).expect(200);
    expect(res.body).toEqual({
      mutasi: [
        { waktu: waktu[0], kode_transaksi: 'C', nominal: 100_000 },
        { waktu: waktu[1], kode_transaksi: 'D', nominal: 30_000 },
      ],
    });
  });

  it('does not list a tarik that was refused', async () => {
    const { app } = await makeTestApp();
    const noRekening = await daftarNasabah(app);
    await request(app).post('/tarik').send({ no_rekening: noRekening, nominal: 1 }).expect(400);
    expect((await request(app).get(`/mutasi/${noRekening}`).expect(200)).body).toEqual({ mutasi: [] });
  });
});
