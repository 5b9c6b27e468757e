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
      // The two stores walk the accounts in opposite orders, so their batches would lock rows in opposite
      // orders too if the database applied them as sent.
      const langkah = (store: Store, urutan: string[]) =>
        Array.from({ length: 20 }, (_, putaran) =>
          urutan.map((noRekening) => store.catatMutasi(noRekening, putaran === 10 ? tarikBesar : setor)),
        ).flat();
      const gelombang = 5;
      const hasil: PromiseSettledResult<number>[] = [];
      for (let i = 0; i < gelombang; i += 1)
        hasil.push(
          ...(await Promise.allSettled([...langkah(a, rekening), ...langkah(b, [...rekening].reverse())])),
        );

      const ditolak = hasil
        .filter((h) => h.status === 'rejected')
        .map((h) => (h.reason as Error).constructor);
      expect(ditolak).toEqual(Array.from({ length: gelombang * 2 * 8 }, () => SaldoTidakCukup));
      for (const noRekening of rekening) {
        expect(await a.saldo(noRekening)).toBe(gelombang * 2 * 19 * 1_000);
        expect(await b.mutasi(noRekening)).toHaveLength(gelombang * 2 * 19);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
