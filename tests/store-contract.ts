// The behaviour every Store backend must show; each backend's test file runs it with its own factory.
import {
  IdempotencyKeyConflict,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  RekeningTidakDikenali,
  SaldoMelebihiBatas,
  SaldoTidakCukup,
} from '../src/domain/errors';
import { IDEMPOTENCY_KEY_TTL_MS } from '../src/domain/idempotency';
import type { KodeTransaksi, Mutasi } from '../src/domain/schemas';
import type { Store } from '../src/domain/store';
import { dataNasabah, readMutasi } from './helpers';

/** What the contract sets when it opens a store: the time idempotency keys are stamped and expired with. */
export interface StoreOptions {
  clock?: () => Date;
}

/**
 * One fresh, empty backend (a data file, a database schema). Every store opened on it is one more handle on the
 * same data, as another process's would be.
 */
export interface StoreBackend {
  open(options?: StoreOptions): Promise<Store>;
}

/** Makes a fresh, empty backend; the contract makes one per test. */
export type NewBackend = () => Promise<StoreBackend>;

let secondsElapsed = 0;
function mutasi(kode_transaksi: KodeTransaksi, nominal: number): Mutasi {
  secondsElapsed += 1;
  return {
    waktu: new Date(Date.UTC(2026, 10, 29, 0, 0, secondsElapsed)).toISOString(),
    kode_transaksi,
    nominal,
  };
}

const uniqueKey = (name: string) => `${name}-${String(Math.random()).slice(2)}`;

