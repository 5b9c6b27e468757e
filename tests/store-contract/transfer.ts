// The contract for transfer: both sides or neither, asal checked first, and exact totals under races.
import { RekeningTidakDikenali, SaldoMelebihiBatas, SaldoTidakCukup } from '../../src/domain/errors';
import { tabungInWaves, withoutAudit, type Contract } from './fixture';

export function describeTransfer(contract: Contract): void {
  describe('transfer', () => {
    /** Each account's saldo and whole history, to show that a refusal changed neither. */
    async function stateOf(...rekening: string[]) {
      const { bank } = contract;
      return Promise.all(rekening.map(async (r) => [await bank.saldo(r), await bank.mutasi(r)] as const));
    }

    it('when a transfer goes through, then it answers asal’s saldo and records D and C with one waktu, each naming the other', async () => {
      const { bank, time } = contract;
      const asal = await contract.rekeningWithSaldo(10_000);
      const tujuan = await contract.rekeningWithSaldo(500);
      const waktu = time.advance();

      const saldoAsal = await bank.transfer(asal, tujuan, 4_000);

      expect(saldoAsal).toBe(6_000);
      expect(await bank.saldo(asal)).toBe(6_000);
      expect(await bank.saldo(tujuan)).toBe(4_500);
      const [setoranAsal, debit] = withoutAudit(await bank.mutasi(asal)) ?? [];
      const kredit = withoutAudit(await bank.mutasi(tujuan))?.at(-1);
      expect(debit).toEqual({ waktu, kode_transaksi: 'D', nominal: 4_000, no_rekening_lawan: tujuan });
      expect(kredit).toEqual({ waktu, kode_transaksi: 'C', nominal: 4_000, no_rekening_lawan: asal });
      expect(setoranAsal?.no_rekening_lawan).toBeUndefined();
    });

    it('when a transfer takes the whole saldo, then it goes through, down to 0', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(5_000);
      const tujuan = await contract.rekeningWithSaldo();

      const saldoAsal = await bank.transfer(asal, tujuan, 5_000);

      expect(saldoAsal).toBe(0);
      expect(await bank.saldo(tujuan)).toBe(5_000);
    });

    it('when a transfer asks for saldo + 1, then it is refused with SaldoTidakCukup and neither account changes', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(5_000);
      const tujuan = await contract.rekeningWithSaldo(100);
      const before = await stateOf(asal, tujuan);

      const transfer = bank.transfer(asal, tujuan, 5_001);

      await expect(transfer).rejects.toBeInstanceOf(SaldoTidakCukup);
      expect(await stateOf(asal, tujuan)).toEqual(before);
    });

    it('when asal or tujuan is unknown, then it is refused with RekeningTidakDikenali naming it, asal first, and nothing changes', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(5_000);
      const tujuan = await contract.rekeningWithSaldo(100);
      const unknown = [asal, tujuan].includes('0000000000') ? '0000000001' : '0000000000';
      const otherUnknown = [asal, tujuan, unknown].includes('0000000002') ? '0000000003' : '0000000002';
      const before = await stateOf(asal, tujuan);

      const results = await Promise.allSettled([
        bank.transfer(unknown, tujuan, 1),
        bank.transfer(asal, unknown, 1),
        bank.transfer(unknown, otherUnknown, 1),
        bank.transfer('__proto__', tujuan, 1),
        bank.transfer(asal, 'constructor', 1),
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
      expect(await bank.saldo(unknown)).toBeNull();
    });

    it('when tujuan would pass Number.MAX_SAFE_INTEGER, then it is refused with SaldoMelebihiBatas and nothing changes', async () => {
      const { bank } = contract;
      const tujuan = await contract.rekeningWithSaldo();
      await tabungInWaves(bank, tujuan, 9007, 1_000_000_000_000);
      const nearlyFull = Number.MAX_SAFE_INTEGER - 10;
      await bank.tabung(tujuan, nearlyFull - 9007 * 1_000_000_000_000);
      const asal = await contract.rekeningWithSaldo(100);
      const asalBefore = await stateOf(asal);

      const overTheLimit = bank.transfer(asal, tujuan, 11);

      await expect(overTheLimit).rejects.toBeInstanceOf(SaldoMelebihiBatas);
      expect(await stateOf(asal)).toEqual(asalBefore);
      expect(await bank.saldo(tujuan)).toBe(nearlyFull);
      expect(await bank.mutasi(tujuan)).toHaveLength(9008);
      await expect(bank.transfer(asal, tujuan, 10)).resolves.toBe(90);
      expect(await bank.saldo(tujuan)).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('when 50 transfers go each way between two accounts at once, then all go through and totals are exact', async () => {
      const { bank } = contract;
      const a = await contract.rekeningWithSaldo(50_000);
      const b = await contract.rekeningWithSaldo(50_000);

      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          i % 2 === 0 ? bank.transfer(a, b, 1_000) : bank.transfer(b, a, 1_000),
        ),
      );

      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(await bank.saldo(a)).toBe(50_000);
      expect(await bank.saldo(b)).toBe(50_000);
      expect(await bank.mutasi(a)).toHaveLength(101);
      expect(await bank.mutasi(b)).toHaveLength(101);
    });

    it('when transfers and withdrawals race on one asal, then exactly as many go through as saldo allows', async () => {
      const { bank } = contract;
      const asal = await contract.rekeningWithSaldo(30_000);
      const tujuan = await contract.rekeningWithSaldo();

      const results = await Promise.allSettled(
        Array.from({ length: 80 }, (_, i) =>
          i % 2 === 0 ? bank.transfer(asal, tujuan, 1_000) : bank.tarik(asal, 1_000),
        ),
      );

      const transfersThrough = results.filter((r, i) => i % 2 === 0 && r.status === 'fulfilled').length;
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(30);
      expect(results.every((r) => r.status === 'fulfilled' || r.reason instanceof SaldoTidakCukup)).toBe(
        true,
      );
      expect(await bank.saldo(asal)).toBe(0);
      expect(await bank.saldo(tujuan)).toBe(transfersThrough * 1_000);
      expect(await bank.mutasi(tujuan)).toHaveLength(transfersThrough);
    });
  });
}
