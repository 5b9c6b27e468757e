// Jepsen-style: random histories of every operation, run in parallel and in sequence, checked against the
// rules a ledger must keep whatever the interleaving.
import fc from 'fast-check';
import type { Server } from 'node:http';
import request from 'supertest';
import { dataNasabah, makeAnyStoreApp } from '../helpers';

type Op =
  | { jenis: 'daftar' }
  | { jenis: 'tabung' | 'tarik'; akun: number; nominal: number }
  | { jenis: 'saldo' | 'mutasi'; akun: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ jenis: 'daftar' }),
  fc.record({
    jenis: fc.constantFrom('tabung' as const, 'tarik' as const),
    akun: fc.nat({ max: 5 }),
    nominal: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.constant(1_000_000_000_000)),
  }),
  fc.record({ jenis: fc.constantFrom('saldo' as const, 'mutasi' as const), akun: fc.nat({ max: 5 }) }),
);

interface Mutasi {
  kode_transaksi: 'C' | 'D';
  nominal: number;
}

async function withServer<T>(run: (server: Server) => Promise<T>): Promise<T> {
  const { app, store } = await makeAnyStoreApp();
  const server = app.listen(0, '127.0.0.1');
  try {
    return await run(server);
  } finally {
    server.close();
    await store.close();
  }
}

async function bukaRekening(server: Server, jumlah: number): Promise<string[]> {
  const rekening: string[] = [];
  for (let i = 0; i < jumlah; i += 1) {
    const res = await request(server).post('/daftar').send(dataNasabah()).expect(200);
    rekening.push((res.body as { no_rekening: string }).no_rekening);
  }
  return rekening;
}

const total = (mutasi: readonly Mutasi[]) =>
  mutasi.reduce((s, m) => s + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);
const urut = (mutasi: readonly Mutasi[]) => mutasi.map((m) => `${m.kode_transaksi}${m.nominal}`).sort();

describe('the bank invariant', () => {
  it('holds for random operations run in parallel: saldo = acknowledged moves = ΣC − ΣD, never negative', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) =>
        withServer(async (server) => {
          const rekening = await bukaRekening(server, 3);
          const diakui = new Map<string, Mutasi[]>(rekening.map((r) => [r, []]));
          const pilih = (akun: number) => rekening[akun % rekening.length] ?? '';

          await Promise.all(
            ops.map(async (op) => {
              if (op.jenis === 'daftar') {
                await request(server).post('/daftar').send(dataNasabah()).expect(200);
              } else if (op.jenis === 'tabung' || op.jenis === 'tarik') {
                const noRekening = pilih(op.akun);
                const res = await request(server)
                  .post(`/${op.jenis}`)
                  .send({ no_rekening: noRekening, nominal: op.nominal });
                expect([200, 400]).toContain(res.status);
                if (res.status === 200) {
                  expect((res.body as { saldo: number }).saldo).toBeGreaterThanOrEqual(0);
                  diakui
                    .get(noRekening)
                    ?.push({ kode_transaksi: op.jenis === 'tabung' ? 'C' : 'D', nominal: op.nominal });
                }
              } else {
                const res = await request(server)
                  .get(`/${op.jenis}/${pilih(op.akun)}`)
                  .expect(200);
                if (op.jenis === 'saldo')
                  expect((res.body as { saldo: number }).saldo).toBeGreaterThanOrEqual(0);
                else expect(total((res.body as { mutasi: Mutasi[] }).mutasi)).toBeGreaterThanOrEqual(0);
              }
            }),
          );

          for (const noRekening of rekening) {
            const { saldo } = (await request(server).get(`/saldo/${noRekening}`)).body as { saldo: number };
            const { mutasi } = (await request(server).get(`/mutasi/${noRekening}`)).body as {
              mutasi: Mutasi[];
            };
            const acknowledged = diakui.get(noRekening) ?? [];
            expect(saldo).toBe(total(acknowledged));
            expect(saldo).toBe(total(mutasi));
            expect(urut(mutasi)).toEqual(urut(acknowledged));
            // Every prefix of the history is a saldo someone could have read: none may be negative.
            let berjalan = 0;
            for (const m of mutasi) {
              berjalan += m.kode_transaksi === 'C' ? m.nominal : -m.nominal;
              expect(berjalan).toBeGreaterThanOrEqual(0);
            }
          }
        }),
      ),
      { numRuns: 25 },
    );
  });

  it('matches a plain in-memory model, answer for answer, when the same operations run in sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) =>
        withServer(async (server) => {
          const rekening = await bukaRekening(server, 3);
          const model = new Map<string, Mutasi[]>(rekening.map((r) => [r, []]));
          const pilih = (akun: number) => rekening[akun % rekening.length] ?? '';

          for (const op of ops) {
            if (op.jenis === 'daftar') continue;
            const noRekening = pilih(op.akun);
            const riwayat = model.get(noRekening) ?? [];
            if ('nominal' in op) {
              const kode = op.jenis === 'tabung' ? 'C' : 'D';
              const bolehkah = kode === 'C' || total(riwayat) >= op.nominal;
              const res = await request(server)
                .post(`/${op.jenis}`)
                .send({ no_rekening: noRekening, nominal: op.nominal });
              if (bolehkah) riwayat.push({ kode_transaksi: kode, nominal: op.nominal });
              expect(res.status).toBe(bolehkah ? 200 : 400);
              if (bolehkah) expect(res.body).toEqual({ saldo: total(riwayat) });
            } else if (op.jenis === 'saldo') {
              expect((await request(server).get(`/saldo/${noRekening}`)).body).toEqual({
                saldo: total(riwayat),
              });
            } else {
              const res = await request(server).get(`/mutasi/${noRekening}`);
              const mutasi = (res.body as { mutasi: Mutasi[] }).mutasi;
              expect(mutasi.map(({ kode_transaksi, nominal }) => ({ kode_transaksi, nominal }))).toEqual(
                riwayat,
              );
            }
          }
        }),
      ),
      { numRuns: 25 },
    );
  });
});
