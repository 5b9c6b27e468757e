// A nasabah's consent: an account with a PIN lets money out, and its saldo and history be read, only with that
// PIN (X-PIN); 3 wrong ones in a row lock it for a while; an account without a PIN behaves as the brief says.
import request from 'supertest';
import type { Express } from 'express';
import { parseDataFile } from '../../src/store/json-file';
import { exportFromPostgres } from '../../src/store/postgres/import-export';
import { apiKeyFor, capturingLogger, dataNasabah, makeAnyStoreApp, type AnyStoreApp } from '../helpers';
import { readFile } from 'node:fs/promises';

const PIN = '975318';
const WRONG = '111111';

/** A clock a test moves by hand. */
function handClock(start = '2026-12-02T03:00:00.000Z') {
  let now = new Date(start);
  return {
    clock: () => now,
    set: (iso: string) => (now = new Date(iso)),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

/** A new account, with `pin` as its PIN, or (null) none. */
async function daftarWithPin(app: Express, pin: string | null = PIN): Promise<string> {
  const req = request(app).post('/daftar');
  if (pin !== null) req.set('X-PIN', pin);
  const res = await req.send(dataNasabah()).expect(200);
  return (res.body as { no_rekening: string }).no_rekening;
}

async function setor(app: Express, noRekening: string, nominal: number): Promise<void> {
  await request(app).post('/tabung').send({ no_rekening: noRekening, nominal }).expect(200);
}

/** Each PIN-checked call on `noRekening` (as asal, for a transfer to `tujuan`), with the given X-PIN or none. */
function pinChecked(app: Express, noRekening: string, tujuan: string) {
  const withPin = (req: request.Test, pin: string | undefined) =>
    pin === undefined ? req : req.set('X-PIN', pin);
  return {
    tarik: (pin?: string) =>
      withPin(request(app).post('/tarik'), pin).send({ no_rekening: noRekening, nominal: 1_000 }),
    transfer: (pin?: string) =>
      withPin(request(app).post('/transfer'), pin).send({
        no_rekening_asal: noRekening,
        no_rekening_tujuan: tujuan,
        nominal: 1_000,
      }),
    saldo: (pin?: string) => withPin(request(app).get(`/saldo/${noRekening}`), pin),
    mutasi: (pin?: string) => withPin(request(app).get(`/mutasi/${noRekening}`), pin),
    halamanMutasi: (pin?: string) => withPin(request(app).get(`/mutasi/${noRekening}?limit=5`), pin),
  };
}

/** An account as the store keeps it, PIN and riwayat_pin included: from the data file, or an export. */
async function stored(t: AnyStoreApp, noRekening: string) {
  if (t.databaseUrl === undefined && t.dataFile === undefined)
    throw new Error('a store with no place to read');
  const dataFile =
    t.dataFile === undefined
      ? await exportFromPostgres(t.databaseUrl ?? '')
      : parseDataFile(await readFile(t.dataFile, 'utf8'));
  return dataFile.nasabah.get(noRekening);
}

describe('PIN-checked calls', () => {
  let t: AnyStoreApp;
  let noRekening: string;
  let tujuan: string;
  beforeAll(async () => {
    t = await makeAnyStoreApp();
    noRekening = await daftarWithPin(t.app);
    tujuan = await daftarWithPin(t.app, null);
    await setor(t.app, noRekening, 100_000);
  });

  describe.each(['tarik', 'transfer', 'saldo', 'mutasi', 'halamanMutasi'] as const)('%s', (call) => {
    it('answers 403 PIN wajib without X-PIN, and moves nothing', async () => {
      const res = await pinChecked(t.app, noRekening, tujuan)[call]().expect(403);
      expect(res.body).toEqual({
        remark: `rekening ${noRekening} dilindungi PIN; kirim PIN-nya di header X-PIN`,
      });
    });

    it('answers 403 with how many tries are left for a wrong PIN, and the right PIN resets the count', async () => {
      const calls = pinChecked(t.app, noRekening, tujuan);
      const res = await calls[call](WRONG).expect(403);
      expect(res.body).toEqual({
        remark: 'PIN salah; sisa 2 kali percobaan sebelum rekening dikunci 15 menit',
      });
      await calls[call](PIN).expect(200);
      // Counted afresh after the right PIN: the next wrong one leaves 2 again.
      const again = await calls[call](WRONG).expect(403);
      expect((again.body as { remark: string }).remark).toContain('sisa 2 kali');
      await calls[call](PIN).expect(200);
    });

    it('answers 400 for an X-PIN that is not 6 digits', async () => {
      const res = await pinChecked(t.app, noRekening, tujuan)[call]('12345').expect(400);
      expect(res.body).toEqual({ remark: 'X-PIN harus berupa PIN 6 digit angka' });
    });
  });

  it('moved only what the right PIN agreed to: 2 tarik and 2 transfers of 1000', async () => {
    const res = await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', PIN).expect(200);
    expect(res.body).toEqual({ saldo: 96_000 });
    const history = await request(t.app).get(`/mutasi/${noRekening}`).set('X-PIN', PIN).expect(200);
    expect((history.body as { mutasi: unknown[] }).mutasi).toHaveLength(5);
  });

  it('needs no PIN to pay into an account that has one, by tabung or as tujuan of a transfer', async () => {
    // The tabung answers the account, not its saldo: paying in must not be a way to read it without the PIN.
    const keyed = () =>
      request(t.app)
        .post('/tabung')
        .set('Idempotency-Key', 'setor-5')
        .send({ no_rekening: noRekening, nominal: 5 });
    await keyed().expect(200, { no_rekening: noRekening });
    await keyed().expect(200, { no_rekening: noRekening });
    await request(t.app).post('/tabung').send({ no_rekening: tujuan, nominal: 10 }).expect(200);
    await request(t.app)
      .post('/transfer')
      .send({ no_rekening_asal: tujuan, no_rekening_tujuan: noRekening, nominal: 10 })
      .expect(200);
    const res = await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', PIN).expect(200);
    expect(res.body).toEqual({ saldo: 96_015 });
  });
});

describe('an account without a PIN', () => {
  it('behaves as the brief says: every call without X-PIN, and an X-PIN it has no use for is ignored', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarWithPin(t.app, null);
    await setor(t.app, noRekening, 50_000);
    await request(t.app).post('/tarik').send({ no_rekening: noRekening, nominal: 20_000 }).expect(200, {
      saldo: 30_000,
    });
    await request(t.app).get(`/saldo/${noRekening}`).expect(200, { saldo: 30_000 });
    await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', WRONG).expect(200, { saldo: 30_000 });
    const res = await request(t.app).get(`/mutasi/${noRekening}`).expect(200);
    expect(
      (res.body as { mutasi: { kode_transaksi: string }[] }).mutasi.map((m) => m.kode_transaksi),
    ).toEqual(['C', 'D']);
  });
});

describe('the lockout', () => {
  it('locks the account after 3 wrong PINs in a row for 15 minutes, with Retry-After, then lets the right PIN in', async () => {
    const time = handClock();
    const t = await makeAnyStoreApp({ clock: time.clock });
    const noRekening = await daftarWithPin(t.app);
    await setor(t.app, noRekening, 10_000);
    const saldo = (pin: string) => request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', pin);

    expect((await saldo(WRONG).expect(403)).body).toEqual({
      remark: 'PIN salah; sisa 2 kali percobaan sebelum rekening dikunci 15 menit',
    });
    expect((await saldo(WRONG).expect(403)).body).toEqual({
      remark: 'PIN salah; sisa 1 kali percobaan sebelum rekening dikunci 15 menit',
    });
    expect((await saldo(WRONG).expect(403)).body).toEqual({ remark: 'PIN salah; rekening dikunci 15 menit' });

    // Locked: even the right PIN is refused, and nothing of it is compared.
    const locked = await saldo(PIN).expect(429);
    expect(locked.headers['retry-after']).toBe('900');
    expect((locked.body as { remark: string }).remark).toBe(
      'rekening dikunci karena PIN salah berulang kali; coba lagi setelah 2026-12-02T03:15:00.000Z atau minta operator mengatur ulang PIN',
    );
    await request(t.app)
      .post('/tarik')
      .set('X-PIN', PIN)
      .send({ no_rekening: noRekening, nominal: 1 })
      .expect(429);

    time.advance(15 * 60 * 1000 - 1);
    expect((await saldo(PIN).expect(429)).headers['retry-after']).toBe('1');
    time.advance(1);
    await saldo(PIN).expect(200, { saldo: 10_000 });
    // The count starts afresh after the lock.
    expect((await saldo(WRONG).expect(403)).body).toEqual({
      remark: 'PIN salah; sisa 2 kali percobaan sebelum rekening dikunci 15 menit',
    });
  });

  it('lets no more than 3 of 12 parallel wrong PINs be compared; the rest are refused as locked', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarWithPin(t.app);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request(t.app)
          .get(`/saldo/${noRekening}`)
          .set('X-PIN', String(100_000 + i)),
      ),
    );
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array<number>(3).fill(403), ...Array<number>(9).fill(429)]);
  });

  it('is per account: guessing one account’s PIN does not lock another', async () => {
    const t = await makeAnyStoreApp();
    const guessed = await daftarWithPin(t.app);
    const other = await daftarWithPin(t.app);
    for (let i = 0; i < 3; i += 1) {
      await request(t.app).get(`/saldo/${guessed}`).set('X-PIN', WRONG).expect(403);
    }
    await request(t.app).get(`/saldo/${guessed}`).set('X-PIN', PIN).expect(429);
    await request(t.app).get(`/saldo/${other}`).set('X-PIN', PIN).expect(200);
  });
});

