// Bodies and paths an attacker (or a broken client) might send: never a 500, never a change, never a bad file.
import fc from 'fast-check';
import zlib from 'node:zlib';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { openJsonFileStore } from '../../src/store/json-file';
import { daftarNasabah, listen, makeAnyStoreApp, tabung, type AnyStoreApp } from '../helpers';

describe('hostile input', () => {
  let t: AnyStoreApp;
  let noRekening: string;
  beforeAll(async () => {
    t = await makeAnyStoreApp();
    noRekening = await daftarNasabah(t.app);
    await tabung(t.app, noRekening, 50_000);
  });

  /** What a refused request must leave as it was: the account seen through the API and, on the JSON store, the file's bytes. */
  async function keadaan(): Promise<string> {
    const saldo: unknown = (await request(t.app).get(`/saldo/${noRekening}`)).body;
    const mutasi: unknown = (await request(t.app).get(`/mutasi/${noRekening}`)).body;
    const berkas = t.dataFile === undefined ? null : await readFile(t.dataFile, 'utf8');
    return JSON.stringify({ saldo, mutasi, berkas });
  }

  async function expectNothingChanged(sebelum: string): Promise<void> {
    expect(await keadaan()).toBe(sebelum);
    expect(JSON.parse(sebelum)).toMatchObject({ saldo: { saldo: 50_000 } });
  }

  const rawBodies: [string, string, string][] = [
    ['__proto__ as no_rekening', '/tabung', '{"no_rekening":"__proto__","nominal":1}'],
    ['constructor as no_rekening', '/tarik', '{"no_rekening":"constructor","nominal":1}'],
    ['toString as nominal', '/tabung', '{"no_rekening":"NOREK","nominal":"toString"}'],
    ['__proto__ as nik', '/daftar', '{"nama":"A","nik":"__proto__","no_hp":"081234560000"}'],
    ['__proto__ as a body key', '/tabung', '{"__proto__":{"nominal":5},"no_rekening":"NOREK"}'],
    [
      'constructor.prototype as a body key',
      '/tabung',
      '{"constructor":{"prototype":{"nominal":5}},"no_rekening":"NOREK"}',
    ],
    ['nominal 1e309', '/tabung', '{"no_rekening":"NOREK","nominal":1e309}'],
    ['nominal -0', '/tarik', '{"no_rekening":"NOREK","nominal":-0}'],
    ['nominal 2^53', '/tabung', '{"no_rekening":"NOREK","nominal":9007199254740992}'],
    ['nominal as a numeric string', '/tabung', '{"no_rekening":"NOREK","nominal":"100"}'],
    ['nominal as a nested object', '/tabung', '{"no_rekening":"NOREK","nominal":{"valueOf":100}}'],
    ['nominal as an array', '/tabung', '{"no_rekening":"NOREK","nominal":[100]}'],
    ['no_rekening as an array', '/tabung', '{"no_rekening":["NOREK"],"nominal":100}'],
    ['no_rekening as a number', '/tabung', '{"no_rekening":1234567890,"nominal":100}'],
    ['a top-level array', '/daftar', '[{"nama":"A"}]'],
    ['a deeply nested body', '/tabung', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['truncated JSON', '/tarik', '{"no_rekening":"NOREK","nominal":'],
  ];

  it.each(rawBodies)('refuses %s with a 4xx and changes nothing', async (_case, endpoint, body) => {
    const sebelum = await keadaan();
    const res = await request(t.app)
      .post(endpoint)
      .set('Content-Type', 'application/json')
      .send(body.replaceAll('NOREK', noRekening));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toEqual({ remark: expect.any(String) as unknown });
    await expectNothingChanged(sebelum);
    expect(({} as Record<string, unknown>).nominal).toBeUndefined();
  });

  it('refuses a 2 MiB body with 413', async () => {
    const sebelum = await keadaan();
    const body = JSON.stringify({ no_rekening: noRekening, nominal: 1, isi: 'x'.repeat(2 * 1024 * 1024) });
    await request(t.app).post('/tabung').set('Content-Type', 'application/json').send(body).expect(413);
    await expectNothingChanged(sebelum);
  });

  it.each([
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
  ])('refuses Content-Type %s with 415', async (contentType) => {
    const sebelum = await keadaan();
    await request(t.app)
      .post('/tabung')
      .set('Content-Type', contentType)
      .send(JSON.stringify({ no_rekening: noRekening, nominal: 1 }))
      .expect(415);
    await expectNothingChanged(sebelum);
  });

  it('refuses invalid UTF-8 instead of storing replacement characters', async () => {
    const sebelum = await keadaan();
    const body = Buffer.concat([
      Buffer.from('{"nama":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('","nik":"3201010101017777","no_hp":"081277770000"}'),
    ]);
    // supertest would JSON-encode a Buffer; the raw bytes need a plain HTTP client.
    const server = await listen(t.app);
    try {
      const res = await fetch(`${server.baseUrl}/daftar`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ remark: 'body harus berupa teks UTF-8 yang valid' });
    } finally {
      await server.close();
    }
    await expectNothingChanged(sebelum);
  });

  it.each(['__proto__', 'constructor', 'toString', '..%2F..%2Fetc%2Fpasswd', '%00', '1234567890%00'])(
    'answers GET /saldo/%s and /mutasi/%s with 400',
    async (noRek) => {
      await request(t.app).get(`/saldo/${noRek}`).expect(400);
      await request(t.app).get(`/mutasi/${noRek}`).expect(400);
    },
  );

  it('never answers 500 to random JSON bodies on any endpoint, and the file stays valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/daftar', '/tabung', '/tarik'),
        fc.oneof(
          fc.json(),
          fc
            .record(
              {
                nama: fc.jsonValue(),
                nik: fc.jsonValue(),
                no_hp: fc.jsonValue(),
                no_rekening: fc.jsonValue(),
                nominal: fc.jsonValue(),
              },
              { requiredKeys: [] },
            )
            .map((body) => JSON.stringify(body)),
        ),
        async (endpoint, body) => {
          const res = await request(t.app).post(endpoint).set('Content-Type', 'application/json').send(body);
          expect(res.status).not.toBeGreaterThanOrEqual(500);
          expect(res.body).toHaveProperty(
            res.status === 200 ? (endpoint === '/daftar' ? 'no_rekening' : 'saldo') : 'remark',
          );
        },
      ),
      { numRuns: 300 },
    );
    // On the JSON store, the file must still load with every rule checked.
    if (t.dataFile !== undefined) {
      await expect(openJsonFileStore(t.dataFile).then((store) => store.close())).resolves.toBeUndefined();
    }
  });

  it('never answers 500 to random path segments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('saldo', 'mutasi'),
        fc.string({ maxLength: 30 }),
        async (endpoint, segment) => {
          const res = await request(t.app).get(`/${endpoint}/${encodeURIComponent(segment)}`);
          expect([200, 400, 404]).toContain(res.status);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each(['/saldo/%ZZ', '/saldo/%C0%AF', '/mutasi/%', '/saldo/%E0%A4%A', '/mutasi/%FF%FE?limit=1'])(
    'answers %s with 400 and a remark, not 500',
    async (path) => {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ remark: expect.stringContaining('tidak dapat dibaca') as unknown });
    },
  );

  it('never answers 5xx to paths with random percent-escapes', async () => {
    const escape = fc.oneof(
      fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, '0')}`),
      fc.constantFrom('%', '%Z', '%ZZ', '%%', '%G0', '%0'),
      fc.constantFrom('a', '1', '/', '.', '-'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('saldo', 'mutasi', 'tabung', 'tidak-ada'),
        fc.array(escape, { maxLength: 12 }).map((parts) => parts.join('')),
        async (endpoint, segment) => {
          const res = await request(t.app).get(`/${endpoint}/${segment}`);
          expect(res.status).toBeLessThan(500);
          expect(res.body).toHaveProperty(
            res.status === 200 ? ('saldo' in res.body ? 'saldo' : 'mutasi') : 'remark',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never answers 5xx to compressed bodies that do not decode, and changes nothing for them', async () => {
    const sebelum = await keadaan();
    let decoded = 0;
    const valid = Buffer.from(JSON.stringify({ no_rekening: noRekening, nominal: 1 }));
    const compress: Record<string, (input: Buffer) => Buffer> = {
      gzip: (input) => zlib.gzipSync(input),
      deflate: (input) => zlib.deflateSync(input),
      br: (input) => zlib.brotliCompressSync(input),
    };
    const brokenBody = fc.oneof(
      // Random bytes, claimed to be compressed.
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      // A valid stream cut short, or with bytes flipped.
      fc
        .tuple(fc.constantFrom('gzip', 'deflate', 'br'), fc.integer({ min: 1, max: 40 }))
        .map(([encoding, cut]) => {
          const whole = compress[encoding]?.(valid) ?? valid;
          return whole.subarray(0, Math.max(0, whole.length - cut));
        }),
      fc
        .tuple(fc.constantFrom('gzip', 'deflate', 'br'), fc.nat(), fc.integer({ min: 1, max: 255 }))
        .map(([encoding, at, xor]) => {
          const whole = Buffer.from(compress[encoding]?.(valid) ?? valid);
          const index = at % whole.length;
          whole[index] = (whole[index] ?? 0) ^ xor;
          return whole;
        }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/tabung', '/tarik', '/daftar'),
        fc.constantFrom('gzip', 'deflate', 'br', 'x-gzip', 'identity', 'compress', 'gzip, br', 'GZIP', ''),
        brokenBody,
        async (endpoint, encoding, body) => {
          const res = await request(t.app)
            .post(endpoint)
            .set('Content-Type', 'application/json')
            .set('Content-Encoding', encoding)
            .send(body);
          expect(res.status).toBeLessThan(500);
          if (res.status === 200) decoded += 1;
          else expect(res.body).toHaveProperty('remark');
        },
      ),
      { numRuns: 300 },
    );
    // A flipped byte may, rarely, still decode (brotli has no checksum): only then may anything have changed.
    if (decoded === 0) expect(await keadaan()).toBe(sebelum);
  });
});
