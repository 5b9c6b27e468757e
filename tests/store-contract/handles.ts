// The contract across handles: two stores on one backend are two processes, and must neither lose nor double a
// move of the other's; and a handle that closes finishes what it accepted first.
import { StoreClosing } from '../../src/domain/errors';
import { dataNasabah } from '../helpers';
import { withoutAudit, type Contract } from './fixture';

export function describeHandles(contract: Contract): void {
  describe('two handles on one backend (as two processes)', () => {
    it('when a move goes through one, then the other sees it, and builds on it', async () => {
      const { bank, time } = contract;
      const other = contract.bankOn(await contract.openHandle());
      const noRekening = await bank.daftar(dataNasabah());

      const waktuSetoran = time.advance();
      await bank.tabung(noRekening, 1_000);
      const seenByOther = [await other.saldo(noRekening), withoutAudit(await other.mutasi(noRekening))];
      const waktuPenarikan = time.advance();
      await other.tarik(noRekening, 300);

      expect(seenByOther).toEqual([1_000, [{ waktu: waktuSetoran, kode_transaksi: 'C', nominal: 1_000 }]]);
      expect(await bank.saldo(noRekening)).toBe(700);
      expect(withoutAudit(await bank.mutasi(noRekening))).toEqual([
        { waktu: waktuSetoran, kode_transaksi: 'C', nominal: 1_000 },
        { waktu: waktuPenarikan, kode_transaksi: 'D', nominal: 300 },
      ]);
    });

    it('when both take parallel deposits, then they add up exactly, and both see the same saldo', async () => {
      const { bank } = contract;
      const other = contract.bankOn(await contract.openHandle());
      const noRekening = await bank.daftar(dataNasabah());

      await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? bank : other).tabung(noRekening, 1_000)),
      );

      expect(await bank.saldo(noRekening)).toBe(100_000);
      expect(await other.saldo(noRekening)).toBe(100_000);
      expect(await other.mutasi(noRekening)).toHaveLength(100);
    });

    it('when both take parallel withdrawals, then exactly as many go through as saldo allows', async () => {
      const { bank } = contract;
      const other = contract.bankOn(await contract.openHandle());
      const noRekening = await contract.rekeningWithSaldo(30_000);

      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? bank : other).tarik(noRekening, 1_000)),
      );

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
      expect(await other.saldo(noRekening)).toBe(0);
      expect(await bank.mutasi(noRekening)).toHaveLength(31);
    });

    it('when both get one nik at the same moment, then it is registered once', async () => {
      const { bank } = contract;
      const other = contract.bankOn(await contract.openHandle());
      const { nik } = dataNasabah();

      const results = await Promise.allSettled([
        bank.daftar(dataNasabah({ nik })),
        other.daftar(dataNasabah({ nik })),
      ]);

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    });

    it('when both take opposite transfers at once, then both see exact totals', async () => {
      const { bank } = contract;
      const other = contract.bankOn(await contract.openHandle());
      const a = await contract.rekeningWithSaldo(40_000);
      const b = await contract.rekeningWithSaldo(40_000);
      const c = await contract.rekeningWithSaldo(40_000);
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
          return (i % 2 === 0 ? bank : other).transfer(asal, tujuan, 1_000);
        }),
      );

      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      for (const noRekening of [a, b, c]) {
        expect(await bank.saldo(noRekening)).toBe(40_000);
        expect(await other.saldo(noRekening)).toBe(40_000);
        expect(await other.mutasi(noRekening)).toHaveLength(81);
      }
    });
  });

  describe('close', () => {
    it('when a handle closes, then it finishes what it accepted, durably, and refuses new changes', async () => {
      const { bank, store } = contract;
      const noRekening = await contract.rekeningWithSaldo();
      const accepted = Array.from({ length: 20 }, () => bank.tabung(noRekening, 1));
      contract.closedByTest(store);

      await store.close();

      await expect(Promise.all(accepted)).resolves.toHaveLength(20);
      await expect(bank.tabung(noRekening, 1)).rejects.toBeInstanceOf(StoreClosing);
      const reopened = contract.bankOn(await contract.openHandle());
      expect(await reopened.saldo(noRekening)).toBe(20);
    });
  });
}
