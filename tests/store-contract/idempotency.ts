// The contract for Idempotency-Keys: a retry gets the first answer and moves nothing again, another request
// under the key is refused, and keys expire by the time of the change. The rule is the domain's
// (idempotency.ts); what each store must get right is storing the record with its change, and counting keys.
import {
  IdempotencyKeyConflict,
  IdempotencyKeyLimit,
  NikSudahTerdaftar,
  SaldoTidakCukup,
} from '../../src/domain/errors';
import { IDEMPOTENCY_KEY_TTL_MS } from '../../src/domain/idempotency';
import { dataNasabah } from '../helpers';
import { uniqueKey, type Contract } from './fixture';

export function describeIdempotency(contract: Contract): void {
  describe('idempotency keys', () => {
    it('when a daftar is retried, then it gets the first no_rekening and the nasabah is registered once', async () => {
      const { bank } = contract;
      const data = dataNasabah();
      const key = uniqueKey('daftar');

      const first = await bank.daftar(data, key);
      const retry = await bank.daftar(data, key);

      expect(retry).toBe(first);
      await expect(bank.daftar(data)).rejects.toBeInstanceOf(NikSudahTerdaftar);
    });

    it('when a tabung is retried 30 times at once, then money moves once and each retry gets the first answer', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(1_000);
      const key = uniqueKey('tabung');

      const answers = await Promise.all(Array.from({ length: 30 }, () => bank.tabung(noRekening, 500, key)));

      expect(new Set(answers)).toEqual(new Set([1_500]));
      expect(await bank.saldo(noRekening)).toBe(1_500);
      expect(await bank.mutasi(noRekening)).toHaveLength(2);
    });

    it('when the key comes again with a different request, then it is refused and nothing changes', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(1_000);
      const key = uniqueKey('tarik');
      await bank.tarik(noRekening, 100, key);

      const otherRequest = bank.tarik(noRekening, 200, key);

      await expect(otherRequest).rejects.toBeInstanceOf(IdempotencyKeyConflict);
      expect(await bank.saldo(noRekening)).toBe(900);
      expect(await bank.mutasi(noRekening)).toHaveLength(2);
    });

    it('when one key comes with two different requests at once, then money moves once and the other request is refused', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo();
      const key = uniqueKey('tabung');
      // The first move is another key's, so that a store that batches sends the three below together.
      const opener = bank.tabung(noRekening, 1, uniqueKey('buka'));

      const results = await Promise.allSettled([
        bank.tabung(noRekening, 1_000, key),
        bank.tabung(noRekening, 2_000, key),
        bank.tabung(noRekening, 2_000, key),
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
      expect(await bank.saldo(noRekening)).toBe((succeeded[0] ?? NaN) + 1);
      expect(await bank.mutasi(noRekening)).toHaveLength(2);
    });

    it('when a refused tarik is retried, then it gets the same refusal, even once it would go through', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(100);
      const key = uniqueKey('tarik');
      await expect(bank.tarik(noRekening, 500, key)).rejects.toBeInstanceOf(SaldoTidakCukup);
      await bank.tabung(noRekening, 1_000);

      const retry = bank.tarik(noRekening, 500, key);

      await expect(retry).rejects.toMatchObject({ code: 'SALDO_TIDAK_CUKUP' });
      expect(await bank.saldo(noRekening)).toBe(1_100);
    });

    it('when a transfer is retried, then it gets the first saldo and moves once; another request under the key is refused', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(10_000);
      const tujuan = await contract.rekeningWithSaldo();
      const key = uniqueKey('transfer');

      const answers = await Promise.all(
        Array.from({ length: 10 }, () => bank.transfer(asal, tujuan, 3_000, key)),
      );
      const otherRequest = bank.transfer(asal, tujuan, 4_000, key);

      expect(new Set(answers)).toEqual(new Set([7_000]));
      await expect(otherRequest).rejects.toBeInstanceOf(IdempotencyKeyConflict);
      expect(await bank.saldo(asal)).toBe(7_000);
      expect(await bank.saldo(tujuan)).toBe(3_000);
      expect(await bank.mutasi(tujuan)).toHaveLength(1);
    });

    it('when a refused transfer is retried, then it gets the same refusal, even once it would go through', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(100);
      const tujuan = await contract.rekeningWithSaldo();
      const key = uniqueKey('transfer');
      await expect(bank.transfer(asal, tujuan, 500, key)).rejects.toBeInstanceOf(SaldoTidakCukup);
      await bank.tabung(asal, 1_000);

      const retry = bank.transfer(asal, tujuan, 500, key);

      await expect(retry).rejects.toMatchObject({ code: 'SALDO_TIDAK_CUKUP' });
      expect(await bank.saldo(asal)).toBe(1_100);
      expect(await bank.saldo(tujuan)).toBe(0);
    });

    it('when a key is older than IDEMPOTENCY_KEY_TTL_MS, then it is forgotten: another request with it is new', async () => {
      const { bank, time } = contract;
      const noRekening = await bank.daftar(dataNasabah());
      const key = uniqueKey('tabung');
      await bank.tabung(noRekening, 1_000, key);

      time.advance(IDEMPOTENCY_KEY_TTL_MS - 60_000);
      const withinTtl = bank.tabung(noRekening, 2_000, key);
      await expect(withinTtl).rejects.toBeInstanceOf(IdempotencyKeyConflict);
      time.advance(2 * 60_000);
      const pastTtl = await bank.tabung(noRekening, 2_000, key);
      const retryOfLater = await bank.tabung(noRekening, 2_000, key);

      expect([pastTtl, retryOfLater]).toEqual([3_000, 3_000]);
      expect(await bank.saldo(noRekening)).toBe(3_000);
      expect(await bank.mutasi(noRekening)).toHaveLength(2);
    });

    // The count is the store's (View.keyCount); the limit is the domain's.
    it('when a client stores as many keys as it may, then a new key moves nothing until one expires; its retries and other clients go on', async () => {
      const { store, time } = contract;
      const kasir = contract.bankOn(store, { client: 'kasir', idempotencyKeysPerClient: 3 });
      const teller = contract.bankOn(store, { client: 'teller', idempotencyKeysPerClient: 3 });
      const noRekening = await contract.rekeningWithSaldo();
      const keys = ['satu', 'dua', 'tiga'].map(uniqueKey);
      for (const key of keys) await kasir.tabung(noRekening, 1, key);

      const overTheLimit = kasir.tabung(noRekening, 1, uniqueKey('empat'));

      await expect(overTheLimit).rejects.toBeInstanceOf(IdempotencyKeyLimit);
      await expect(kasir.tabung(noRekening, 1, keys[0])).resolves.toBe(1);
      await expect(kasir.tabung(noRekening, 10)).resolves.toBe(13);
      await expect(teller.tabung(noRekening, 100, uniqueKey('teller'))).resolves.toBe(113);
      time.advance(IDEMPOTENCY_KEY_TTL_MS + 1_000);
      await expect(kasir.tabung(noRekening, 1_000, uniqueKey('empat'))).resolves.toBe(1_113);
      expect(await contract.bank.mutasi(noRekening)).toHaveLength(6);
    });
  });
}