export function describeStoreContract(name: string, newBackend: NewBackend): void {
  describe(`${name}: the Store contract`, () => {
    let backend: StoreBackend;
    let store: Store;
    /** Every handle a test opened, closed after it (unless the test closed it itself). */
    let handles: Store[] = [];

    async function openHandle(options?: StoreOptions): Promise<Store> {
      const handle = await backend.open(options);
      handles.push(handle);
      return handle;
    }

    beforeEach(async () => {
      backend = await newBackend();
      store = await openHandle();
    });
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((handle) => handle.close()));
    });

    async function rekeningWithSaldo(initialSaldo = 0): Promise<string> {
      const noRekening = await store.daftar(dataNasabah());
      if (initialSaldo > 0) await store.catatMutasi(noRekening, mutasi('C', initialSaldo));
      return noRekening;
    }

    describe('ping', () => {
      it('resolves while the store is healthy', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('daftar', () => {
      it('opens an account with saldo 0 and no mutasi under a 10-digit no_rekening', async () => {
        const noRekening = await rekeningWithSaldo();
        expect(noRekening).toMatch(/^[0-9]{10}$/);
        expect(await store.saldo(noRekening)).toBe(0);
        expect(await readMutasi(store, noRekening)).toEqual([]);
      });

      it('refuses a nik or no_hp that is taken', async () => {
        const first = dataNasabah();
        await store.daftar(first);
        const other = dataNasabah();
        await expect(store.daftar({ ...other, nik: first.nik })).rejects.toBeInstanceOf(NikSudahTerdaftar);
        await expect(store.daftar({ ...other, no_hp: first.no_hp })).rejects.toBeInstanceOf(
          NoHpSudahTerdaftar,
        );
        await expect(store.daftar(other)).resolves.toMatch(/^[0-9]{10}$/);
      });

      it('registers one nik once when it is sent many times at once', async () => {
        const { nik } = dataNasabah();
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => store.daftar({ ...dataNasabah(), nik })),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      });
    });

    describe('catatMutasi', () => {
      it('moves saldo and appends the mutasi, oldest first', async () => {
        const noRekening = await rekeningWithSaldo();
        const setoran = mutasi('C', 100_000);
        const penarikan = mutasi('D', 30_000);
        expect(await store.catatMutasi(noRekening, setoran)).toBe(100_000);
        expect(await store.catatMutasi(noRekening, penarikan)).toBe(70_000);
        expect(await store.saldo(noRekening)).toBe(70_000);
        expect(await readMutasi(store, noRekening)).toEqual([setoran, penarikan]);
      });

      it.each(['0000000000', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
        'refuses the unknown no_rekening %s',
        async (noRekening) => {
          await expect(store.catatMutasi(noRekening, mutasi('C', 1))).rejects.toBeInstanceOf(
            RekeningTidakDikenali,
          );
          expect(await store.saldo(noRekening)).toBeNull();
          expect(await readMutasi(store, noRekening)).toBeNull();
        },
      );
    });

    describe('mutasi, the whole history', () => {
      it('is the history as it was when it was asked for: mutasi added while it is read are not in it', async () => {
        const noRekening = await rekeningWithSaldo(100);
        await store.catatMutasi(noRekening, mutasi('C', 200));
        const batches = await store.mutasi(noRekening, {});
        await store.catatMutasi(noRekening, mutasi('D', 50));
        const read: Mutasi[] = [];
        for await (const batch of batches ?? []) read.push(...batch);
        expect(read.map((m) => m.nominal)).toEqual([100, 200]);
        expect(await readMutasi(store, noRekening)).toHaveLength(3);
      });
    });

    // The saldo rule lives in the domain (rekening.ts); a store that restates it (a SQL guard) is pinned here.
    describe('the saldo rule at its edges', () => {
      it('lets a tarik of exactly the saldo through, down to saldo 0', async () => {
        const noRekening = await rekeningWithSaldo(5_000);

        const saldoAfter = await store.catatMutasi(noRekening, mutasi('D', 5_000));

        expect(saldoAfter).toBe(0);
        expect(await store.saldo(noRekening)).toBe(0);
        expect(await readMutasi(store, noRekening)).toHaveLength(2);
      });

      it('refuses a tarik of saldo + 1 with SaldoTidakCukup and changes nothing', async () => {
        const noRekening = await rekeningWithSaldo(5_000);
        const mutasiBefore = await readMutasi(store, noRekening);

        const tarik = store.catatMutasi(noRekening, mutasi('D', 5_001));

        await expect(tarik).rejects.toBeInstanceOf(SaldoTidakCukup);
        expect(await store.saldo(noRekening)).toBe(5_000);
        expect(await readMutasi(store, noRekening)).toEqual(mutasiBefore);
      });

      it('takes a tabung to exactly Number.MAX_SAFE_INTEGER, and refuses one rupiah more with SaldoMelebihiBatas', async () => {
        const noRekening = await rekeningWithSaldo();
        // In waves below the stores' bound on queued changes (MAX_QUEUED_CHANGES), which would refuse the rest.
        for (let sent = 0; sent < 9007; sent += 500) {
          const wave = Array.from({ length: Math.min(500, 9007 - sent) }, () =>
            mutasi('C', 1_000_000_000_000),
          );
          await Promise.all(wave.map((m) => store.catatMutasi(noRekening, m)));
        }
        const room = Number.MAX_SAFE_INTEGER - 9007 * 1_000_000_000_000;

        const overByOne = store.catatMutasi(noRekening, mutasi('C', room + 1));
        await expect(overByOne).rejects.toBeInstanceOf(SaldoMelebihiBatas);
        const toTheLimit = await store.catatMutasi(noRekening, mutasi('C', room));
        const pastTheLimit = store.catatMutasi(noRekening, mutasi('C', 1));

        expect(toTheLimit).toBe(Number.MAX_SAFE_INTEGER);
        await expect(pastTheLimit).rejects.toBeInstanceOf(SaldoMelebihiBatas);
        expect(await store.saldo(noRekening)).toBe(Number.MAX_SAFE_INTEGER);
        expect(await readMutasi(store, noRekening)).toHaveLength(9008);
      });
    });

    describe('under parallel requests', () => {
      it('adds exactly 400,000 for 400 parallel deposits of 1000', async () => {
        const noRekening = await rekeningWithSaldo();
        await Promise.all(
          Array.from({ length: 400 }, () => store.catatMutasi(noRekening, mutasi('C', 1_000))),
        );
        expect(await store.saldo(noRekening)).toBe(400_000);
        expect(await readMutasi(store, noRekening)).toHaveLength(400);
      });

      it('lets exactly 133 of 200 parallel withdrawals of 3000 through from 400,000', async () => {
        const noRekening = await rekeningWithSaldo(400_000);
        const results = await Promise.allSettled(
          Array.from({ length: 200 }, () => store.catatMutasi(noRekening, mutasi('D', 3_000))),
        );
        const succeeded = results.filter((result) => result.status === 'fulfilled');
        const refused = results.filter((result) => result.status === 'rejected');
        expect(succeeded).toHaveLength(133);
        expect(refused.every((result) => result.reason instanceof SaldoTidakCukup)).toBe(true);
        expect(await store.saldo(noRekening)).toBe(1_000);
      });

      it('commits the good moves of a mixed burst and refuses only the bad ones', async () => {
        const rich = await rekeningWithSaldo(10_000);
        const poor = await rekeningWithSaldo();
        const results = await Promise.allSettled([
          store.catatMutasi(rich, mutasi('D', 4_000)),
          store.catatMutasi(poor, mutasi('D', 1_000)),
          store.catatMutasi('0000000000', mutasi('C', 1)),
          store.catatMutasi(rich, mutasi('D', 4_000)),
          store.catatMutasi(poor, mutasi('C', 500)),
          store.catatMutasi(rich, mutasi('D', 4_000)),
        ]);
        // Arrival order may differ (PostgreSQL runs them concurrently): which of the three 4,000 withdrawals
        // loses depends on it, that exactly one does does not; the 1,000 tarik fails even after the 500 tabung.
        const [rich1, poorTarik, unknown, rich2, poorTabung, rich3] = results.map((result) => result.status);
        expect([rich1, rich2, rich3].filter((status) => status === 'fulfilled')).toHaveLength(2);
        expect([poorTarik, unknown, poorTabung]).toEqual(['rejected', 'rejected', 'fulfilled']);
        expect(await store.saldo(rich)).toBe(2_000);
        expect(await store.saldo(poor)).toBe(500);
      });

      it('gives each of many parallel reads its own account’s answer, unknown accounts included', async () => {
        const rekening = [
          await rekeningWithSaldo(1_000),
          await rekeningWithSaldo(2_000),
          await rekeningWithSaldo(),
        ];
        const asked = Array.from({ length: 60 }, (_, i) => rekening[i % 4] ?? '0000000000');

        const saldo = await Promise.all(asked.map((noRekening) => store.saldo(noRekening)));
        const mutasiLengths = await Promise.all(
          asked.map(async (noRekening) => (await readMutasi(store, noRekening))?.length ?? null),
        );

        expect(saldo).toEqual(Array.from({ length: 60 }, (_, i) => [1_000, 2_000, 0, null][i % 4]));
        expect(mutasiLengths).toEqual(Array.from({ length: 60 }, (_, i) => [1, 1, 0, null][i % 4]));
      });
    });

    describe('two handles on one backend (as two processes)', () => {
      it('when a move goes through one, then the other sees it, and builds on it', async () => {
        const other = await openHandle();
        const noRekening = await store.daftar(dataNasabah());
        const setoran = mutasi('C', 1_000);
        const penarikan = mutasi('D', 300);

        await store.catatMutasi(noRekening, setoran);
        const seenByOther = [await other.saldo(noRekening), await readMutasi(other, noRekening)];
        await other.catatMutasi(noRekening, penarikan);

        expect(seenByOther).toEqual([1_000, [setoran]]);
        expect(await store.saldo(noRekening)).toBe(700);
        expect(await readMutasi(store, noRekening)).toEqual([setoran, penarikan]);
      });

      it('when both take parallel deposits, then they add up exactly, and both see the same saldo', async () => {
        const other = await openHandle();
        const noRekening = await store.daftar(dataNasabah());

        await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            (i % 2 === 0 ? store : other).catatMutasi(noRekening, mutasi('C', 1_000)),
          ),
        );

        expect(await store.saldo(noRekening)).toBe(100_000);
        expect(await other.saldo(noRekening)).toBe(100_000);
        expect(await readMutasi(other, noRekening)).toHaveLength(100);
      });

      it('when both take parallel withdrawals, then exactly as many go through as saldo allows', async () => {
        const other = await openHandle();
        const noRekening = await rekeningWithSaldo(30_000);

        const results = await Promise.allSettled(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 === 0 ? store : other).catatMutasi(noRekening, mutasi('D', 1_000)),
          ),
        );

        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
        expect(await other.saldo(noRekening)).toBe(0);
        expect(await readMutasi(store, noRekening)).toHaveLength(31);
      });

      it('when both get one nik at the same moment, then it is registered once', async () => {
        const other = await openHandle();
        const { nik } = dataNasabah();

        const results = await Promise.allSettled([
          store.daftar(dataNasabah({ nik })),
          other.daftar(dataNasabah({ nik })),
        ]);

        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      });
    });

    describe('transfer', () => {
      /** A transfer as the use case sends it: both mutasi stamped with one waktu. */
      function transferOf(noRekeningAsal: string, noRekeningTujuan: string, nominal: number) {
        return { noRekeningAsal, noRekeningTujuan, nominal, waktu: mutasi('D', nominal).waktu };
      }

      async function stateOf(...rekening: string[]) {
        return Promise.all(
          rekening.map(async (r) => [await store.saldo(r), await readMutasi(store, r)] as const),
        );
      }

      it('moves the nominal, answers the asal’s saldo after, and records D and C with one waktu, each naming the other', async () => {
        const asal = await rekeningWithSaldo(10_000);
        const tujuan = await rekeningWithSaldo(500);
        const perintah = transferOf(asal, tujuan, 4_000);

        const saldoAsal = await store.transfer(perintah);

        expect(saldoAsal).toBe(6_000);
        expect(await store.saldo(asal)).toBe(6_000);
        expect(await store.saldo(tujuan)).toBe(4_500);
        expect((await readMutasi(store, asal))?.at(-1)).toEqual({
          waktu: perintah.waktu,
          kode_transaksi: 'D',
          nominal: 4_000,
          no_rekening_lawan: tujuan,
        });
        expect((await readMutasi(store, tujuan))?.at(-1)).toEqual({
          waktu: perintah.waktu,
          kode_transaksi: 'C',
          nominal: 4_000,
          no_rekening_lawan: asal,
        });
        expect((await readMutasi(store, asal))?.[0]?.no_rekening_lawan).toBeUndefined();
      });

      it('lets the whole saldo go, down to 0', async () => {
        const asal = await rekeningWithSaldo(5_000);
        const tujuan = await rekeningWithSaldo();

        await expect(store.transfer(transferOf(asal, tujuan, 5_000))).resolves.toBe(0);
        expect(await store.saldo(tujuan)).toBe(5_000);
      });

      it('refuses saldo + 1 with SaldoTidakCukup and changes neither account', async () => {
        const asal = await rekeningWithSaldo(5_000);
        const tujuan = await rekeningWithSaldo(100);
        const before = await stateOf(asal, tujuan);

        await expect(store.transfer(transferOf(asal, tujuan, 5_001))).rejects.toBeInstanceOf(SaldoTidakCukup);
        expect(await stateOf(asal, tujuan)).toEqual(before);
      });

      it('refuses an unknown asal or tujuan with RekeningTidakDikenali naming it, asal first, and changes nothing', async () => {
        const asal = await rekeningWithSaldo(5_000);
        const tujuan = await rekeningWithSaldo(100);
        const unknown = [asal, tujuan].includes('0000000000') ? '0000000001' : '0000000000';
        const otherUnknown = [asal, tujuan, unknown].includes('0000000002') ? '0000000003' : '0000000002';
        const before = await stateOf(asal, tujuan);

        const results = await Promise.allSettled([
          store.transfer(transferOf(unknown, tujuan, 1)),
          store.transfer(transferOf(asal, unknown, 1)),
          store.transfer(transferOf(unknown, otherUnknown, 1)),
          store.transfer(transferOf('__proto__', tujuan, 1)),
          store.transfer(transferOf(asal, 'constructor', 1)),
        ]);

        const refusals = results.map((result) =>
          result.status === 'rejected' && result.reason instanceof RekeningTidakDikenali
            ? result.reason.remark
            : result,
        );
        expect(refusals).toEqual([
          `no_rekening ${unknown} tidak dikenali`,
          `no_rekening ${unknown} tidak dikenali`,
          `no_rekening ${unknown} tidak dikenali`,
          'no_rekening __proto__ tidak dikenali',
          'no_rekening constructor tidak dikenali',
        ]);
        expect(await stateOf(asal, tujuan)).toEqual(before);
        expect(await store.saldo(unknown)).toBeNull();
      });

      it('refuses a tujuan that would pass Number.MAX_SAFE_INTEGER with SaldoMelebihiBatas, changing nothing', async () => {
        const tujuan = await rekeningWithSaldo();
        for (let sent = 0; sent < 9007; sent += 500) {
          const wave = Array.from({ length: Math.min(500, 9007 - sent) }, () =>
            mutasi('C', 1_000_000_000_000),
          );
          await Promise.all(wave.map((m) => store.catatMutasi(tujuan, m)));
        }
        const nearlyFull = Number.MAX_SAFE_INTEGER - 10;
        await store.catatMutasi(tujuan, mutasi('C', nearlyFull - 9007 * 1_000_000_000_000));
        const asal = await rekeningWithSaldo(100);
        const asalBefore = await stateOf(asal);

        await expect(store.transfer(transferOf(asal, tujuan, 11))).rejects.toBeInstanceOf(SaldoMelebihiBatas);
        expect(await stateOf(asal)).toEqual(asalBefore);
        expect(await store.saldo(tujuan)).toBe(nearlyFull);
        expect(await readMutasi(store, tujuan)).toHaveLength(9008);

        await expect(store.transfer(transferOf(asal, tujuan, 10))).resolves.toBe(90);
        expect(await store.saldo(tujuan)).toBe(Number.MAX_SAFE_INTEGER);
      });

      it('when 50 transfers go each way between two accounts at once, then all go through and totals are exact', async () => {
        const a = await rekeningWithSaldo(50_000);
        const b = await rekeningWithSaldo(50_000);

        const results = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            store.transfer(i % 2 === 0 ? transferOf(a, b, 1_000) : transferOf(b, a, 1_000)),
          ),
        );

        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        expect(await store.saldo(a)).toBe(50_000);
        expect(await store.saldo(b)).toBe(50_000);
        expect(await readMutasi(store, a)).toHaveLength(101);
        expect(await readMutasi(store, b)).toHaveLength(101);
      });

      it('when transfers and withdrawals race on one asal, then exactly as many go through as saldo allows', async () => {
        const asal = await rekeningWithSaldo(30_000);
        const tujuan = await rekeningWithSaldo();

        const results = await Promise.allSettled(
          Array.from({ length: 80 }, (_, i) =>
            i % 2 === 0
              ? store.transfer(transferOf(asal, tujuan, 1_000))
              : store.catatMutasi(asal, mutasi('D', 1_000)),
          ),
        );

        const transfersThrough = results.filter((r, i) => i % 2 === 0 && r.status === 'fulfilled').length;
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
        expect(results.every((r) => r.status === 'fulfilled' || r.reason instanceof SaldoTidakCukup)).toBe(
          true,
        );
        expect(await store.saldo(asal)).toBe(0);
        expect(await store.saldo(tujuan)).toBe(transfersThrough * 1_000);
        expect(await readMutasi(store, tujuan)).toHaveLength(transfersThrough);
      });

      it('when two handles take opposite transfers at once, then both see exact totals', async () => {
        const other = await openHandle();
        const a = await rekeningWithSaldo(40_000);
        const b = await rekeningWithSaldo(40_000);
        const c = await rekeningWithSaldo(40_000);
        const ring: [string, string][] = [
          [a, b],
          [b, a],
          [b, c],
          [c, b],
          [c, a],
          [a, c],
        ];

        const results = await Promise.allSettled(
          Array.from({ length: 120 }, (_, i) => {
            const [asal, tujuan] = ring[i % ring.length] ?? [a, b];
            return (i % 2 === 0 ? store : other).transfer(transferOf(asal, tujuan, 1_000));
          }),
        );

        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        for (const noRekening of [a, b, c]) {
          expect(await store.saldo(noRekening)).toBe(40_000);
          expect(await other.saldo(noRekening)).toBe(40_000);
          expect(await readMutasi(other, noRekening)).toHaveLength(81);
        }
      });

      it('answers a retried transfer with the first saldo and moves once; another request under the key conflicts', async () => {
        const asal = await rekeningWithSaldo(10_000);
        const tujuan = await rekeningWithSaldo();
        const idempotency = { client: 'open', key: uniqueKey('transfer'), fingerprint: 'sidik-transfer' };
        const perintah = transferOf(asal, tujuan, 3_000);

        const answers = await Promise.all(
          Array.from({ length: 10 }, () => store.transfer(perintah, idempotency)),
        );
        const conflict = store.transfer(transferOf(asal, tujuan, 4_000), {
          ...idempotency,
          fingerprint: 'sidik-lain',
        });

        expect(new Set(answers)).toEqual(new Set([7_000]));
        await expect(conflict).rejects.toBeInstanceOf(IdempotencyKeyConflict);
        expect(await store.saldo(asal)).toBe(7_000);
        expect(await store.saldo(tujuan)).toBe(3_000);
        expect(await readMutasi(store, tujuan)).toHaveLength(1);
      });

      it('replays a refused transfer as the same refusal, even once it would succeed', async () => {
        const asal = await rekeningWithSaldo(100);
        const tujuan = await rekeningWithSaldo();
        const idempotency = { client: 'open', key: uniqueKey('transfer'), fingerprint: 'sidik-tolak' };

        await expect(store.transfer(transferOf(asal, tujuan, 500), idempotency)).rejects.toBeInstanceOf(
          SaldoTidakCukup,
        );
        await store.catatMutasi(asal, mutasi('C', 1_000));
        await expect(store.transfer(transferOf(asal, tujuan, 500), idempotency)).rejects.toMatchObject({
          code: 'SALDO_TIDAK_CUKUP',
        });
        expect(await store.saldo(asal)).toBe(1_100);
        expect(await store.saldo(tujuan)).toBe(0);
      });
    });

    describe('idempotency keys', () => {
      it('answers a retried daftar with the first no_rekening and registers once', async () => {
        const data = dataNasabah();
        const idempotency = { client: 'open', key: uniqueKey('daftar'), fingerprint: 'sidik-a' };
        const first = await store.daftar(data, idempotency);
        await expect(store.daftar(data, idempotency)).resolves.toBe(first);
        await expect(store.daftar(data)).rejects.toBeInstanceOf(NikSudahTerdaftar);
      });

      it('moves money once for many parallel retries, and gives each the first answer', async () => {
        const noRekening = await rekeningWithSaldo(1_000);
        const idempotency = { client: 'open', key: uniqueKey('tabung'), fingerprint: 'sidik-b' };
        const m = mutasi('C', 500);
        const answers = await Promise.all(
          Array.from({ length: 30 }, () => store.catatMutasi(noRekening, m, idempotency)),
        );
        expect(new Set(answers)).toEqual(new Set([1_500]));
        expect(await store.saldo(noRekening)).toBe(1_500);
        expect(await readMutasi(store, noRekening)).toHaveLength(2);
      });

      it('refuses the key with a different request, changing nothing', async () => {
        const noRekening = await rekeningWithSaldo(1_000);
        const idempotencyKey = uniqueKey('tarik');
        await store.catatMutasi(noRekening, mutasi('D', 100), {
          client: 'open',
          key: idempotencyKey,
          fingerprint: 'sidik-c',
        });
        await expect(
          store.catatMutasi(noRekening, mutasi('D', 200), {
            client: 'open',
            key: idempotencyKey,
            fingerprint: 'sidik-lain',
          }),
        ).rejects.toBeInstanceOf(IdempotencyKeyConflict);
        expect(await store.saldo(noRekening)).toBe(900);
      });

      it('moves once when one key comes with two different requests at once, and refuses the other', async () => {
        const noRekening = await rekeningWithSaldo();
        const idempotencyKey = uniqueKey('tabung');
        // The first move is another key's, so that a store that batches sends the three below together.
        const opener = store.catatMutasi(noRekening, mutasi('C', 1), {
          client: 'open',
          key: uniqueKey('buka'),
          fingerprint: 'x',
        });
        const results = await Promise.allSettled([
          store.catatMutasi(noRekening, mutasi('C', 1_000), {
            client: 'open',
            key: idempotencyKey,
            fingerprint: 'sidik-seribu',
          }),
          store.catatMutasi(noRekening, mutasi('C', 2_000), {
            client: 'open',
            key: idempotencyKey,
            fingerprint: 'sidik-dua-ribu',
          }),
          store.catatMutasi(noRekening, mutasi('C', 2_000), {
            client: 'open',
            key: idempotencyKey,
            fingerprint: 'sidik-dua-ribu',
          }),
        ]);

        await opener;
        const succeeded = results.flatMap((result) =>
          result.status === 'fulfilled' ? [result.value - 1] : [],
        );
        const refused = results.flatMap((result) =>
          result.status === 'rejected' ? [result.reason as unknown] : [],
        );
        // Whichever request came first moved money; a repeat of it got the same saldo, the other body a 409.
        expect(succeeded.every((saldo) => saldo === succeeded[0])).toBe(true);
        expect(refused.every((error) => error instanceof IdempotencyKeyConflict)).toBe(true);
        expect([...succeeded.map(() => 'ok'), ...refused.map(() => '409')].sort()).toEqual(
          succeeded[0] === 1_000 ? ['409', '409', 'ok'] : ['409', 'ok', 'ok'],
        );
        expect(await store.saldo(noRekening)).toBe((succeeded[0] ?? NaN) + 1);
        expect(await readMutasi(store, noRekening)).toHaveLength(2);
      });

      it('replays a refusal as the same refusal, even once it would succeed', async () => {
        const noRekening = await rekeningWithSaldo(100);
        const idempotency = { client: 'open', key: uniqueKey('tarik'), fingerprint: 'sidik-d' };
        await expect(store.catatMutasi(noRekening, mutasi('D', 500), idempotency)).rejects.toBeInstanceOf(
          SaldoTidakCukup,
        );
        await store.catatMutasi(noRekening, mutasi('C', 1_000));
        await expect(store.catatMutasi(noRekening, mutasi('D', 500), idempotency)).rejects.toMatchObject({
          code: 'SALDO_TIDAK_CUKUP',
        });
        expect(await store.saldo(noRekening)).toBe(1_100);
      });

      it('when a key is older than IDEMPOTENCY_KEY_TTL_MS, then it is forgotten: another request with it is new', async () => {
        let now = new Date(Date.UTC(2026, 10, 29, 8, 0, 0));
        const clocked = await openHandle({ clock: () => now });
        const noRekening = await clocked.daftar(dataNasabah());
        const idempotencyKey = uniqueKey('tabung');
        const firstRequest = { client: 'open', key: idempotencyKey, fingerprint: 'sidik-pertama' };
        const laterRequest = { client: 'open', key: idempotencyKey, fingerprint: 'sidik-kemudian' };
        await clocked.catatMutasi(noRekening, mutasi('C', 1_000), firstRequest);

        now = new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS - 60_000);
        const withinTtl = clocked.catatMutasi(noRekening, mutasi('C', 2_000), laterRequest);
        await expect(withinTtl).rejects.toBeInstanceOf(IdempotencyKeyConflict);
        now = new Date(now.getTime() + 2 * 60_000);
        const pastTtl = await clocked.catatMutasi(noRekening, mutasi('C', 2_000), laterRequest);
        const retryOfLater = await clocked.catatMutasi(noRekening, mutasi('C', 2_000), laterRequest);

        expect([pastTtl, retryOfLater]).toEqual([3_000, 3_000]);
        expect(await clocked.saldo(noRekening)).toBe(3_000);
        expect(await readMutasi(clocked, noRekening)).toHaveLength(2);
      });
    });

    describe('close', () => {
      it('finishes what was accepted, then refuses new changes', async () => {
        const noRekening = await rekeningWithSaldo();
        const accepted = Array.from({ length: 20 }, () => store.catatMutasi(noRekening, mutasi('C', 1)));
        handles = handles.filter((handle) => handle !== store);

        await store.close();

        await expect(Promise.all(accepted)).resolves.toHaveLength(20);
        await expect(store.catatMutasi(noRekening, mutasi('C', 1))).rejects.toThrow();
      });
    });
  });
}