describe('with API keys', () => {
  const TOKENS = {
    kasir: 'token-kasir-0123456789abcdefghijklmnop',
    operator: 'token-operator-0123456789abcdefghij',
  };
  const access = {
    mode: 'apiKeys' as const,
    apiKeys: [
      apiKeyFor('kasir', TOKENS.kasir),
      apiKeyFor('operator', TOKENS.operator, false, { mayResetPin: true }),
    ],
  };
  const as = (name: keyof typeof TOKENS) => `Bearer ${TOKENS[name]}`;

  it('a stolen write key alone moves no money out of an account that has a PIN', async () => {
    const t = await makeAnyStoreApp({ access });
    const res = request(t.app).post('/daftar').set('Authorization', as('kasir')).set('X-PIN', PIN);
    const { no_rekening } = (await res.send(dataNasabah()).expect(200)).body as { no_rekening: string };
    const tujuan = (
      (await request(t.app).post('/daftar').set('Authorization', as('kasir')).send(dataNasabah()).expect(200))
        .body as { no_rekening: string }
    ).no_rekening;
    await request(t.app)
      .post('/tabung')
      .set('Authorization', as('kasir'))
      .send({ no_rekening, nominal: 500_000 })
      .expect(200);

    const attempts = await Promise.all([
      request(t.app).post('/tarik').set('Authorization', as('kasir')).send({ no_rekening, nominal: 500_000 }),
      request(t.app)
        .post('/transfer')
        .set('Authorization', as('kasir'))
        .send({ no_rekening_asal: no_rekening, no_rekening_tujuan: tujuan, nominal: 500_000 }),
    ]);
    expect(attempts.map((a) => a.status)).toEqual([403, 403]);
    await request(t.app)
      .get(`/saldo/${no_rekening}`)
      .set('Authorization', as('kasir'))
      .set('X-PIN', PIN)
      .expect(200, { saldo: 500_000 });
  });

  it('lets only a key with :reset-pin reset a PIN; the reset ends a lockout and is in riwayat_pin', async () => {
    const { logger, lines } = capturingLogger();
    const t = await makeAnyStoreApp({ access, logger });
    const res = request(t.app).post('/daftar').set('Authorization', as('kasir')).set('X-PIN', PIN);
    const { no_rekening } = (await res.send(dataNasabah()).expect(200)).body as { no_rekening: string };
    for (let i = 0; i < 3; i += 1) {
      await request(t.app).get(`/saldo/${no_rekening}`).set('Authorization', as('kasir')).set('X-PIN', WRONG);
    }

    const refused = await request(t.app)
      .post('/pin/reset')
      .set('Authorization', as('kasir'))
      .set('X-PIN-Baru', '246810')
      .send({ no_rekening })
      .expect(403);
    expect(refused.body).toEqual({
      remark: 'kunci API ini tidak boleh mengatur ulang PIN (perlu pilihan :reset-pin di API_KEYS)',
    });
    const reset = await request(t.app)
      .post('/pin/reset')
      .set('Authorization', as('operator'))
      .set('X-PIN-Baru', '246810')
      .send({ no_rekening })
      .expect(200, { no_rekening });

    await request(t.app)
      .get(`/saldo/${no_rekening}`)
      .set('Authorization', as('kasir'))
      .set('X-PIN', '246810')
      .expect(200, { saldo: 0 });
    const kept = await stored(t, no_rekening);
    expect(kept?.riwayat_pin).toEqual([
      expect.objectContaining({ peristiwa: 'daftar', client: 'kasir' }),
      {
        peristiwa: 'reset',
        client: 'operator',
        request_id: reset.headers['x-request-id'] as string,
        waktu: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      },
    ]);
    // Neither PIN, nor the hash, is in any log line.
    const log = lines.join('\n');
    expect(log).not.toContain(PIN);
    expect(log).not.toContain('246810');
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain(kept?.pin?.hash ?? 'no hash kept');
  });

  it('a reset without X-PIN-Baru takes the PIN away: the account is as one that never had one', async () => {
    const t = await makeAnyStoreApp({ access });
    const res = request(t.app).post('/daftar').set('Authorization', as('kasir')).set('X-PIN', PIN);
    const { no_rekening } = (await res.send(dataNasabah()).expect(200)).body as { no_rekening: string };
    await request(t.app)
      .post('/pin/reset')
      .set('Authorization', as('operator'))
      .send({ no_rekening })
      .expect(200);
    await request(t.app)
      .get(`/saldo/${no_rekening}`)
      .set('Authorization', as('kasir'))
      .expect(200, { saldo: 0 });
    expect((await stored(t, no_rekening))?.pin).toBeUndefined();
  });
});

