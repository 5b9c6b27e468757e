import request from 'supertest';
import { daftarNasabah, makeAnyStoreApp, tabung, type AnyStoreApp } from '../helpers';

describe.each(['/saldo', '/mutasi'])('GET %s/{no_rekening}', (endpoint) => {
  let t: AnyStoreApp;
  beforeEach(async () => {
    t = await makeAnyStoreApp();
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
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    expect((await request(app).get(`/saldo/${noRekening}`).expect(200)).body).toEqual({ saldo: 0 });

    await tabung(app, noRekening, 50_000);
    await request(app).post('/tarik').send({ no_rekening: noRekening, nominal: 20_000 }).expect(200);

    expect((await request(app).get(`/saldo/${noRekening}`).expect(200)).body).toEqual({ saldo: 30_000 });
  });
});

describe('GET /mutasi/{no_rekening}', () => {
  it('answers [] for a new account', async () => {
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    expect((await request(app).get(`/mutasi/${noRekening}`).expect(200)).body).toEqual({ mutasi: [] });
  });

  it('lists every move oldest first, C for tabung and D for tarik, stamped in ISO-8601 UTC with milliseconds', async () => {
    const waktu = ['2026-11-29T02:03:04.567Z', '2026-11-29T02:05:00.000Z'];
    // The registration is a change too, and takes the first time.
    const jam = ['2026-11-29T02:00:00.000Z', ...waktu];
    const { app } = await makeAnyStoreApp({ clock: () => new Date(jam.shift() ?? 'invalid') });
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
    const { app } = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(app);
    await request(app).post('/tarik').send({ no_rekening: noRekening, nominal: 1 }).expect(400);
    expect((await request(app).get(`/mutasi/${noRekening}`).expect(200)).body).toEqual({ mutasi: [] });
  });
});

const LIMIT_RULE = 'limit harus berupa bilangan bulat 1 sampai 1000';

describe('GET /mutasi/{no_rekening} with dari, sampai and limit', () => {
  const waktu = [
    '2026-11-27T23:59:59.999Z',
    '2026-11-28T00:00:00.000Z',
    '2026-11-28T12:00:00.000Z',
    '2026-11-29T00:00:00.000Z',
    '2026-11-29T08:30:00.000Z',
  ];
  let app: AnyStoreApp['app'];
  let noRekening: string;
  beforeAll(async () => {
    // The registration is a change too, and takes the first time.
    const jam = ['2026-11-27T00:00:00.000Z', ...waktu];
    ({ app } = await makeAnyStoreApp({ clock: () => new Date(jam.shift() ?? '2030-01-01T00:00:00.000Z') }));
    noRekening = await daftarNasabah(app);
    for (const [i] of waktu.entries()) await tabung(app, noRekening, i + 1);
  });

  async function nominal(query: string): Promise<number[]> {
    const res = await request(app).get(`/mutasi/${noRekening}?${query}`).expect(200);
    return (res.body as { mutasi: { nominal: number }[] }).mutasi.map((m) => m.nominal);
  }

  it.each([
    ['dari=2026-11-28', [2, 3, 4, 5]],
    ['sampai=2026-11-28', [1, 2, 3]],
    ['dari=2026-11-28&sampai=2026-11-28', [2, 3]],
    ['dari=2026-11-28T12:00:00.000Z&sampai=2026-11-29T00:00:00Z', [3, 4]],
    ['dari=2026-11-28T19:00:00%2B07:00', [3, 4, 5]],
    ['limit=2', [4, 5]],
    ['limit=1000', [1, 2, 3, 4, 5]],
    ['dari=2026-11-28&sampai=2026-11-28&limit=1', [3]],
    ['dari=2026-12-01', []],
    // RFC 3339 in full: lower-case t and z (section 5.6), any fraction, and a leap second at 23:59 UTC.
    ['dari=2026-11-28t12:00:00z&sampai=2026-11-29T00:00:00.0000001Z', [3, 4]],
    ['sampai=2026-11-28T23:59:60Z', [1, 2, 3]],
    ['sampai=2026-11-29T06:59:60%2B07:00', [1, 2, 3]],
    ['limit=002', [4, 5]],
    // Years as written: Date.UTC would read 0099 as 1999, after 1950.
    ['dari=0099-01-01T00:00:00Z&sampai=1950-01-01', []],
    ['dari=0000-02-29T00:00:00Z&sampai=0000-02-29', []],
  ])('?%s lists %j, oldest first', async (query, expected) => {
    expect(await nominal(query)).toEqual(expected);
  });

  it.each([
    ['limit=0', 'limit harus berupa bilangan bulat 1 sampai 1000'],
    ['limit=1001', 'limit harus berupa bilangan bulat 1 sampai 1000'],
    ['limit=1.5', 'limit harus berupa bilangan bulat 1 sampai 1000'],
    ['limit=sepuluh', 'limit harus berupa bilangan bulat 1 sampai 1000'],
    ['dari=kemarin', 'dari harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339'],
    ['sampai=2026-13-01', 'sampai harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339'],
    ['dari=2026-11-29&sampai=2026-11-28', 'dari tidak boleh setelah sampai'],
    ['dari=2026-11-28&dari=2026-11-29', 'dari harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339'],
    // What Number() would take but an integer-typed client never sends.
    ...['0x10', '1e1', '+5', '5.0', '%205'].map((limit) => [`limit=${limit}`, LIMIT_RULE]),
    // Forms RFC 3339 does not have, or days and times that do not exist.
    ...['2026-11-28T12:00Z', '2026-11-28 12:00:00Z', '2026-02-29T00:00:00Z', '2026-11-28T24:00:00Z'].map(
      (dari) => [
        `dari=${encodeURIComponent(dari)}`,
        'dari harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339',
      ],
    ),
    ['sampai=2026-11-28T22:59:60Z', 'sampai harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339'],
    ['from=2026-11-28', 'parameter query tidak dikenal: from; yang dikenal: dari, sampai, limit, sebelum'],
    [
      'limit=0&dari=kemarin&to=x',
      'dari harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339; limit harus berupa bilangan bulat 1 sampai 1000; ' +
        'parameter query tidak dikenal: to; yang dikenal: dari, sampai, limit, sebelum',
    ],
  ])('answers 400 for ?%s', async (query, remark) => {
    const res = await request(app).get(`/mutasi/${noRekening}?${query}`).expect(400);
    expect(res.body).toEqual({ remark });
  });
});
