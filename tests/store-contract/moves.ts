// The contract for tabung and tarik: saldo and history, unknown accounts, the saldo rule's edges, and parallel
// moves, which every store must serialise exactly.
import { RekeningTidakDikenali, SaldoMelebihiBatas, SaldoTidakCukup } from '../../src/domain/errors';
import { tabungInWaves, withoutAudit, type Contract } from './fixture';

export function describeMoves(contract: Contract): void {
  describe('tabung and tarik', () => {
    it('when money is paid in and taken out, then saldo moves and the history lists each mutasi, oldest first', async () => {
      const { bank, time } = contract;
      const noRekening = await contract.rekeningWithSaldo();

      const waktuSetoran = time.advance();
      const saldoSetelahTabung = await bank.tabung(noRekening, 100_000);
      const waktuPenarikan = time.advance();
      const saldoSetelahTarik = await bank.tarik(noRekening, 30_000);

      expect([saldoSetelahTabung, saldoSetelahTarik]).toEqual([100_000, 70_000]);
      expect(await bank.saldo(noRekening)).toBe(70_000);
      expect(withoutAudit(await bank.mutasi(noRekening))).toEqual([
        { waktu: waktuSetoran, kode_transaksi: 'C', nominal: 100_000 },
        { waktu: waktuPenarikan, kode_transaksi: 'D', nominal: 30_000 },
      ]);
    });

    it.each(['0000000000', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
      'when the no_rekening %s is unknown, then tabung and tarik are refused and no account appears',
      async (noRekening) => {
        const { bank } = contract;

        const tabung = bank.tabung(noRekening, 1);
        const tarik = bank.tarik(noRekening, 1);

        await expect(tabung).rejects.toBeInstanceOf(RekeningTidakDikenali);
        await expect(tarik).rejects.toBeInstanceOf(RekeningTidakDikenali);
        expect(await bank.saldo(noRekening)).toBeNull();
        expect(await bank.mutasi(noRekening)).toBeNull();
      },
    );
  });

  // The saldo rule lives in the domain (rekening.ts); a store that restates it (a SQL CHECK) is pinned here.
  describe('the saldo rule at its edges', () => {
    it('when a tarik takes exactly the saldo, then it goes through, down to saldo 0', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(5_000);

      const saldoSetelahTarik = await bank.tarik(noRekening, 5_000);

      expect(saldoSetelahTarik).toBe(0);
      expect(await bank.saldo(noRekening)).toBe(0);
      expect(await bank.mutasi(noRekening)).toHaveLength(2);
    });

    it('when a tarik asks for saldo + 1, then it is refused with SaldoTidakCukup and nothing changes', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(5_000);
      const historyBefore = await bank.mutasi(noRekening);

      const tarik = bank.tarik(noRekening, 5_001);

      await expect(tarik).rejects.toBeInstanceOf(SaldoTidakCukup);
      expect(await bank.saldo(noRekening)).toBe(5_000);
      expect(await bank.mutasi(noRekening)).toEqual(historyBefore);
    });

    it('when a tabung reaches exactly Number.MAX_SAFE_INTEGER, then it goes through, and one rupiah more is refused with SaldoMelebihiBatas', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo();
      await tabungInWaves(bank, noRekening, 9007, 1_000_000_000_000);
      const room = Number.MAX_SAFE_INTEGER - 9007 * 1_000_000_000_000;

      const overByOne = bank.tabung(noRekening, room + 1);
      await expect(overByOne).rejects.toBeInstanceOf(SaldoMelebihiBatas);
      const toTheLimit = await bank.tabung(noRekening, room);
      const pastTheLimit = bank.tabung(noRekening, 1);

      expect(toTheLimit).toBe(Number.MAX_SAFE_INTEGER);
      await expect(pastTheLimit).rejects.toBeInstanceOf(SaldoMelebihiBatas);
      expect(await bank.saldo(noRekening)).toBe(Number.MAX_SAFE_INTEGER);
      expect(await bank.mutasi(noRekening)).toHaveLength(9008);
    });
  });

  describe('under parallel requests', () => {
    it('when 400 deposits of 1000 come at once, then exactly 400,000 is added', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo();

      await Promise.all(Array.from({ length: 400 }, () => bank.tabung(noRekening, 1_000)));

      expect(await bank.saldo(noRekening)).toBe(400_000);
      expect(await bank.mutasi(noRekening)).toHaveLength(400);
    });

    it('when 200 withdrawals of 3000 come at once from 400,000, then exactly 133 go through', async () => {
      const { bank } = contract;
      const noRekening = await contract.rekeningWithSaldo(400_000);

      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => bank.tarik(noRekening, 3_000)),
      );

      const refused = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as unknown] : [],
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(133);
      expect(refused.every((reason) => reason instanceof SaldoTidakCukup)).toBe(true);
      expect(await bank.saldo(noRekening)).toBe(1_000);
    });

    it('when a burst mixes good and bad moves, then the good ones go through and only the bad ones are refused', async () => {
      const { bank } = contract;
      const rich = await contract.rekeningWithSaldo(10_000);
      const poor = await contract.rekeningWithSaldo();

      const results = await Promise.allSettled([
        bank.tarik(rich, 4_000),
        bank.tarik(poor, 1_000),
        bank.tabung('0000000000', 1),
        bank.tarik(rich, 4_000),
        bank.tabung(poor, 500),
        bank.tarik(rich, 4_000),
      ]);

      // Arrival order may differ (PostgreSQL runs them concurrently): which of the three 4,000 withdrawals
      // loses depends on it, that exactly one does does not; the 1,000 tarik fails even after the 500 tabung.
      const [rich1, poorTarik, unknown, rich2, poorTabung, rich3] = results.map((result) => result.status);
      expect([rich1, rich2, rich3].filter((status) => status === 'fulfilled')).toHaveLength(2);
      expect([poorTarik, unknown, poorTabung]).toEqual(['rejected', 'rejected', 'fulfilled']);
      expect(await bank.saldo(rich)).toBe(2_000);
      expect(await bank.saldo(poor)).toBe(500);
    });
  });
}
