// The behaviour every Store backend must show; each backend's test file runs it with its own factory.
import {
  IdempotencyKeyConflict,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  RekeningTidakDikenali,
  SaldoMelebihiBatas,
  SaldoTidakCukup,
} from '../src/domain/errors';
import type { KodeTransaksi, Mutasi } from '../src/domain/schemas';
import type { Store } from '../src/domain/store';
import { dataNasabah } from './helpers';

export type OpenStore = () => Promise<Store>;

let detik = 0;
function mutasi(kode_transaksi: KodeTransaksi, nominal: number): Mutasi {
  detik += 1;
  return { waktu: new Date(Date.UTC(2026, 10, 29, 0, 0, detik)).toISOString(), kode_transaksi, nominal };
}

export function describeStoreContract(name: string, openStore: OpenStore): void {
  describe(`${name}: the Store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    async function rekeningBaru(saldoAwal = 0): Promise<string> {
      const noRekening = await store.daftar(dataNasabah());
      if (saldoAwal > 0) await store.catatMutasi(noRekening, mutasi('C', saldoAwal));
      return noRekening;
    }

    describe('daftar', () => {
      it('opens an account with saldo 0 and no mutasi under a 10-digit no_rekening', async () => {
        const noRekening = await rekeningBaru();
        expect(noRekening).toMatch(/^[0-9]{10}$/);
        expect(await store.saldo(noRekening)).toBe(0);
        expect(await store.mutasi(noRekening)).toEqual([]);
      });

      it('refuses a nik or no_hp that is taken', async () => {
        const pertama = dataNasabah();
        await store.daftar(pertama);
        const lain = dataNasabah();
        await expect(store.daftar({ ...lain, nik: pertama.nik })).rejects.toBeInstanceOf(NikSudahTerdaftar);
        await expect(store.daftar({ ...lain, no_hp: pertama.no_hp })).rejects.toBeInstanceOf(
          NoHpSudahTerdaftar,
        );
        await expect(store.daftar(lain)).resolves.toMatch(/^[0-9]{10}$/);
      });

      it('registers one nik once when it is sent many times at once', async () => {
        const { nik } = dataNasabah();
        const hasil = await Promise.allSettled(
          Array.from({ length: 50 }, () => store.daftar({ ...dataNasabah(), nik })),
        );
        expect(hasil.filter((h) => h.status === 'fulfilled')).toHaveLength(1);
      });
    });

    describe('catatMutasi', () => {
      it('moves saldo and appends the mutasi, oldest first', async () => {
        const noRekening = await rekeningBaru();
        const setor = mutasi('C', 100_000);
        const ambil = mutasi('D', 30_000);
        expect(await store.catatMutasi(noRekening, setor)).toBe(100_000);
        expect(await store.catatMutasi(noRekening, ambil)).toBe(70_000);
        expect(await store.saldo(noRekening)).toBe(70_000);
        expect(await store.mutasi(noRekening)).toEqual([setor, ambil]);
      });

      it('refuses a tarik above saldo and changes nothing', async () => {
        const noRekening = await rekeningBaru(5_000);
        await expect(store.catatMutasi(noRekening, mutasi('D', 5_001))).rejects.toBeInstanceOf(
          SaldoTidakCukup,
        );
        expect(await store.saldo(noRekening)).toBe(5_000);
        expect(await store.mutasi(noRekening)).toHaveLength(1);
      });

      it('refuses a tabung that would take saldo past Number.MAX_SAFE_INTEGER', async () => {
        const noRekening = await rekeningBaru();
        // In waves below the stores' bound on queued changes (MAX_QUEUED_CHANGES), which would refuse the rest.
        for (let terkirim = 0; terkirim < 9007; terkirim += 500) {
          const gelombang = Array.from({ length: Math.min(500, 9007 - terkirim) }, () =>
            mutasi('C', 1_000_000_000_000),
          );
          await Promise.all(gelombang.map((m) => store.catatMutasi(noRekening, m)));
        }
        const sisa = Number.MAX_SAFE_INTEGER - 9007 * 1_000_000_000_000;
        await expect(store.catatMutasi(noRekening, mutasi('C', sisa + 1))).rejects.toBeInstanceOf(
          SaldoMelebihiBatas,
        );
        expect(await store.catatMutasi(noRekening, mutasi('C', sisa))).toBe(Number.MAX_SAFE_INTEGER);
      });

      it.each(['0000000000', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
        'refuses the unknown no_rekening %s',
        async (noRekening) => {
          await expect(store.catatMutasi(noRekening, mutasi('C', 1))).rejects.toBeInstanceOf(
            RekeningTidakDikenali,
          );
          expect(await store.saldo(noRekening)).toBeNull();
          expect(await store.mutasi(noRekening)).toBeNull();
        },
      );
    });

    describe('under parallel requests', () => {
      it('adds exactly 400,000 for 400 parallel deposits of 1000', async () => {
        const noRekening = await rekeningBaru();
        await Promise.all(
          Array.from({ length: 400 }, () => store.catatMutasi(noRekening, mutasi('C', 1_000))),
        );
        expect(await store.saldo(noRekening)).toBe(400_000);
        expect(await store.mutasi(noRekening)).toHaveLength(400);
      });

      it('lets exactly 133 of 200 parallel withdrawals of 3000 through from 400,000', async () => {
        const noRekening = await rekeningBaru(400_000);
        const hasil = await Promise.allSettled(
          Array.from({ length: 200 }, () => store.catatMutasi(noRekening, mutasi('D', 3_000))),
        );
        const berhasil = hasil.filter((h) => h.status === 'fulfilled');
        const ditolak = hasil.filter((h) => h.status === 'rejected');
        expect(berhasil).toHaveLength(133);
        expect(ditolak.every((h) => h.reason instanceof SaldoTidakCukup)).toBe(true);
        expect(await store.saldo(noRekening)).toBe(1_000);
      });

      it('commits the good moves of a mixed burst and refuses only the bad ones', async () => {
        const kaya = await rekeningBaru(10_000);
        const miskin = await rekeningBaru();
        const hasil = await Promise.allSettled([
          store.catatMutasi(kaya, mutasi('D', 4_000)),
          store.catatMutasi(miskin, mutasi('D', 1_000)),
          store.catatMutasi('0000000000', mutasi('C', 1)),
          store.catatMutasi(kaya, mutasi('D', 4_000)),
          store.catatMutasi(miskin, mutasi('C', 500)),
          store.catatMutasi(kaya, mutasi('D', 4_000)),
        ]);
        // Arrival order may differ (PostgreSQL runs them concurrently): which of the three 4,000 withdrawals
        // loses depends on it, that exactly one does does not; the 1,000 tarik fails even after the 500 tabung.
        const [kaya1, miskinTarik, tidakDikenali, kaya2, miskinTabung, kaya3] = hasil.map((h) => h.status);
        expect([kaya1, kaya2, kaya3].filter((s) => s === 'fulfilled')).toHaveLength(2);
        expect([miskinTarik, tidakDikenali, miskinTabung]).toEqual(['rejected', 'rejected', 'fulfilled']);
        expect(await store.saldo(kaya)).toBe(2_000);
        expect(await store.saldo(miskin)).toBe(500);
      });

      it('gives each of many parallel reads its own account’s answer, unknown accounts included', async () => {
        const rekening = [await rekeningBaru(1_000), await rekeningBaru(2_000), await rekeningBaru()];
        const ditanya = Array.from({ length: 60 }, (_, i) => rekening[i % 4] ?? '0000000000');

        const saldo = await Promise.all(ditanya.map((noRekening) => store.saldo(noRekening)));
        const mutasiPanjang = await Promise.all(
          ditanya.map(async (noRekening) => (await store.mutasi(noRekening))?.length ?? null),
        );

        expect(saldo).toEqual(Array.from({ length: 60 }, (_, i) => [1_000, 2_000, 0, null][i % 4]));
        expect(mutasiPanjang).toEqual(Array.from({ length: 60 }, (_, i) => [1, 1, 0, null][i % 4]));
      });
    });

    describe('idempotency keys', () => {
      const kunci = (nama: string) => `${nama}-${String(Math.random()).slice(2)}`;

      it('answers a retried daftar with the first no_rekening and registers once', async () => {
        const data = dataNasabah();
        const idem = { client: 'open', key: kunci('daftar'), fingerprint: 'sidik-a' };
        const pertama = await store.daftar(data, idem);
        await expect(store.daftar(data, idem)).resolves.toBe(pertama);
        await expect(store.daftar(data)).rejects.toBeInstanceOf(NikSudahTerdaftar);
      });

      it('moves money once for many parallel retries, and gives each the first answer', async () => {
        const noRekening = await rekeningBaru(1_000);
        const idem = { client: 'open', key: kunci('tabung'), fingerprint: 'sidik-b' };
        const m = mutasi('C', 500);
        const jawaban = await Promise.all(
          Array.from({ length: 30 }, () => store.catatMutasi(noRekening, m, idem)),
        );
        expect(new Set(jawaban)).toEqual(new Set([1_500]));
        expect(await store.saldo(noRekening)).toBe(1_500);
        expect(await store.mutasi(noRekening)).toHaveLength(2);
      });

      it('refuses the key with a different request, changing nothing', async () => {
        const noRekening = await rekeningBaru(1_000);
        const k = kunci('tarik');
        await store.catatMutasi(noRekening, mutasi('D', 100), {
          client: 'open',
          key: k,
          fingerprint: 'sidik-c',
        });
        await expect(
          store.catatMutasi(noRekening, mutasi('D', 200), {
            client: 'open',
            key: k,
            fingerprint: 'sidik-lain',
          }),
        ).rejects.toBeInstanceOf(IdempotencyKeyConflict);
        expect(await store.saldo(noRekening)).toBe(900);
      });

      it('moves once when one key comes with two different requests at once, and refuses the other', async () => {
        const noRekening = await rekeningBaru();
        const k = kunci('tabung');
        // The first move is another key's, so that a store that batches sends the three below together.
        const pembuka = store.catatMutasi(noRekening, mutasi('C', 1), {
          client: 'open',
          key: kunci('buka'),
          fingerprint: 'x',
        });
        const hasil = await Promise.allSettled([
          store.catatMutasi(noRekening, mutasi('C', 1_000), {
            client: 'open',
            key: k,
            fingerprint: 'sidik-seribu',
          }),
          store.catatMutasi(noRekening, mutasi('C', 2_000), {
            client: 'open',
            key: k,
            fingerprint: 'sidik-dua-ribu',
          }),
          store.catatMutasi(noRekening, mutasi('C', 2_000), {
            client: 'open',
            key: k,
            fingerprint: 'sidik-dua-ribu',
          }),
        ]);

        await pembuka;
        const berhasil = hasil.flatMap((h) => (h.status === 'fulfilled' ? [h.value - 1] : []));
        const ditolak = hasil.flatMap((h) => (h.status === 'rejected' ? [h.reason as unknown] : []));
        // Whichever request came first moved money; a repeat of it got the same saldo, the other body a 409.
        expect(berhasil.every((saldo) => saldo === berhasil[0])).toBe(true);
        expect(ditolak.every((galat) => galat instanceof IdempotencyKeyConflict)).toBe(true);
        expect([...berhasil.map(() => 'ok'), ...ditolak.map(() => '409')].sort()).toEqual(
          berhasil[0] === 1_000 ? ['409', '409', 'ok'] : ['409', 'ok', 'ok'],
        );
        expect(await store.saldo(noRekening)).toBe((berhasil[0] ?? NaN) + 1);
        expect(await store.mutasi(noRekening)).toHaveLength(2);
      });

      it('replays a refusal as the same refusal, even once it would succeed', async () => {
        const noRekening = await rekeningBaru(100);
        const idem = { client: 'open', key: kunci('tarik'), fingerprint: 'sidik-d' };
        await expect(store.catatMutasi(noRekening, mutasi('D', 500), idem)).rejects.toBeInstanceOf(
          SaldoTidakCukup,
        );
        await store.catatMutasi(noRekening, mutasi('C', 1_000));
        await expect(store.catatMutasi(noRekening, mutasi('D', 500), idem)).rejects.toMatchObject({
          code: 'SALDO_TIDAK_CUKUP',
        });
        expect(await store.saldo(noRekening)).toBe(1_100);
      });
    });

    describe('close', () => {
      it('finishes what was accepted, then refuses new changes', async () => {
        const noRekening = await rekeningBaru();
        const diterima = Array.from({ length: 20 }, () => store.catatMutasi(noRekening, mutasi('C', 1)));
        await store.close();
        await expect(Promise.all(diterima)).resolves.toHaveLength(20);
        await expect(store.catatMutasi(noRekening, mutasi('C', 1))).rejects.toThrow();
        store = await openStore();
      });
    });
  });
}
