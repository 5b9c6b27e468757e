// The mutasi table as the domain reads it: a row in domain terms, and one page of an account's history.
import type pg from 'pg';
import type { Mutasi } from '../../domain/schemas';
import type { MutasiPage, MutasiPageResult } from '../../domain/store';

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

/**
 * One page, in SQL: the keyset condition (id below the cursor's), the range and the LIMIT run on the index
 * (no_rekening, id), so a page of a long history reads only its own rows, plus one to know whether older remain.
 */
export async function readMutasiPage(
  db: pg.Pool | pg.ClientBase,
  noRekening: string,
  { limit, before, dari, sampai }: MutasiPage,
): Promise<MutasiPageResult> {
  const { rows } = await db.query<MutasiRow & { id: string }>({
    name: 'mutasi_page',
    text: `SELECT id, waktu, kode_transaksi, nominal, no_rekening_lawan FROM mutasi
           WHERE no_rekening = $1 AND ($2::bigint IS NULL OR id < $2)
             AND ($3::timestamptz IS NULL OR waktu >= $3) AND ($4::timestamptz IS NULL OR waktu <= $4)
           ORDER BY id DESC LIMIT $5`,
    values: [
      noRekening,
      before ?? null,
      dari === undefined ? null : new Date(dari),
      sampai === undefined ? null : new Date(sampai),
      limit + 1,
    ],
  });
  const page = rows.slice(0, limit).reverse();
  return {
    entries: page.map((row) => ({ position: Number(row.id), mutasi: toMutasi(row) })),
    hasOlder: rows.length > limit,
  };
}
