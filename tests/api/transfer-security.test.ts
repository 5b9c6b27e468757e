// POST /transfer behind API keys, on the store TEST_STORE names: who may move money between two accounts.
import request from 'supertest';
import { apiKeyFor, dataNasabah, makeAnyStoreApp, type AnyStoreApp } from '../helpers';

describe('POST /transfer with API_KEYS', () => {
  const TOKEN_KASIR = 'token-kasir-0123456789abcdefghijklmnopqrstuv';
  const TOKEN_MITRA = 'token-mitra-0123456789abcdefghijklmnopqrstuv';
  const TOKEN_AUDIT = 'token-audit-0123456789abcdefghijklmnopqrstuv';
  const bearer = (token: string) => `Bearer ${token}`;

  let t: AnyStoreApp;
  let asal: string;
  let tujuan: string;
  beforeEach(async () => {
    t = await makeAnyStoreApp({
      access: {
        mode: 'apiKeys',
        apiKeys: [
          apiKeyFor('kasir', TOKEN_KASIR),
          apiKeyFor('mitra', TOKEN_MITRA),
          apiKeyFor('audit', TOKEN_AUDIT, true),
        ],
      },
    });
    const daftar = async () => {
      const res = await request(t.app)
        .post('/daftar')
        .set('Authorization', bearer(TOKEN_KASIR))
        .send(dataNasabah())
        .expect(200);
      return (res.body as { no_rekening: string }).no_rekening;
    };
    asal = await daftar();
    tujuan = await daftar();
    await request(t.app)
      .post('/tabung')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send({ no_rekening: asal, nominal: 10_000 })
      .expect(200);
  });

  const saldoOf = async (noRekening: string) => {
    const res = await request(t.app)
      .get(`/saldo/${noRekening}`)
      .set('Authorization', bearer(TOKEN_AUDIT))
      .expect(200);
    return (res.body as { saldo: number }).saldo;
  };

  it('when a read-only key asks for a transfer, then it answers 403 and moves nothing', async () => {
    const res = await request(t.app)
      .post('/transfer')
      .set('Authorization', bearer(TOKEN_AUDIT))
      .send({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1_000 });

    expect(res.status).toBe(403);
    expect(await saldoOf(asal)).toBe(10_000);
    expect(await saldoOf(tujuan)).toBe(0);
  });

  it('when no key is sent, then it answers 401 and moves nothing', async () => {
    const res = await request(t.app)
      .post('/transfer')
      .send({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1_000 });

    expect(res.status).toBe(401);
    expect(await saldoOf(asal)).toBe(10_000);
  });

  it('when two clients send the same Idempotency-Key, then they are two transfers', async () => {
    const body = { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1_000 };
    const send = (token: string) =>
      request(t.app)
        .post('/transfer')
        .set('Authorization', bearer(token))
        .set('Idempotency-Key', 'sama')
        .send(body);

    const kasir = await send(TOKEN_KASIR).expect(200);
    const mitra = await send(TOKEN_MITRA).expect(200);
    const kasirAgain = await send(TOKEN_KASIR).expect(200);

    expect([kasir.body, mitra.body, kasirAgain.body]).toEqual([
      { saldo: 9_000 },
      { saldo: 8_000 },
      { saldo: 9_000 },
    ]);
    expect(await saldoOf(asal)).toBe(8_000);
    expect(await saldoOf(tujuan)).toBe(2_000);
  });
});
