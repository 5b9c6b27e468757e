// POST /transfer: one move between two accounts, all or nothing, on the store TEST_STORE names. Behind API
// keys: transfer-security.test.ts; in the data file: ../json-file-transfer.test.ts.
import type { Express } from 'express';
import request from 'supertest';
import {
  daftarNasabah,
  listen,
  makeAnyStoreApp,
  mutasiOf,
  readMutasi,
  saldo,
  tabung,
  type AnyStoreApp,
  type MutasiBody,
} from '../helpers';
import { useCases } from '../use-cases';

const REMARK_NOMINAL = 'nominal harus berupa bilangan bulat rupiah dari 1 sampai 1000000000000';

/** Saldo and history of each account, to show that a refused transfer changed nothing. */
async function snapshot(app: Express, rekening: readonly string[]) {
  return Promise.all(
    rekening.map(async (noRekening) => ({
      saldo: await saldo(app, noRekening),
      mutasi: await mutasiOf(app, noRekening),
    })),
  );
}

const totalOf = (mutasi: readonly MutasiBody[]) =>
  mutasi.reduce((sum, m) => sum + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);

/** A clock that moves one second per reading, so two readings never give the same waktu. */
function tickingClock(): () => Date {
  let now = Date.UTC(2026, 10, 29, 8, 0, 0);
  return () => {
    now += 1_000;
    return new Date(now);
  };
}

function unknownNoRekening(...taken: string[]): string {
  return ['0000000000', '0000000001', '0000000002'].find((n) => !taken.includes(n)) ?? '';
}

