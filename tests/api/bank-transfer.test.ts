// Jepsen-style, with transfers: random parallel histories of transfer, tabung, tarik and saldo among a few
// accounts, checked against what a ledger must keep whatever the interleaving: money is only made by tabung and
// only leaves by tarik, no saldo is ever negative, and no transfer is half there.
import fc from 'fast-check';
import request from 'supertest';
import { dataNasabah, listen, makeAnyStoreApp } from '../helpers';

const REKENING = 4;
const SALDO_AWAL = 10_000;

type Op =
  | { kind: 'transfer'; asal: number; tujuan: number; nominal: number }
  | { kind: 'tabung' | 'tarik'; slot: number; nominal: number }
  | { kind: 'saldo'; slot: number };

const nominalArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 6_000 }) },
  { weight: 1, arbitrary: fc.constant(1_000_000_000_000) },
);
const slotArb = fc.nat({ max: REKENING - 1 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ asal: slotArb, geser: fc.integer({ min: 1, max: REKENING - 1 }), nominal: nominalArb })
      .map(({ asal, geser, nominal }) => ({
        kind: 'transfer' as const,
        asal,
        tujuan: (asal + geser) % REKENING,
        nominal,
      })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('tabung' as const, 'tarik' as const),
      slot: slotArb,
      nominal: nominalArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('saldo' as const), slot: slotArb }) },
);

interface MutasiBody {
  waktu: string;
  kode_transaksi: 'C' | 'D';
  nominal: number;
  no_rekening_lawan?: string;
}

const totalOf = (mutasi: readonly MutasiBody[]) =>
  mutasi.reduce((sum, m) => sum + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);

describe('the bank invariant with transfers', () => {
  it('holds for random parallel transfers, tabung, tarik and reads: money is conserved, never negative, no transfer half there', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const { app, store } = await makeAnyStoreApp();
        const server = await listen(app);
        try {
          const post = (endpoint: string, body: object) => request(server.baseUrl).post(endpoint).send(body);
          const rekening: string[] = [];
          for (let i = 0; i < REKENING; i += 1) {
            const res = await post('/daftar', dataNasabah()).expect(200);
            const { no_rekening } = res.body as { no_rekening: string };
            await post('/tabung', { no_rekening, nominal: SALDO_AWAL }).expect(200);
            rekening.push(no_rekening);
          }
          const pick = (slot: number) => rekening[slot] ?? '';
          let setoran = REKENING * SALDO_AWAL;
          let penarikan = 0;
          const transferDiakui: string[] = [];
          const saldoTerbaca: number[] = [];

          await Promise.all(
            ops.map(async (op) => {
              if (op.kind === 'saldo') {
                const res = await request(server.baseUrl)
                  .get(`/saldo/${pick(op.slot)}`)
                  .expect(200);
                saldoTerbaca.push((res.body as { saldo: number }).saldo);
                return;
              }
              const res =
                op.kind === 'transfer'
                  ? await post('/transfer', {
                      no_rekening_asal: pick(op.asal),
                      no_rekening_tujuan: pick(op.tujuan),
                      nominal: op.nominal,
                    })
                  : await post(`/${op.kind}`, { no_rekening: pick(op.slot), nominal: op.nominal });
              expect([200, 400]).toContain(res.status);
              if (res.status !== 200) {
                // The only refusal these requests can meet is too little saldo.
                expect((res.body as { remark: string }).remark).toMatch(/^saldo tidak cukup/);
                expect(op.kind).not.toBe('tabung');
                return;
              }
              saldoTerbaca.push((res.body as { saldo: number }).saldo);
              if (op.kind === 'transfer')
                transferDiakui.push(`${pick(op.asal)}>${pick(op.tujuan)}:${op.nominal}`);
              else if (op.kind === 'tabung') setoran += op.nominal;
              else penarikan += op.nominal;
            }),
          );

          expect(saldoTerbaca.filter((s) => s < 0)).toEqual([]);
          const saldoAkhir: number[] = [];
          const debit: string[] = [];
          const kredit: string[] = [];
          for (const noRekening of rekening) {
            const saldoRes = await request(server.baseUrl).get(`/saldo/${noRekening}`).expect(200);
            const mutasiRes = await request(server.baseUrl).get(`/mutasi/${noRekening}`).expect(200);
            const { saldo } = saldoRes.body as { saldo: number };
            const { mutasi } = mutasiRes.body as { mutasi: MutasiBody[] };
            saldoAkhir.push(saldo);
            expect(totalOf(mutasi)).toBe(saldo);
            // Every prefix of a history was a saldo someone could have read.
            let berjalan = 0;
            for (const m of mutasi) {
              berjalan += m.kode_transaksi === 'C' ? m.nominal : -m.nominal;
              expect(berjalan).toBeGreaterThanOrEqual(0);
              if (m.no_rekening_lawan === undefined) continue;
              // Both halves written as "asal>tujuan|waktu|nominal", so a D and its C give the same line.
              if (m.kode_transaksi === 'D')
                debit.push(`${noRekening}>${m.no_rekening_lawan}|${m.waktu}|${m.nominal}`);
              else kredit.push(`${m.no_rekening_lawan}>${noRekening}|${m.waktu}|${m.nominal}`);
            }
          }

          expect(saldoAkhir.reduce((a, b) => a + b, 0)).toBe(setoran - penarikan);
          expect(kredit.sort()).toEqual(debit.sort());
          expect(debit.map((line) => line.replace(/\|.*\|/, ':')).sort()).toEqual(transferDiakui.sort());
        } finally {
          await server.close();
          await store.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('matches a plain in-memory model, answer for answer, when the same operations run in sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const { app, store } = await makeAnyStoreApp();
        try {
          const rekening: string[] = [];
          for (let i = 0; i < REKENING; i += 1) {
            const res = await request(app).post('/daftar').send(dataNasabah()).expect(200);
            rekening.push((res.body as { no_rekening: string }).no_rekening);
          }
          const model = rekening.map(() => 0);
          const pick = (slot: number) => rekening[slot] ?? '';

          for (const op of ops) {
            if (op.kind === 'saldo') {
              const res = await request(app)
                .get(`/saldo/${pick(op.slot)}`)
                .expect(200);
              expect(res.body).toEqual({ saldo: model[op.slot] });
            } else if (op.kind === 'transfer') {
              const bolehkah = (model[op.asal] ?? 0) >= op.nominal;
              const res = await request(app)
                .post('/transfer')
                .send({
                  no_rekening_asal: pick(op.asal),
                  no_rekening_tujuan: pick(op.tujuan),
                  nominal: op.nominal,
                });
              if (bolehkah) {
                model[op.asal] = (model[op.asal] ?? 0) - op.nominal;
                model[op.tujuan] = (model[op.tujuan] ?? 0) + op.nominal;
              }
              expect([res.status, res.body]).toEqual(
                bolehkah
                  ? [200, { saldo: model[op.asal] }]
                  : [400, { remark: expect.stringMatching(/^saldo tidak cukup/) as unknown }],
              );
            } else {
              const bolehkah = op.kind === 'tabung' || (model[op.slot] ?? 0) >= op.nominal;
              const res = await request(app)
                .post(`/${op.kind}`)
                .send({ no_rekening: pick(op.slot), nominal: op.nominal });
              if (bolehkah)
                model[op.slot] = (model[op.slot] ?? 0) + (op.kind === 'tabung' ? op.nominal : -op.nominal);
              expect([res.status, res.body]).toEqual(
                bolehkah ? [200, { saldo: model[op.slot] }] : [400, expect.anything() as unknown],
              );
            }
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 10 },
    );
  }, 120_000);
});
