// The contract for daftar: a fresh account, nik and no_hp held once, and a no_rekening draw that collides.
import { NikSudahTerdaftar, NoHpSudahTerdaftar } from '../../src/domain/errors';
import { dataNasabah } from '../helpers';
import type { Contract } from './fixture';

/** Draws the given numbers in order, then fails: a test that draws more than it planned for is wrong. */
function draws(...numbers: string[]): () => string {
  const left = [...numbers];
  return () => {
    const next = left.shift();
    if (next === undefined) throw new Error('drew more no_rekening than the test planned');
    return next;
  };
}

/** A 10-digit no_rekening that none of `taken` is. */
function freshNoRekening(...taken: string[]): string {
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(10, '0');
    if (!taken.includes(candidate)) return candidate;
  }
}

export function describeRegistration(contract: Contract): void {
  describe('daftar', () => {
    it('when a nasabah registers, then the account has a 10-digit no_rekening, saldo 0 and no mutasi', async () => {
      const { bank } = contract;

      const noRekening = await bank.daftar(dataNasabah());

      expect(noRekening).toMatch(/^[0-9]{10}$/);
      expect(await bank.saldo(noRekening)).toBe(0);
      expect(await bank.mutasi(noRekening)).toEqual([]);
    });

    it('when the nik or the no_hp is taken, then daftar is refused, and another nasabah still registers', async () => {
      const { bank } = contract;
      const first = dataNasabah();
      await bank.daftar(first);
      const other = dataNasabah();

      const takenNik = bank.daftar({ ...other, nik: first.nik });
      const takenNoHp = bank.daftar({ ...other, no_hp: first.no_hp });

      await expect(takenNik).rejects.toBeInstanceOf(NikSudahTerdaftar);
      await expect(takenNoHp).rejects.toBeInstanceOf(NoHpSudahTerdaftar);
      await expect(bank.daftar(other)).resolves.toMatch(/^[0-9]{10}$/);
    });

    it('when one nik is sent 50 times at once, then it is registered once and the others are refused', async () => {
      const { bank } = contract;
      const { nik } = dataNasabah();

      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => bank.daftar(dataNasabah({ nik }))),
      );

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refusals = results.flatMap((result) =>
        result.status === 'rejected' ? [result.reason as unknown] : [],
      );
      expect(refusals.every((reason) => reason instanceof NikSudahTerdaftar)).toBe(true);
    });
  });

  // The draw and its retry are the domain's (tabungan.ts); what each store must give it is a view that shows an
  // account as taken, whether it was committed before or registered earlier in the same batch.
  describe('the no_rekening draw', () => {
    it('when the drawn no_rekening is an existing account’s, then daftar draws again and that account is untouched', async () => {
      const { bank } = contract;
      const existing = dataNasabah();
      const taken = await bank.daftar(existing);
      await bank.tabung(taken, 5_000);
      const historyBefore = await bank.mutasi(taken);
      const fresh = freshNoRekening(taken);
      const drawing = contract.bankOn(contract.store, { newNoRekening: draws(taken, fresh) });

      const noRekening = await drawing.daftar(dataNasabah());

      expect(noRekening).toBe(fresh);
      expect(await bank.saldo(fresh)).toBe(0);
      expect(await bank.mutasi(fresh)).toEqual([]);
      expect(await bank.saldo(taken)).toBe(5_000);
      expect(await bank.mutasi(taken)).toEqual(historyBefore);
      // The first nasabah's registration still holds its number's nik and no_hp.
      await expect(bank.daftar(dataNasabah({ nik: existing.nik }))).rejects.toBeInstanceOf(NikSudahTerdaftar);
      await expect(bank.daftar(dataNasabah({ no_hp: existing.no_hp }))).rejects.toBeInstanceOf(
        NoHpSudahTerdaftar,
      );
    });

    it('when two registrations at once draw the same no_rekening, then one gets it and the other draws again', async () => {
      const { bank } = contract;
      const first = freshNoRekening();
      const second = freshNoRekening(first);
      const drawing = contract.bankOn(contract.store, { newNoRekening: draws(first, first, second) });

      const registered = await Promise.all([drawing.daftar(dataNasabah()), drawing.daftar(dataNasabah())]);

      expect([...registered].sort()).toEqual([first, second].sort());
      expect(await bank.saldo(first)).toBe(0);
      expect(await bank.saldo(second)).toBe(0);
    });
  });
}
