// Who may call and how much one caller may cost, through the API, on the store TEST_STORE names.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { apiKeyFor, capturingLogger, dataNasabah, makeAnyStoreApp, type AnyStoreApp } from '../helpers';

const TOKEN_KASIR = 'token-kasir-0123456789abcdefghijklmnopqrstuv';
const TOKEN_MITRA = 'token-mitra-0123456789abcdefghijklmnopqrstuv';
const TOKEN_AUDIT = 'token-audit-0123456789abcdefghijklmnopqrstuv';

const API_KEYS = [
  apiKeyFor('kasir', TOKEN_KASIR),
  apiKeyFor('mitra', TOKEN_MITRA),
  apiKeyFor('audit', TOKEN_AUDIT, true),
];
const bearer = (token: string) => `Bearer ${token}`;

/** Registers a nasabah with the kasir key and deposits `nominal`; returns the no_rekening. */
async function rekeningDengan(t: AnyStoreApp, nominal: number): Promise<string> {
  const daftar = await request(t.app)
    .post('/daftar')
    .set('Authorization', bearer(TOKEN_KASIR))
    .send(dataNasabah());
  const { no_rekening } = daftar.body as { no_rekening: string };
  if (nominal > 0) {
    await request(t.app)
      .post('/tabung')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send({ no_rekening, nominal })
      .expect(200);
  }
  return no_rekening;
}

async function saldoDari(t: AnyStoreApp, noRekening: string): Promise<number> {
  const res = await request(t.app).get(`/saldo/${noRekening}`).set('Authorization', bearer(TOKEN_AUDIT));
  return (res.body as { saldo: number }).saldo;
}