describe('POST /pin', () => {
  it('changes the PIN with the old one; the old one is refused after', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarWithPin(t.app);
    const change = (oldPin: string | undefined, newPin: string | undefined) => {
      const req = request(t.app).post('/pin');
      if (oldPin !== undefined) req.set('X-PIN', oldPin);
      if (newPin !== undefined) req.set('X-PIN-Baru', newPin);
      return req.send({ no_rekening: noRekening });
    };
    expect((await change(undefined, '222222').expect(403)).body).toEqual({
      remark: `rekening ${noRekening} dilindungi PIN; kirim PIN-nya di header X-PIN`,
    });
    await change(WRONG, '222222').expect(403);
    expect((await change(PIN, undefined).expect(400)).body).toEqual({
      remark: 'X-PIN-Baru harus berupa PIN 6 digit angka',
    });
    await change(PIN, '222222').expect(200, { no_rekening: noRekening });
    await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', PIN).expect(403);
    await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', '222222').expect(200);
    expect((await stored(t, noRekening))?.riwayat_pin?.map((p) => p.peristiwa)).toEqual(['daftar', 'ganti']);
  });

  it('refuses, with 409, to give an account without a PIN its first one: a stolen key must not lock a nasabah out', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarWithPin(t.app, null);
    const res = await request(t.app).post('/pin').set('X-PIN-Baru', PIN).send({ no_rekening: noRekening });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      remark: `rekening ${noRekening} belum memiliki PIN; PIN pertama diberikan saat daftar atau oleh operator (/pin/reset)`,
    });
    await request(t.app).get(`/saldo/${noRekening}`).expect(200, { saldo: 0 });
    expect((await stored(t, noRekening))?.pin).toBeUndefined();
  });

  it('answers 400 for an unknown no_rekening', async () => {
    const t = await makeAnyStoreApp();
    const res = await request(t.app).post('/pin').set('X-PIN-Baru', PIN).send({ no_rekening: '0000000001' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ remark: 'no_rekening 0000000001 tidak dikenali' });
  });
});

