// Who moved each rupiah: every mutasi keeps the API client and the server's request id, the request's log line
// carries the same id, and the API never shows either (npm run audit does: tests/cli-audit.test.ts).
import request from 'supertest';
import { apiKeyFor, capturingLogger, dataNasabah, makeAnyStoreApp, readMutasi } from '../helpers';

const TOKENS = {
  kasir: 'token-kasir-0123456789abcdefghijklmnopqrstuv',
  mitra: 'token-mitra-0123456789abcdefghijklmnopqrstuv',
};
const apiKey = (name: keyof typeof TOKENS) => apiKeyFor(name, TOKENS[name]);
const ACCESS = { mode: 'apiKeys' as const, apiKeys: [apiKey('kasir'), apiKey('mitra')] };

describe('the audit trail', () => {
  it('records on each mutasi the client and the request id of its request, which the log line carries too', async () => {
    const { logger, lines } = capturingLogger();
    const t = await makeAnyStoreApp({ access: ACCESS, logger });
    const as = (name: keyof typeof TOKENS) => `Bearer ${TOKENS[name]}`;
    const asal = (
      (await request(t.app).post('/daftar').set('Authorization', as('kasir')).send(dataNasabah()).expect(200))
        .body as { no_rekening: string }
    ).no_rekening;
    const tujuan = (
      (await request(t.app).post('/daftar').set('Authorization', as('mitra')).send(dataNasabah()).expect(200))
        .body as { no_rekening: string }
    ).no_rekening;

    // Both clients at once, so that their moves share batches.
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () =>
        request(t.app)
          .post('/tabung')
          .set('Authorization', as('kasir'))
          .send({ no_rekening: asal, nominal: 100 }),
      ),
      ...Array.from({ length: 10 }, () =>
        request(t.app)
          .post('/tabung')
          .set('Authorization', as('mitra'))
          .send({ no_rekening: asal, nominal: 7 }),
      ),
    ]);
    const transfer = await request(t.app)
      .post('/transfer')
      .set('Authorization', as('mitra'))
      .set('X-Request-Id', 'dari-gateway-1')
      .send({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 50 })
      .expect(200);

    const history = (await readMutasi(t.store, asal)) ?? [];
    const sentBy = new Map(
      answers.map((res) => [res.headers['x-request-id'], res.request.getHeader('Authorization')]),
    );
    expect(history).toHaveLength(21);
    for (const mutasi of history.slice(0, 20)) {
      const client = mutasi.nominal === 100 ? 'kasir' : 'mitra';
      expect(mutasi.client).toBe(client);
      expect(sentBy.get(mutasi.request_id)).toBe(as(client));
    }
    // A transfer's two mutasi carry the one request that made them; the caller's own id is not the audit's.
    const requestId = transfer.headers['x-request-id'] as string;
    expect(history.at(-1)).toMatchObject({ kode_transaksi: 'D', client: 'mitra', request_id: requestId });
    expect((await readMutasi(t.store, tujuan))?.at(-1)).toMatchObject({
      client: 'mitra',
      request_id: requestId,
    });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        request_id: requestId,
        caller_request_id: 'dari-gateway-1',
        client: 'mitra',
      }),
    );
    // The API shows the contract's fields only.
    const listed = await request(t.app).get(`/mutasi/${asal}`).set('Authorization', as('kasir')).expect(200);
    expect(JSON.stringify(listed.body)).not.toMatch(/client|request_id/);
  });
});
