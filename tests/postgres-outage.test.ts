// The PostgreSQL store when its database goes away while the app runs: every request is answered promptly
// with 503 and a remark (never a hang, never a 500), nothing half-done is left, and it recovers by itself.
import request from 'supertest';
import { createApp } from '../src/app';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import type { Store } from '../src/domain/store';
import { daftarNasabah, saldo, silentLogger, tabung } from './helpers';
import { hasPostgres, relayTo, newSchema } from './postgres';

const STORAGE_UNAVAILABLE = { remark: expect.stringContaining('basis data tidak dapat dipakai') as unknown };
/** /health is public: it says only that the service is not ready, and the log says why. */
const NOT_READY = { remark: 'layanan belum siap; penyebabnya ada di log server' };

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store when the database goes away (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let relay: Awaited<ReturnType<typeof relayTo>>;
    let store: Store;
    let app: ReturnType<typeof createApp>;

    beforeAll(async () => {
      relay = await relayTo(await newSchema('putus'));
      store = await openPostgresStore(relay.url, { connectTimeoutMs: 1_000 });
      app = createApp({ store, logger: silentLogger });
    });

    afterAll(async () => {
      await store.close();
      await relay.close();
    });

    afterEach(() => relay.setMode('forward'));

    it('answers 503 on /health, reads and moves while the server is stopped, and recovers by itself', async () => {
      const noRekening = await daftarNasabah(app);
      await tabung(app, noRekening, 5_000);

      relay.setMode('refuse');
      expect((await request(app).get('/health').expect(503)).body).toEqual(NOT_READY);
      expect((await request(app).get(`/saldo/${noRekening}`).expect(503)).body).toEqual(STORAGE_UNAVAILABLE);
      const move = { no_rekening: noRekening, nominal: 1_000 };
      expect((await request(app).post('/tabung').send(move).expect(503)).body).toEqual(STORAGE_UNAVAILABLE);
      expect((await request(app).post('/tarik').send(move).expect(503)).body).toEqual(STORAGE_UNAVAILABLE);

      relay.setMode('forward');
      await request(app).get('/health').expect(200, { status: 'ok' });
      expect(await saldo(app, noRekening)).toBe(5_000);
      await tabung(app, noRekening, 1_000);
      const mutasi = await request(app).get(`/mutasi/${noRekening}`).expect(200);
      expect((mutasi.body as { mutasi: unknown[] }).mutasi).toHaveLength(2);
    });

    it('answers 503 within the connect timeout when the host stops answering, instead of hanging', async () => {
      const noRekening = await daftarNasabah(app);
      relay.setMode('silent');

      const startedAt = performance.now();
      const [health, tabungResponse] = await Promise.all([
        request(app).get('/health'),
        request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 1_000 }),
      ]);

      expect([health.status, tabungResponse.status]).toEqual([503, 503]);
      expect(tabungResponse.body).toEqual(STORAGE_UNAVAILABLE);
      expect(performance.now() - startedAt).toBeLessThan(4_000);
      relay.setMode('forward');
      expect(await saldo(app, noRekening)).toBe(0);
    });
  },
);
