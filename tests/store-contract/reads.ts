// The contract for the reads: ping, the whole history as it stood when asked for, and parallel reads.
import type { MutasiTercatat } from '../../src/domain/schemas';
import type { Contract } from './fixture';

export function describeReads(contract: Contract): void {
  describe('ping', () => {
    it('when the store is healthy, then ping resolves', async () => {
      await expect(contract.store.ping()).resolves.toBeUndefined();
    });
  });

  describe('mutasi, the whole history', () => {
    it('when mutasi are added while it is read, then it is the history as it was when asked for', async () => {
      const { bank, store } = contract;
      const noRekening = await contract.rekeningWithSaldo(100);
      await bank.tabung(noRekening, 200);

      const batches = await store.mutasi(noRekening, {});
      await bank.tarik(noRekening, 50);
      const read: MutasiTercatat[] = [];
      for await (const batch of batches ?? []) read.push(...batch);

      expect(read.map((mutasi) => mutasi.nominal)).toEqual([100, 200]);
      expect(await bank.mutasi(noRekening)).toHaveLength(3);
    });
  });

  describe('under parallel reads', () => {
    it('when many reads come at once, then each gets its own account’s answer, unknown accounts included', async () => {
      const { bank } = contract;
      const rekening = [
        await contract.rekeningWithSaldo(1_000),
        await contract.rekeningWithSaldo(2_000),
        await contract.rekeningWithSaldo(),
      ];
      const asked = Array.from({ length: 60 }, (_, i) => rekening[i % 4] ?? '0000000000');

      const saldo = await Promise.all(asked.map((noRekening) => bank.saldo(noRekening)));
      const historyLengths = await Promise.all(
        asked.map(async (noRekening) => (await bank.mutasi(noRekening))?.length ?? null),
      );

      expect(saldo).toEqual(Array.from({ length: 60 }, (_, i) => [1_000, 2_000, 0, null][i % 4]));
      expect(historyLengths).toEqual(Array.from({ length: 60 }, (_, i) => [1, 1, 0, null][i % 4]));
    });
  });
}
