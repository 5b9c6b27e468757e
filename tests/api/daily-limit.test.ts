// The daily limit on money going out of one account (tarik, transfer as asal): per calendar day in the bank's
// time zone, counted from the account's own D mutasi, exact under parallel requests.
import request from 'supertest';
import type { Express } from 'express';
import { dataNasabah, makeAnyStoreApp } from '../helpers';

/** A clock a test moves by hand. */
function handClock(start: string) {
  let now = new Date(start);
  return { clock: () => now, set: (iso: string) => (now = new Date(iso)) };
}

async function daftarWithSaldo(app: Express, saldo: number): Promise<string> {
  const res = await request(app).post('/daftar').send(dataNasabah()).expect(200);
  const { no_rekening } = res.body as { no_rekening: string };
  await request(app).post('/tabung').send({ no_rekening, nominal: saldo }).expect(200);
  return no_rekening;
}

describe('the daily limit on money going out', () => {
  const dailyLimit = { nominal: 100_000, timeZone: 'Asia/Jakarta' };

  it('lets exactly the limit out in one day, refuses one rupiah more, and starts again at midnight in Jakarta', async () => {
    // 23:59:59 in Jakarta (UTC+7) on 2 December.
    const time = handClock('2026-12-02T16:59:59.000Z');
    const t = await makeAnyStoreApp({ clock: time.clock, pins: { dailyLimit } });
    const noRekening = await daftarWithSaldo(t.app, 1_000_000);
    const tujuan = await daftarWithSaldo(t.app, 1);
    const tarik = (nominal: number) =>
      request(t.app).post('/tarik').send({ no_rekening: noRekening, nominal });

    await tarik(60_000).expect(200);
    await request(t.app)
      .post('/transfer')
      .send({ no_rekening_asal: noRekening, no_rekening_tujuan: tujuan, nominal: 40_000 })
      .expect(200);
    const refused = await tarik(1).expect(400);
    expect(refused.body).toEqual({
      remark:
        'melebihi batas harian uang keluar: sisa hari ini 0 dari batas 100000 (hari menurut Asia/Jakarta)',
    });
    // Money coming in does not count: tujuan may still send its whole limit.
    await request(t.app)
      .post('/transfer')
      .send({ no_rekening_asal: tujuan, no_rekening_tujuan: noRekening, nominal: 40_000 })
      .expect(200);

    time.set('2026-12-02T17:00:00.000Z'); // 00:00 on 3 December in Jakarta
    await tarik(100_000).expect(200, { saldo: 840_000 });
    expect((await tarik(1).expect(400)).body).toEqual({
      remark:
        'melebihi batas harian uang keluar: sisa hari ini 0 dari batas 100000 (hari menurut Asia/Jakarta)',
    });
  });

  it('says how much is left when a tarik would pass it', async () => {
    const t = await makeAnyStoreApp({ pins: { dailyLimit } });
    const noRekening = await daftarWithSaldo(t.app, 1_000_000);
    await request(t.app).post('/tarik').send({ no_rekening: noRekening, nominal: 75_000 }).expect(200);
    const res = await request(t.app)
      .post('/tarik')
      .send({ no_rekening: noRekening, nominal: 30_000 })
      .expect(400);
    expect(res.body).toEqual({
      remark:
        'melebihi batas harian uang keluar: sisa hari ini 25000 dari batas 100000 (hari menurut Asia/Jakarta)',
    });
  });

  it('holds for parallel tarik: of 20 of 10000 against a limit of 100000, exactly 10 go through', async () => {
    const t = await makeAnyStoreApp({ pins: { dailyLimit } });
    const noRekening = await daftarWithSaldo(t.app, 1_000_000);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(t.app).post('/tarik').send({ no_rekening: noRekening, nominal: 10_000 }),
      ),
    );
    expect(answers.filter((res) => res.status === 200)).toHaveLength(10);
    expect(answers.filter((res) => res.status === 400)).toHaveLength(10);
    await request(t.app).get(`/saldo/${noRekening}`).expect(200, { saldo: 900_000 });
  });
});