describe('POST /transfer', () => {
  let t: AnyStoreApp;
  let asal: string;
  let tujuan: string;
  beforeEach(async () => {
    t = await makeAnyStoreApp({ clock: tickingClock() });
    asal = await daftarNasabah(t.app);
    tujuan = await daftarNasabah(t.app);
    await tabung(t.app, asal, 100_000);
    await tabung(t.app, tujuan, 5_000);
  });

  const transfer = (body: Record<string, unknown>) => request(t.app).post('/transfer').send(body);

  describe('when both accounts are known and saldo suffices', () => {
    it('answers the asal’s saldo after, and moves the nominal from asal to tujuan', async () => {
      const res = await transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 30_000 });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ saldo: 70_000 });
      expect(await saldo(t.app, asal)).toBe(70_000);
      expect(await saldo(t.app, tujuan)).toBe(35_000);
    });

    it('records one D on asal and one C on tujuan with the same waktu, each naming the other account', async () => {
      await transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 30_000 }).expect(200);

      const mutasiAsal = await mutasiOf(t.app, asal);
      const mutasiTujuan = await mutasiOf(t.app, tujuan);

      expect(mutasiAsal).toHaveLength(2);
      expect(mutasiTujuan).toHaveLength(2);
      const debit = mutasiAsal[1];
      const kredit = mutasiTujuan[1];
      expect(debit).toEqual({
        waktu: expect.any(String) as unknown,
        kode_transaksi: 'D',
        nominal: 30_000,
        no_rekening_lawan: tujuan,
      });
      expect(kredit).toEqual({
        waktu: debit?.waktu,
        kode_transaksi: 'C',
        nominal: 30_000,
        no_rekening_lawan: asal,
      });
    });

    it('shows no no_rekening_lawan on tabung and tarik mutasi', async () => {
      await request(t.app).post('/tarik').send({ no_rekening: asal, nominal: 1_000 }).expect(200);
      await transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1 }).expect(200);

      const [setoran, penarikan, debit] = await mutasiOf(t.app, asal);
      const [setoranTujuan] = await mutasiOf(t.app, tujuan);

      expect(setoran).not.toHaveProperty('no_rekening_lawan');
      expect(penarikan).not.toHaveProperty('no_rekening_lawan');
      expect(setoranTujuan).not.toHaveProperty('no_rekening_lawan');
      expect(debit).toHaveProperty('no_rekening_lawan', tujuan);
    });

    it('lets the whole saldo go, down to 0', async () => {
      const res = await transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 100_000 });

      expect(res.body).toEqual({ saldo: 0 });
      expect(await saldo(t.app, tujuan)).toBe(105_000);
    });

    it.each([1, 1_000_000_000_000])('accepts nominal %d', async (nominal) => {
      await tabung(t.app, asal, 1_000_000_000_000);

      const res = await transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal });

      expect(res.body).toEqual({ saldo: 1_000_000_100_000 - nominal });
      expect(await saldo(t.app, tujuan)).toBe(5_000 + nominal);
    });
  });

  describe('when it is refused, it answers 400 and changes neither account', () => {
    async function expectRefused(body: Record<string, unknown>, remark: string | RegExp) {
      const before = await snapshot(t.app, [asal, tujuan]);

      const res = await transfer(body);

      expect(res.status).toBe(400);
      expect(Object.keys(res.body as object)).toEqual(['remark']);
      const { remark: got } = res.body as { remark: string };
      if (typeof remark === 'string') expect(got).toBe(remark);
      else expect(got).toMatch(remark);
      expect(await snapshot(t.app, [asal, tujuan])).toEqual(before);
    }

    it('when asal is unknown, then the remark names asal', async () => {
      const unknown = unknownNoRekening(asal, tujuan);
      await expectRefused(
        { no_rekening_asal: unknown, no_rekening_tujuan: tujuan, nominal: 1 },
        `no_rekening ${unknown} tidak dikenali`,
      );
    });

    it('when tujuan is unknown, then the remark names tujuan, and asal keeps its money', async () => {
      const unknown = unknownNoRekening(asal, tujuan);
      await expectRefused(
        { no_rekening_asal: asal, no_rekening_tujuan: unknown, nominal: 1_000 },
        `no_rekening ${unknown} tidak dikenali`,
      );
    });

    it('when both are unknown, then the remark names asal (checked first)', async () => {
      const unknownAsal = unknownNoRekening(asal, tujuan);
      const unknownTujuan = unknownNoRekening(asal, tujuan, unknownAsal);
      await expectRefused(
        { no_rekening_asal: unknownAsal, no_rekening_tujuan: unknownTujuan, nominal: 1 },
        `no_rekening ${unknownAsal} tidak dikenali`,
      );
    });

    it('when asal and tujuan are the same account, then the remark says they may not be the same', async () => {
      await expectRefused(
        { no_rekening_asal: asal, no_rekening_tujuan: asal, nominal: 1 },
        /tidak boleh sama/,
      );
    });

    it('when asal and tujuan are the same invalid number, then only the field rule is named, twice', async () => {
      await expectRefused(
        { no_rekening_asal: '12', no_rekening_tujuan: '12', nominal: 1 },
        'no_rekening_asal harus berupa teks 10 digit angka; no_rekening_tujuan harus berupa teks 10 digit angka',
      );
    });

    it('when the asal’s saldo is one rupiah short, then the remark says saldo is not enough', async () => {
      await expectRefused(
        { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 100_001 },
        /^saldo tidak cukup/,
      );
    });

    it('when the asal’s saldo is 0, then the remark says saldo is not enough', async () => {
      const kosong = await daftarNasabah(t.app);
      const res = await transfer({ no_rekening_asal: kosong, no_rekening_tujuan: tujuan, nominal: 1 });

      expect(res.status).toBe(400);
      expect((res.body as { remark: string }).remark).toMatch(/^saldo tidak cukup/);
      expect(await saldo(t.app, tujuan)).toBe(5_000);
      expect(await mutasiOf(t.app, kosong)).toEqual([]);
    });

    it.each([
      ['0', 0],
      ['a negative number', -1],
      ['a fraction', 1.5],
      ['one more than the maximum', 1_000_000_000_001],
      ['a numeric string', '1000'],
      ['null', null],
    ])('when nominal is %s, then the remark is /tabung’s', async (_case, nominal) => {
      await expectRefused({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal }, REMARK_NOMINAL);
    });

    it('when nominal is missing, then the remark says it is required', async () => {
      await expectRefused({ no_rekening_asal: asal, no_rekening_tujuan: tujuan }, 'nominal wajib diisi');
    });

    it.each([
      ['no_rekening_asal', 'missing', undefined, 'no_rekening_asal wajib diisi'],
      ['no_rekening_asal', 'of 9 digits', '123456789', 'no_rekening_asal harus berupa teks 10 digit angka'],
      ['no_rekening_asal', 'a JSON number', 1234567890, 'no_rekening_asal harus berupa teks 10 digit angka'],
      ['no_rekening_tujuan', 'missing', undefined, 'no_rekening_tujuan wajib diisi'],
      [
        'no_rekening_tujuan',
        'of 11 digits',
        '12345678901',
        'no_rekening_tujuan harus berupa teks 10 digit angka',
      ],
      ['no_rekening_tujuan', '__proto__', '__proto__', 'no_rekening_tujuan harus berupa teks 10 digit angka'],
    ])('when %s is %s, then the remark names that field', async (field, _case, value, remark) => {
      const body: Record<string, unknown> = {
        no_rekening_asal: asal,
        no_rekening_tujuan: tujuan,
        nominal: 1,
      };
      body[field] = value;
      await expectRefused(body, remark);
    });

    it('when the body is not a JSON object, then it is refused like the other POSTs', async () => {
      const res = await request(t.app)
        .post('/transfer')
        .set('Content-Type', 'application/json')
        .send('[1]')
        .expect(400);
      expect(res.body).toEqual({ remark: 'body harus berupa objek JSON' });
    });
  });

  describe('when the tujuan would pass Number.MAX_SAFE_INTEGER', () => {
    it('answers 400 and changes neither account, though a transfer up to the limit goes through', async () => {
      // 9,007 deposits of the largest nominal would be slow over HTTP; the store takes them directly, in waves
      // below its bound on queued changes.
      const penuh = await daftarNasabah(t.app);
      const bank = useCases(t.store);
      for (let sent = 0; sent < 9007; sent += 500) {
        const wave = Math.min(500, 9007 - sent);
        await Promise.all(Array.from({ length: wave }, () => bank.tabung(penuh, 1_000_000_000_000)));
      }
      const room = Number.MAX_SAFE_INTEGER - 9007 * 1_000_000_000_000;
      await tabung(t.app, penuh, room - 10);
      const before = await snapshot(t.app, [asal]);

      const over = await transfer({ no_rekening_asal: asal, no_rekening_tujuan: penuh, nominal: 11 });

      expect(over.status).toBe(400);
      expect((over.body as { remark: string }).remark).toContain('melebihi batas');
      expect(await snapshot(t.app, [asal])).toEqual(before);
      expect(await saldo(t.app, penuh)).toBe(Number.MAX_SAFE_INTEGER - 10);
      expect(await readMutasi(t.store, penuh)).toHaveLength(9008);

      const exact = await transfer({ no_rekening_asal: asal, no_rekening_tujuan: penuh, nominal: 10 });

      expect(exact.body).toEqual({ saldo: 99_990 });
      expect(await saldo(t.app, penuh)).toBe(Number.MAX_SAFE_INTEGER);
    }, 60_000);
  });

  describe('with an Idempotency-Key', () => {
    const keyed = (idempotencyKey: string, body: Record<string, unknown>) =>
      request(t.app).post('/transfer').set('Idempotency-Key', idempotencyKey).send(body);

    it('when a transfer is retried with the same body, then it answers the first saldo and moves once', async () => {
      const body = { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 10_000 };
      const first = await keyed('transfer-1', body).expect(200);
      await request(t.app).post('/tarik').send({ no_rekening: asal, nominal: 1 }).expect(200);

      const retry = await keyed('transfer-1', body).expect(200);

      expect(first.body).toEqual({ saldo: 90_000 });
      expect(retry.body).toEqual(first.body);
      expect(await saldo(t.app, asal)).toBe(89_999);
      expect(await saldo(t.app, tujuan)).toBe(15_000);
      expect(await mutasiOf(t.app, asal)).toHaveLength(3);
      expect(await mutasiOf(t.app, tujuan)).toHaveLength(2);
    });

    it('when a refused transfer is retried after saldo would suffice, then it answers the same 400', async () => {
      const body = { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 150_000 };
      const first = await keyed('transfer-2', body).expect(400);
      await tabung(t.app, asal, 100_000);

      const retry = await keyed('transfer-2', body).expect(400);

      expect(retry.body).toEqual(first.body);
      expect(await saldo(t.app, asal)).toBe(200_000);
      expect(await saldo(t.app, tujuan)).toBe(5_000);
    });

    it('when the key comes back with a different body, then it answers 409 and moves nothing', async () => {
      await keyed('transfer-3', { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 100 }).expect(
        200,
      );
      const before = await snapshot(t.app, [asal, tujuan]);

      const otherNominal = await keyed('transfer-3', {
        no_rekening_asal: asal,
        no_rekening_tujuan: tujuan,
        nominal: 200,
      });
      const otherDirection = await keyed('transfer-3', {
        no_rekening_asal: tujuan,
        no_rekening_tujuan: asal,
        nominal: 100,
      });

      expect(otherNominal.status).toBe(409);
      expect(otherDirection.status).toBe(409);
      expect(otherNominal.body).toEqual({ remark: expect.stringContaining('Idempotency-Key') as unknown });
      expect(await snapshot(t.app, [asal, tujuan])).toEqual(before);
    });

    it('when a /tarik key is reused for a transfer, then it answers 409 (another request)', async () => {
      await request(t.app)
        .post('/tarik')
        .set('Idempotency-Key', 'kunci-tarik')
        .send({ no_rekening: asal, nominal: 100 })
        .expect(200);

      await keyed('kunci-tarik', { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 100 }).expect(
        409,
      );
      expect(await saldo(t.app, tujuan)).toBe(5_000);
    });

    it('when 30 retries arrive at once, then money moves once and each gets the first answer', async () => {
      const server = await listen(t.app);
      try {
        const body = { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 7_000 };
        const answers = await Promise.all(
          Array.from({ length: 30 }, () =>
            request(server.baseUrl).post('/transfer').set('Idempotency-Key', 'serbu').send(body),
          ),
        );

        expect(answers.map((res) => [res.status, res.body] as const)).toEqual(
          Array.from({ length: 30 }, () => [200, { saldo: 93_000 }]),
        );
        expect(await saldo(t.app, tujuan)).toBe(12_000);
        expect(await mutasiOf(t.app, tujuan)).toHaveLength(2);
      } finally {
        await server.close();
      }
    });
  });

  describe('under parallel requests', () => {
    it('when 50 transfers go each way between the same two accounts at once, then all succeed and totals are exact', async () => {
      const a = await daftarNasabah(t.app);
      const b = await daftarNasabah(t.app);
      await tabung(t.app, a, 50_000);
      await tabung(t.app, b, 50_000);
      const server = await listen(t.app);
      try {
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            request(server.baseUrl)
              .post('/transfer')
              .send({
                no_rekening_asal: i % 2 === 0 ? a : b,
                no_rekening_tujuan: i % 2 === 0 ? b : a,
                nominal: 1_000,
              }),
          ),
        );

        expect(answers.map((res) => res.status)).toEqual(Array<number>(100).fill(200));
        expect(answers.every((res) => (res.body as { saldo: number }).saldo >= 0)).toBe(true);
      } finally {
        await server.close();
      }
      expect(await saldo(t.app, a)).toBe(50_000);
      expect(await saldo(t.app, b)).toBe(50_000);
      for (const noRekening of [a, b]) {
        const mutasi = await mutasiOf(t.app, noRekening);
        expect(mutasi).toHaveLength(101);
        expect(mutasi.filter((m) => m.kode_transaksi === 'D')).toHaveLength(50);
        expect(totalOf(mutasi)).toBe(50_000);
      }
    });

    it('when transfers race tarik on the same asal, then exactly what saldo allows goes through, never below 0', async () => {
      const sumber = await daftarNasabah(t.app);
      const penerima = await daftarNasabah(t.app);
      await tabung(t.app, sumber, 30_000);
      const server = await listen(t.app);
      let answers: request.Response[];
      let saldoReads: number[];
      try {
        const moves = Array.from({ length: 80 }, (_, i) =>
          i % 2 === 0
            ? request(server.baseUrl)
                .post('/transfer')
                .send({ no_rekening_asal: sumber, no_rekening_tujuan: penerima, nominal: 1_000 })
            : request(server.baseUrl).post('/tarik').send({ no_rekening: sumber, nominal: 1_000 }),
        );
        const reads = Array.from({ length: 20 }, async () => {
          const res = await request(server.baseUrl).get(`/saldo/${sumber}`).expect(200);
          return (res.body as { saldo: number }).saldo;
        });
        [answers, saldoReads] = await Promise.all([Promise.all(moves), Promise.all(reads)]);
      } finally {
        await server.close();
      }

      const succeeded = answers.filter((res) => res.status === 200);
      const refused = answers.filter((res) => res.status !== 200);
      const transfersThrough = answers.filter((res, i) => i % 2 === 0 && res.status === 200).length;
      expect(succeeded).toHaveLength(30);
      expect(refused.map((res) => res.status)).toEqual(Array<number>(50).fill(400));
      expect(
        refused.every((res) => (res.body as { remark: string }).remark.startsWith('saldo tidak cukup')),
      ).toBe(true);
      expect(succeeded.every((res) => (res.body as { saldo: number }).saldo >= 0)).toBe(true);
      expect(saldoReads.every((s) => s >= 0 && s <= 30_000)).toBe(true);
      expect(await saldo(t.app, sumber)).toBe(0);
      expect(await saldo(t.app, penerima)).toBe(transfersThrough * 1_000);
      expect(await mutasiOf(t.app, penerima)).toHaveLength(transfersThrough);
      expect(totalOf(await mutasiOf(t.app, sumber))).toBe(0);
    });
  });
});
