// The shared Store contract against a real PostgreSQL server.
import { SaldoTidakCukup } from '../src/domain/errors';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import type { Store } from '../src/store/store';
import { dataNasabah } from './helpers';
import { adaPostgres, skemaBaru } from './postgres';
import { describeStoreContract } from './store-contract';

(adaPostgres ? describe : describe.skip)(
  'PostgreSQL store (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let nomor = 0;
    describeStoreContract('PostgreSQL store', async () => {
      nomor += 1;
      return openPostgresStore(await skemaBaru(`kontrak${nomor}`));
    });
  },
);

(adaPostgres ? describe : describe.skip)('PostgreSQL store: batches of moves from two processes', () => {
  it('neither deadlock nor lose a move, and refuse each overdrawing tarik alone', async () => {
    const url = await skemaBaru('batch');
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      const rekening = await Promise.all(Array.from({ length: 8 }, () => a.daftar(dataNasabah())));
      // Both pools connected first, so that the two stores' batches really run at the same time.
      await Promise.all([a, b].flatMap((store) => rekening.map((noRekening) => store.saldo(noRekening))));
      const waktu = new Date().toISOString();
      const setor = { waktu, kode_transaksi: 'C', nominal: 1_000 } as const;
      const tarikBesar = { waktu, kode_transaksi: 'D', nominal: 1_000_000 } as const;
      // Clients on each store keep moving money through the accounts, each from its own starting point, so
      // every batch holds several accounts in an order of its own: batches that locked rows in the order
      // sent would deadlock within a second.
      const klien = 8;
      const putaran = 10;
      const ditolak: unknown[] = [];
      const satuKlien = async (store: Store, mulai: number) => {
        for (let p = 0; p < putaran; p += 1)
          for (let i = 0; i < rekening.length; i += 1) {
            const noRekening = rekening[(mulai + i) % rekening.length] ?? '';
            await store
              .catatMutasi(noRekening, p === putaran / 2 ? tarikBesar : setor)
              .catch((error: unknown) => {
                ditolak.push((error as Error).constructor);
              });
          }
      };
      await Promise.all(
        Array.from({ length: klien }, (_, k) => [
          satuKlien(a, k),
          satuKlien(b, rekening.length - 1 - k),
        ]).flat(),
      );

      // Each client's one tarik per account finds far less than 1,000,000 there, whatever ran before it.
      expect(ditolak).toEqual(Array.from({ length: 2 * klien * rekening.length }, () => SaldoTidakCukup));
      for (const noRekening of rekening) {
        expect(await a.saldo(noRekening)).toBe(2 * klien * (putaran - 1) * 1_000);
        expect(await b.mutasi(noRekening)).toHaveLength(2 * klien * (putaran - 1));
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
