// A mutasi row as the domain speaks of it, for every query that reads the mutasi table.
import type { Mutasi } from '../../domain/schemas';

export interface MutasiRow {
  waktu: Date;
  kode_transaksi: 'C' | 'D';
  nominal: string;
  no_rekening_lawan: string | null;
}

/** A row as the domain speaks of it: no_rekening_lawan only on a transfer's mutasi. */
export function toMutasi(row: MutasiRow): Mutasi {
  const mutasi = {
    waktu: row.waktu.toISOString(),
    kode_transaksi: row.kode_transaksi,
    nominal: Number(row.nominal),
  };
  return row.no_rekening_lawan === null ? mutasi : { ...mutasi, no_rekening_lawan: row.no_rekening_lawan };
}
