// The rules of a savings account, which the use cases (tabungan.ts) apply inside each change's decision.
import { customAlphabet } from 'nanoid';
import { SaldoMelebihiBatas, SaldoTidakCukup } from './errors';
import type { Mutasi } from './schemas';

/** Ten random decimal digits: 10^10 numbers, so a collision is rare and daftar simply draws again. */
export const drawNoRekening: () => string = customAlphabet('0123456789', 10);

/** The saldo after one mutasi, or the reason it may not happen. */
export function saldoSetelah(saldo: number, mutasi: Pick<Mutasi, 'kode_transaksi' | 'nominal'>): number {
  if (mutasi.kode_transaksi === 'D') {
    if (mutasi.nominal > saldo) throw new SaldoTidakCukup(saldo, mutasi.nominal);
    return saldo - mutasi.nominal;
  }
  const saldoBaru = saldo + mutasi.nominal;
  if (!Number.isSafeInteger(saldoBaru)) throw new SaldoMelebihiBatas();
  return saldoBaru;
}

/** ΣC − ΣD: what the saldo must be after this history. */
export function saldoDariMutasi(mutasi: readonly Mutasi[]): number {
  return mutasi.reduce((saldo, m) => saldo + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);
}