describe('PIN_REQUIRED', () => {
  it('refuses a registration without X-PIN, and registers one with it', async () => {
    const t = await makeAnyStoreApp({ pins: { isPinRequired: true } });
    const res = await request(t.app).post('/daftar').send(dataNasabah()).expect(400);
    expect(res.body).toEqual({
      remark: 'X-PIN wajib diisi: rekening baru di server ini harus memiliki PIN 6 digit',
    });
    await daftarWithPin(t.app);
  });
});

describe('idempotency with a PIN', () => {
  it('checks the PIN before a replay: a retry with a wrong PIN gets 403, with the right one the first answer', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarWithPin(t.app);
    await setor(t.app, noRekening, 10_000);
    const tarik = (pin: string) =>
      request(t.app)
        .post('/tarik')
        .set('Idempotency-Key', 'tarik-1')
        .set('X-PIN', pin)
        .send({ no_rekening: noRekening, nominal: 4_000 });
    await tarik(PIN).expect(200, { saldo: 6_000 });
    await tarik(WRONG).expect(403);
    await tarik(PIN).expect(200, { saldo: 6_000 });
    const history = await request(t.app).get(`/mutasi/${noRekening}`).set('X-PIN', PIN).expect(200);
    expect((history.body as { mutasi: unknown[] }).mutasi).toHaveLength(2);
  });

  it('does not count a right PIN as a wrong one when the change is refused for another reason (the key limit)', async () => {
    const t = await makeAnyStoreApp({ storeLimits: { idempotencyKeysPerClient: 1 } });
    const noRekening = await daftarWithPin(t.app);
    await setor(t.app, noRekening, 10_000);
    const tarik = (key: string) =>
      request(t.app)
        .post('/tarik')
        .set('Idempotency-Key', key)
        .set('X-PIN', PIN)
        .send({ no_rekening: noRekening, nominal: 1_000 });
    await tarik('k-1').expect(200, { saldo: 9_000 });
    for (const key of ['k-2', 'k-3', 'k-4']) await tarik(key).expect(429);
    expect((await stored(t, noRekening))?.pin?.gagal).toBe(0);
    await request(t.app).get(`/saldo/${noRekening}`).set('X-PIN', PIN).expect(200, { saldo: 9_000 });
  });
});
