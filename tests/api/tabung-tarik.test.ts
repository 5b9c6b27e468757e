import request from 'supertest';
import {
  daftarNasabah,
  makeAnyStoreApp,
  makeTestApp,
  nasabahTersimpan,
  saldo,
  seedDataFile,
  tabung,
  tempDataFile,
  type AnyStoreApp,
} from '../helpers';

const REMARK_NOMINAL = 'nominal harus berupa bilangan bulat rupiah dari 1 sampai 1000000000000';

describe.each(['/tabung', '/tarik'])('POST %s', (endpoint) => {
  let t: AnyStoreApp;
  let noRekening: string;
  beforeEach(async () => {
    t = await makeAnyStoreApp();
    noRekening = await daftarNasabah(t.app);
    // Enough saldo that every valid tarik below succeeds.
    await tabung(t.app, noRekening, 1_000_000_000_000);
  });

  it.each([1, 1_000_000_000_000])('accepts nominal %d and moves saldo by it', async (nominal) => {
    const saldoAfter = endpoint === '/tabung' ? 1_000_000_000_000 + nominal : 1_000_000_000_000 - nominal;

    const res = await request(t.app).post(endpoint).send({ no_rekening: noRekening, nominal }).expect(200);

    expect(res.body).toEqual({ saldo: saldoAfter });
    expect(await saldo(t.app, noRekening)).toBe(saldoAfter);
  });

  it.each([
    ['0', 0],
    ['a negative number', -1],
    ['-0', '-0'],
    ['a fraction', 1.5],
    ['one more than the maximum', 1_000_000_000_001],
    ['1e309 (infinity)', '1e309'],
    ['2^53', '9007199254740992'],
    ['a numeric string', '"1000"'],
    ['a boolean', 'true'],
    ['null', 'null'],
    ['an object', '{"nilai":1}'],
    ['an array', '[1]'],
  ])('answers 400 for nominal %s and changes nothing', async (_case, rawNominal) => {
    const body = `{"no_rekening":"${noRekening}","nominal":${String(rawNominal)}}`;

    const res = await request(t.app)
      .post(endpoint)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);

    expect(res.body).toEqual({ remark: REMARK_NOMINAL });
    expect(await saldo(t.app, noRekening)).toBe(1_000_000_000_000);
  });

  it('answers 400 when nominal is missing', async () => {
    const res = await request(t.app).post(endpoint).send({ no_rekening: noRekening }).expect(400);
    expect(res.body).toEqual({ remark: 'nominal wajib diisi' });
  });

  it.each([
    ['missing', undefined, 'no_rekening wajib diisi'],
    ['of 9 digits', '123456789', 'no_rekening harus berupa teks 10 digit angka'],
    ['a JSON number', 1234567890, 'no_rekening harus berupa teks 10 digit angka'],
    ['__proto__', '__proto__', 'no_rekening harus berupa teks 10 digit angka'],
  ])('answers 400 when no_rekening is %s', async (_case, value, remark) => {
    const res = await request(t.app).post(endpoint).send({ no_rekening: value, nominal: 1 }).expect(400);
    expect(res.body).toEqual({ remark });
  });

  it('answers 400 when no_rekening is well-formed but unknown', async () => {
    const unknown = noRekening === '0000000000' ? '0000000001' : '0000000000';
    const res = await request(t.app).post(endpoint).send({ no_rekening: unknown, nominal: 1 }).expect(400);
    expect(res.body).toEqual({ remark: `no_rekening ${unknown} tidak dikenali` });
  });
});

describe('POST /tabung', () => {
  let t: AnyStoreApp;
  beforeEach(async () => {
    t = await makeAnyStoreApp();
  });

  it('answers the saldo after the deposit', async () => {
    const noRekening = await daftarNasabah(t.app);
    await tabung(t.app, noRekening, 100_000);

    const res = await request(t.app)
      .post('/tabung')
      .send({ no_rekening: noRekening, nominal: 2_500 })
      .expect(200);

    expect(res.body).toEqual({ saldo: 102_500 });
  });

  // Seeded through the data file, so this one is the JSON store's; the store contract covers both stores.
  describe('when saldo would pass Number.MAX_SAFE_INTEGER', () => {
    it('answers 400 and keeps saldo, though a deposit up to the limit is fine', async () => {
      // 9,007 deposits of the largest nominal would be slow over HTTP; seed that history by hand instead.
      const nearlyFull = Number.MAX_SAFE_INTEGER - 10;
      const mutasi = Array.from({ length: 9007 }, () => ({
        kode_transaksi: 'C',
        nominal: 1_000_000_000_000,
      }));
      mutasi.push({ kode_transaksi: 'C', nominal: nearlyFull - 9007 * 1_000_000_000_000 });
      const dataFile = await tempDataFile();
      await seedDataFile(dataFile, { '1234567890': nasabahTersimpan({ saldo: nearlyFull, mutasi }) });
      const { app } = await makeTestApp({ dataFile });

      const over = await request(app).post('/tabung').send({ no_rekening: '1234567890', nominal: 11 });
      const exact = await request(app).post('/tabung').send({ no_rekening: '1234567890', nominal: 10 });

      expect(over.status).toBe(400);
      expect(over.body).toEqual({
        remark: `setoran ditolak: saldo akan melebihi batas maksimum ${Number.MAX_SAFE_INTEGER}`,
      });
      expect(exact.body).toEqual({ saldo: Number.MAX_SAFE_INTEGER });
    });
  });
});

describe('POST /tarik', () => {
  let t: AnyStoreApp;
  let noRekening: string;
  beforeEach(async () => {
    t = await makeAnyStoreApp();
    noRekening = await daftarNasabah(t.app);
    await tabung(t.app, noRekening, 100_000);
  });

  it('answers the saldo after the withdrawal', async () => {
    const res = await request(t.app)
      .post('/tarik')
      .send({ no_rekening: noRekening, nominal: 30_000 })
      .expect(200);
    expect(res.body).toEqual({ saldo: 70_000 });
  });

  it('lets the whole saldo be withdrawn, down to 0', async () => {
    const res = await request(t.app)
      .post('/tarik')
      .send({ no_rekening: noRekening, nominal: 100_000 })
      .expect(200);
    expect(res.body).toEqual({ saldo: 0 });
  });

  describe('when saldo is too low', () => {
    it('answers 400 and keeps saldo and mutasi', async () => {
      const res = await request(t.app)
        .post('/tarik')
        .send({ no_rekening: noRekening, nominal: 100_001 })
        .expect(400);

      expect(res.body).toEqual({ remark: 'saldo tidak cukup: saldo 100000, nominal penarikan 100001' });
      expect(await saldo(t.app, noRekening)).toBe(100_000);
      const mutasi = await request(t.app).get(`/mutasi/${noRekening}`).expect(200);
      expect((mutasi.body as { mutasi: unknown[] }).mutasi).toHaveLength(1);
    });
  });
});