describe('with API_KEYS', () => {
  let t: AnyStoreApp;
  let noRekening: string;
  const { logger, lines: logLines } = capturingLogger();
  beforeAll(async () => {
    t = await makeAnyStoreApp({ access: { mode: 'apiKeys', apiKeys: API_KEYS }, logger });
    noRekening = await rekeningDengan(t, 10_000);
  });

  const protectedEndpoints = (): [string, string, object | undefined][] => [
    ['POST', '/daftar', dataNasabah()],
    ['POST', '/tabung', { no_rekening: noRekening, nominal: 1 }],
    ['POST', '/tarik', { no_rekening: noRekening, nominal: 1 }],
    ['GET', `/saldo/${noRekening}`, undefined],
    ['GET', `/mutasi/${noRekening}`, undefined],
    ['GET', '/tidak-ada', undefined],
  ];

  function send(method: string, path: string, body: object | undefined) {
    const req = method === 'POST' ? request(t.app).post(path).send(body) : request(t.app).get(path);
    return req;
  }

  describe.each([
    ['no Authorization header', undefined, 'Bearer realm="tabungan"'],
    [
      'an unknown token',
      bearer('token-salah-0123456789abcdefghijklmnopq'),
      'Bearer realm="tabungan", error="invalid_token"',
    ],
    [
      'a known token in another scheme',
      `Basic ${TOKEN_KASIR}`,
      'Bearer realm="tabungan", error="invalid_token"',
    ],
    [
      'a known token with a character changed',
      bearer(`${TOKEN_KASIR.slice(0, -1)}w`),
      'Bearer realm="tabungan", error="invalid_token"',
    ],
  ])('when a request carries %s', (_case, authorization, challenge) => {
    it('answers every protected endpoint 401 with WWW-Authenticate and a remark, and changes nothing', async () => {
      for (const [method, path, body] of protectedEndpoints()) {
        const req = send(method, path, body);
        const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.headers['www-authenticate']).toBe(challenge);
        expect((res.body as { remark: string }).remark).toMatch(/Bearer/);
      }
      expect(await saldoDari(t, noRekening)).toBe(10_000);
    });
  });

  it('serves /health, /openapi.json and /docs without a token', async () => {
    await request(t.app).get('/health').expect(200);
    await request(t.app).get('/openapi.json').expect(200);
    await request(t.app).get('/docs/').expect(200);
  });

  it('lets a write key move money, and names its client in the log but never its token', async () => {
    const res = await request(t.app)
      .post('/tarik')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send({ no_rekening: noRekening, nominal: 1_000 })
      .expect(200);
    expect(res.body).toEqual({ saldo: 9_000 });
    await request(t.app)
      .post('/tarik')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send({ no_rekening: noRekening, nominal: 1_000 });
    await new Promise((resolve) => setImmediate(resolve));
    const log = logLines.join('');
    expect(log).toContain('"client":"kasir"');
    for (const token of [TOKEN_KASIR, TOKEN_MITRA, TOKEN_AUDIT]) expect(log).not.toContain(token);
    expect(log).not.toContain(createHash('sha256').update(TOKEN_KASIR).digest('hex'));
    await request(t.app)
      .post('/tabung')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send({ no_rekening: noRekening, nominal: 2_000 })
      .expect(200);
  });

  it('lets a read-only key read saldo and mutasi, and answers its POSTs 403 without moving money', async () => {
    const sebelum = await saldoDari(t, noRekening);
    await request(t.app).get(`/mutasi/${noRekening}`).set('Authorization', bearer(TOKEN_AUDIT)).expect(200);
    for (const path of ['/tabung', '/tarik']) {
      const res = await request(t.app)
        .post(path)
        .set('Authorization', bearer(TOKEN_AUDIT))
        .send({ no_rekening: noRekening, nominal: 1 });
      expect(res.status).toBe(403);
      expect((res.body as { remark: string }).remark).toContain('hanya boleh membaca');
    }
    const daftar = await request(t.app)
      .post('/daftar')
      .set('Authorization', bearer(TOKEN_AUDIT))
      .send(dataNasabah());
    expect(daftar.status).toBe(403);
    expect(await saldoDari(t, noRekening)).toBe(sebelum);
  });

  it('marks every answer with account data Cache-Control: no-store', async () => {
    const answers = await Promise.all([
      request(t.app).get(`/saldo/${noRekening}`).set('Authorization', bearer(TOKEN_AUDIT)),
      request(t.app).get(`/mutasi/${noRekening}`).set('Authorization', bearer(TOKEN_AUDIT)),
      request(t.app)
        .post('/tabung')
        .set('Authorization', bearer(TOKEN_KASIR))
        .send({ no_rekening: noRekening, nominal: 1 }),
      request(t.app).post('/daftar').set('Authorization', bearer(TOKEN_KASIR)).send(dataNasabah()),
      request(t.app).get('/saldo/0000000000').set('Authorization', bearer(TOKEN_AUDIT)),
    ]);
    for (const res of answers) expect(res.headers['cache-control']).toBe('no-store');
  });

  describe('Idempotency-Key', () => {
    it('is per client: the same key from two clients is two requests, each replayed only to its own client', async () => {
      const rekening = await rekeningDengan(t, 0);
      const kirim = (token: string, nominal: number) =>
        request(t.app)
          .post('/tabung')
          .set('Authorization', bearer(token))
          .set('Idempotency-Key', 'contoh-kunci-dari-readme')
          .send({ no_rekening: rekening, nominal });

      expect((await kirim(TOKEN_KASIR, 100)).body).toEqual({ saldo: 100 });
      // Another client's equal key, with another body: not a conflict, its own request.
      expect((await kirim(TOKEN_MITRA, 5_000)).body).toEqual({ saldo: 5_100 });
      // Each client's retry replays its own first answer and moves nothing.
      expect((await kirim(TOKEN_KASIR, 100)).body).toEqual({ saldo: 100 });
      expect((await kirim(TOKEN_MITRA, 5_000)).body).toEqual({ saldo: 5_100 });
      // A different body under one client's key is still that client's conflict.
      expect((await kirim(TOKEN_KASIR, 7)).status).toBe(409);
      expect(await saldoDari(t, rekening)).toBe(5_100);
    });
  });
});

