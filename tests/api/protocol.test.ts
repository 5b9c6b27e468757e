import request from 'supertest';
import { createApp } from '../../src/app';
import { failingStore } from '../failing-store';
import { daftarNasabah, makeAnyStoreApp, silentLogger, type AnyStoreApp } from '../helpers';

describe('HTTP protocol', () => {
  let t: AnyStoreApp;
  beforeAll(async () => {
    t = await makeAnyStoreApp();
  });

  it('answers 400 with a remark for malformed JSON', async () => {
    const res = await request(t.app)
      .post('/tabung')
      .set('Content-Type', 'application/json')
      .send('{"nominal":')
      .expect(400);
    expect(res.body).toEqual({ remark: 'body bukan JSON yang valid' });
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"halo"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('answers 400 when the JSON body is %s', async (_case, body) => {
    const res = await request(t.app)
      .post('/daftar')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body).toHaveProperty('remark');
  });

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', 'nama=Budi'],
    ['plain text', 'text/plain', '{"nama":"Budi"}'],
  ])('answers 415 for a %s body', async (_case, contentType, body) => {
    const res = await request(t.app).post('/daftar').set('Content-Type', contentType).send(body).expect(415);
    expect(res.body).toEqual({ remark: 'Content-Type harus application/json' });
  });

  it('answers 400 body wajib diisi for a JSON request with no body', async () => {
    const res = await request(t.app).post('/tabung').set('Content-Type', 'application/json').expect(400);
    expect(res.body).toEqual({ remark: 'body wajib diisi: kirim objek JSON' });
  });

  it.each(['null', '[]', '"tabung"', '5'])(
    'answers 400 body harus berupa objek JSON for %s',
    async (body) => {
      const res = await request(t.app)
        .post('/tabung')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body).toEqual({ remark: 'body harus berupa objek JSON' });
    },
  );

  it('answers 415 for a body without Content-Type', async () => {
    const res = await request(t.app).post('/tabung').expect(415);
    expect(res.body).toHaveProperty('remark');
  });

  it('answers 413 for a body over 100 kB, and registers nobody', async () => {
    const res = await request(t.app)
      .post('/daftar')
      .send({ nama: 'A', nik: '3201010101010001', no_hp: '081234567890', isian: 'x'.repeat(101 * 1024) })
      .expect(413);
    expect(res.body).toEqual({ remark: 'body terlalu besar, maksimum 100 kB' });
    await request(t.app)
      .post('/daftar')
      .send({ nama: 'A', nik: '3201010101010001', no_hp: '081234567890' })
      .expect(200);
  });

  it.each([
    ['GET', '/'],
    ['GET', '/saldo'],
    ['POST', '/transfer-antar-bank'],
    ['DELETE', '/saldo/1234567890/lain'],
  ] as const)('answers 404 with a remark for %s %s', async (method, url) => {
    const agent = request(t.app);
    const send = { GET: () => agent.get(url), POST: () => agent.post(url), DELETE: () => agent.delete(url) };
    const res = await send[method]().expect(404);
    expect(res.body).toEqual({ remark: `tidak ada endpoint ${method} ${url}` });
  });

  it.each([
    ['GET', '/tabung', 'POST, OPTIONS', 'POST'],
    ['DELETE', '/saldo/1234567890', 'GET, HEAD, OPTIONS', 'GET atau HEAD'],
    ['POST', '/health', 'GET, HEAD, OPTIONS', 'GET atau HEAD'],
  ] as const)('answers 405 with Allow and a remark for %s %s', async (method, url, allow, use) => {
    const agent = request(t.app);
    const send = { GET: () => agent.get(url), POST: () => agent.post(url), DELETE: () => agent.delete(url) };
    const res = await send[method]().expect(405).expect('Allow', allow);
    expect(res.body).toEqual({ remark: `${url} tidak menerima ${method}; gunakan ${use}` });
  });

  it('answers OPTIONS on a known path with 204 and the same Allow', async () => {
    await request(t.app).options('/transfer').expect(204).expect('Allow', 'POST, OPTIONS');
    await request(t.app).options('/mutasi/1234567890').expect(204).expect('Allow', 'GET, HEAD, OPTIONS');
  });

  it('sends JSON and no X-Powered-By header', async () => {
    const noRekening = await daftarNasabah(t.app);
    const res = await request(t.app)
      .get(`/saldo/${noRekening}`)
      .expect(200)
      .expect('Content-Type', /^application\/json/);
    expect(res.headers).not.toHaveProperty('x-powered-by');
  });

  it('refuses body keys that are not fields, __proto__ included, naming them, and pollutes nothing', async () => {
    const body =
      '{"__proto__":{"saldo":1},"constructor":{"prototype":{"x":1}},"nama":"Ani","nik":"3201010101019999","no_hp":"081299999999"}';
    const res = await request(t.app)
      .post('/daftar')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body).toEqual({
      remark: 'field tidak dikenal: __proto__, constructor; field yang dikenal: nama, nik, no_hp',
    });
    expect(({} as Record<string, unknown>).saldo).toBeUndefined();
  });

  it('names a misspelt field beside the missing one it stands for, and every other broken rule', async () => {
    const res = await request(t.app)
      .post('/tabung')
      .send({ no_rekening: '12345', nomimal: 5000 })
      .expect(400);
    expect(res.body).toEqual({
      remark:
        'no_rekening harus berupa teks 10 digit angka; nominal wajib diisi; ' +
        'field tidak dikenal: nomimal; field yang dikenal: no_rekening, nominal',
    });
  });

  it.each([
    ['get', '/saldo/1234567890?from=1', 'from'],
    ['post', '/tabung?debug=1', 'debug'],
  ] as const)('refuses query parameters on %s %s, which takes none', async (method, path, name) => {
    const res = await request(t.app)[method](path).expect(400);
    expect(res.body).toEqual({
      remark: `parameter query tidak dikenal: ${name}; endpoint ini tidak menerima parameter query`,
    });
  });

  describe('when something unexpected fails', () => {
    it('answers 500 with a generic remark and keeps the details out of the response', async () => {
      const app = createApp({ store: failingStore(new Error('rahasia: /etc/shadow')), logger: silentLogger });

      const res = await request(app).get('/saldo/1234567890').expect(500);

      expect(res.body).toEqual({ remark: 'terjadi kesalahan pada server; coba lagi nanti' });
      expect(res.text).not.toContain('rahasia');
    });
  });
});
