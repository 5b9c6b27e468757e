// The rules of a savings account that every store enforces inside its own transaction.
import { customAlphabet } from 'nanoid';
import { SaldoMelebihiBatas, SaldoTidakCukup } from './errors';
import type { Mutasi } from './schemas';

/** Ten random decimal digits: 10^10 numbers, so a collision is rare and the store simply draws again. */
export const newNoRekening: () => string = customAlphabet('0123456789', 10);

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

/**
 * The two mutasi of a transfer, one per side, each naming the other account; with the saldo each side is left
 * with, or the reason it may not happen (asal's saldo too low, tujuan's past the limit).
 */
export function mutasiTransfer(
  asal: { noRekening: string; saldo: number },
  tujuan: { noRekening: string; saldo: number },
  { nominal, waktu }: { nominal: number; waktu: string },
): { debit: Mutasi; saldoAsal: number; kredit: Mutasi; saldoTujuan: number } {
  const debit: Mutasi = { waktu, kode_transaksi: 'D', nominal, no_rekening_lawan: tujuan.noRekening };
  const kredit: Mutasi = { waktu, kode_transaksi: 'C', nominal, no_rekening_lawan: asal.noRekening };
  return {
    debit,
    saldoAsal: saldoSetelah(asal.saldo, debit),
    kredit,
    saldoTujuan: saldoSetelah(tujuan.saldo, kredit),
  };
}

/** ΣC − ΣD: what the saldo must be after this history. */
export function saldoDariMutasi(mutasi: readonly Mutasi[]): number {
  return mutasi.reduce((saldo, m) => saldo + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);
}