describe('in open mode (no API_KEYS)', () => {
  let t: AnyStoreApp;
  beforeAll(async () => {
    t = await makeAnyStoreApp();
  });

  it.each([
    ['a refusal of an unknown account', '/saldo/0000000000', 400],
    ['a refusal of a malformed path', '/saldo/bukan-nomor', 400],
    ['an unknown path', '/tidak-ada', 404],
    ['the health probe', '/health', 200],
  ])('%s is never sniffed into a page nor framed', async (_what, path, status) => {
    const res = await request(t.app).get(path).expect(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it.each(['localhost', 'localhost:3000', '127.0.0.1:8080', '[::1]:3000', 'LOCALHOST'])(
    'serves a request addressed to %s without a token',
    async (host) => {
      const res = await request(t.app).post('/daftar').set('Host', host).send(dataNasabah());
      expect(res.status).toBe(200);
    },
  );

  it.each([
    '[::1]evil.example',
    '[::1].evil.example',
    'localhost:evil',
    'localhost:3000.evil.example',
    'evil.example',
    'evil.example:3000',
    '127.0.0.1.evil.example',
    '192.168.1.10:3000',
    'localhost.evil',
  ])('answers 403 to a request addressed to %s (DNS rebinding), and registers nobody', async (host) => {
    const data = dataNasabah();
    const res = await request(t.app).post('/daftar').set('Host', host).send(data);
    expect(res.status).toBe(403);
    expect((res.body as { remark: string }).remark).toContain('localhost');
    const lagi = await request(t.app).post('/daftar').send(data);
    expect(lagi.status).toBe(200);
  });

  it('serves any Host when the operator allowed it (ALLOW_UNAUTHENTICATED=true)', async () => {
    const terbuka = await makeAnyStoreApp({ access: { mode: 'open', anyHost: true } });
    await request(terbuka.app)
      .post('/daftar')
      .set('Host', 'tabungan.internal:3000')
      .send(dataNasabah())
      .expect(200);
  });
});

describe('the failed-request limit', () => {
  it('answers 429 with Retry-After once a client has had its failures, counting only failures', async () => {
    const t = await makeAnyStoreApp({ failedRequestLimit: 5 });
    const daftar = await request(t.app).post('/daftar').send(dataNasabah()).expect(200);
    const { no_rekening } = daftar.body as { no_rekening: string };
    // Successes cost nothing.
    for (let i = 0; i < 10; i += 1) await request(t.app).get(`/saldo/${no_rekening}`).expect(200);
    for (let i = 0; i < 5; i += 1) await request(t.app).get('/saldo/0000000000').expect(400);

    const ditolak = await request(t.app).get(`/saldo/${no_rekening}`);
    expect(ditolak.status).toBe(429);
    expect(Number(ditolak.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(ditolak.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((ditolak.body as { remark: string }).remark).toContain('terlalu banyak');
    const tabung = await request(t.app).post('/tabung').send({ no_rekening, nominal: 1 });
    expect(tabung.status).toBe(429);
    expect((await request(t.app).get(`/mutasi/${no_rekening}`)).status).toBe(429);
  });

  it('never refuses a client for requests that are merely in flight, however many', async () => {
    const t = await makeAnyStoreApp({ failedRequestLimit: 5 });
    const daftar = await request(t.app).post('/daftar').send(dataNasabah()).expect(200);
    const { no_rekening } = daftar.body as { no_rekening: string };
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => request(t.app).post('/tabung').send({ no_rekening, nominal: 1 })),
    );
    expect(answers.map((res) => res.status)).toEqual(Array.from({ length: 40 }, () => 200));
  });

  it('keeps /health and the docs open to a client that used up its failures', async () => {
    const t = await makeAnyStoreApp({ failedRequestLimit: 2 });
    for (let i = 0; i < 3; i += 1) await request(t.app).get('/saldo/0000000000');
    await request(t.app).get('/saldo/0000000000').expect(429);
    await request(t.app).get('/health').expect(200);
    await request(t.app).get('/openapi.json').expect(200);
  });

  it('counts per API key, so one client guessing does not lock out another, and counts bad tokens too', async () => {
    const t = await makeAnyStoreApp({
      access: { mode: 'apiKeys', apiKeys: API_KEYS },
      failedRequestLimit: 3,
    });
    for (let i = 0; i < 3; i += 1) {
      await request(t.app).get('/saldo/0000000000').set('Authorization', bearer(TOKEN_MITRA)).expect(400);
    }
    await request(t.app).get('/saldo/0000000000').set('Authorization', bearer(TOKEN_MITRA)).expect(429);
    await request(t.app)
      .post('/daftar')
      .set('Authorization', bearer(TOKEN_KASIR))
      .send(dataNasabah())
      .expect(200);

    // Token guessing is counted against the caller's address.
    for (let i = 0; i < 3; i += 1) {
      await request(t.app)
        .get('/saldo/0000000000')
        .set('Authorization', bearer(`tebakan-${i}`))
        .expect(401);
    }
    await request(t.app).get('/saldo/0000000000').set('Authorization', bearer('tebakan-lagi')).expect(429);
  });
});

describe('bounded work', () => {
  it('answers 503 with Retry-After beyond the queued-changes bound, and moves exactly what it answered 200', async () => {
    const t = await makeAnyStoreApp({ storeLimits: { maxQueuedChanges: 4 } });
    const { no_rekening } = (await request(t.app).post('/daftar').send(dataNasabah()).expect(200)).body as {
      no_rekening: string;
    };
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => request(t.app).post('/tabung').send({ no_rekening, nominal: 10 })),
    );
    const ok = answers.filter((res) => res.status === 200);
    const penuh = answers.filter((res) => res.status === 503);
    expect(ok.length + penuh.length).toBe(60);
    expect(penuh.length).toBeGreaterThan(0);
    expect(penuh[0]?.headers['retry-after']).toBe('1');
    expect((penuh[0]?.body as { remark: string }).remark).toContain('tidak ada yang berubah');
    const saldo = await request(t.app).get(`/saldo/${no_rekening}`).expect(200);
    expect(saldo.body).toEqual({ saldo: 10 * ok.length });
  });

  it('refuses a new Idempotency-Key with 429 once its client stores the bound, moving nothing, and still replays', async () => {
    const t = await makeAnyStoreApp({
      access: { mode: 'apiKeys', apiKeys: API_KEYS },
      storeLimits: { idempotencyKeysPerClient: 3 },
    });
    const rekening = await rekeningDengan(t, 0);
    const kirim = (path: string, token: string, key: string | undefined, nominal: number) => {
      const req = request(t.app).post(path).set('Authorization', bearer(token));
      return (key === undefined ? req : req.set('Idempotency-Key', key)).send({
        no_rekening: rekening,
        nominal,
      });
    };
    const tabung = (token: string, key: string | undefined, nominal: number) =>
      kirim('/tabung', token, key, nominal);
    expect((await tabung(TOKEN_KASIR, 'k1', 1)).status).toBe(200);
    // A refusal is an answer, and is stored: it counts too.
    expect((await kirim('/tarik', TOKEN_KASIR, 'k2', 1_000_000)).status).toBe(400);
    expect((await tabung(TOKEN_KASIR, 'k3', 2)).status).toBe(200);

    const penuh = await tabung(TOKEN_KASIR, 'k4', 1_000);
    expect(penuh.status).toBe(429);
    expect((penuh.body as { remark: string }).remark).toContain('Idempotency-Key');
    const daftar = await request(t.app)
      .post('/daftar')
      .set('Authorization', bearer(TOKEN_KASIR))
      .set('Idempotency-Key', 'k5')
      .send(dataNasabah());
    expect(daftar.status).toBe(429);
    // A retry of a stored key still replays; a keyless move and another client are not held back.
    expect((await tabung(TOKEN_KASIR, 'k1', 1)).body).toEqual({ saldo: 1 });
    expect((await tabung(TOKEN_KASIR, undefined, 10)).status).toBe(200);
    expect((await tabung(TOKEN_MITRA, 'k4', 100)).status).toBe(200);
    // Not stored as an answer: the refused key stays unused, so the same request is refused again, not replayed.
    expect((await tabung(TOKEN_KASIR, 'k4', 1_000)).status).toBe(429);
    expect(await saldoDari(t, rekening)).toBe(1 + 2 + 10 + 100);
  });
});
