// The mutasi table as the domain reads it: a row in domain terms, one page of an account's history, and the whole
// history in batches.
import type pg from 'pg';
import type { Mutasi } from '../../domain/schemas';
import type { MutasiPage, MutasiPageResult, Rentang } from '../../domain/store';

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
           WHERE no_rekening = $1 AND id < $2
             AND ($3::timestamptz IS NULL OR waktu >= $3) AND ($4::timestamptz IS NULL OR waktu <= $4)
           ORDER BY id DESC LIMIT $5`,
    values: [
      noRekening,
      // A plain range (the largest bigint for the newest page), so even a generic plan walks the index from it.
      before ?? '9223372036854775807',
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

/** Rows per batch of a whole history: one query's rows take a few ms to turn into JSON, never the event loop's 20. */
const ROWS_PER_BATCH = 1_000;

/**
 * The id of an account's newest mutasi: where a whole-history read ends, so mutasi added while it streams are
 * not in it. undefined for an unknown account, null for one without mutasi. Ids below it cannot still be in
 * flight: every insert of an account's mutasi holds that account's nasabah row lock until it commits (the
 * UPDATE before the INSERT in catat_mutasi_batch, FOR UPDATE in transfer.ts), so its ids commit in order.
 */
export async function readNewestMutasiId(
  db: pg.Pool | pg.ClientBase,
  noRekening: string,
): Promise<string | null | undefined> {
  const { rows } = await db.query<{ newest: string | null }>({
    name: 'newest_mutasi',
    text: `SELECT (SELECT max(id) FROM mutasi WHERE no_rekening = $1) AS newest FROM nasabah WHERE no_rekening = $1`,
    values: [noRekening],
  });
  return rows[0]?.newest;
}

/**
 * The history up to `newest`, oldest first, a keyset query per batch on the index (no_rekening, id): no
 * connection or cursor is held between batches, so a reader that stops reading holds nothing in the database.
 */
export async function* readMutasiBatches(
  query: (config: pg.QueryConfig) => Promise<pg.QueryResult<MutasiRow & { id: string }>>,
  { noRekening, rentang, newest }: { noRekening: string; rentang: Rentang; newest: string | null },
): AsyncGenerator<Mutasi[]> {
  // Ids start at 1. The condition stays a plain range, never `$2 IS NULL OR …`, so that a generic plan of the
  // prepared statement still walks the index from `after` instead of from the account's first row.
  let after = '0';
  while (newest !== null) {
    const { rows } = await query({
      name: 'mutasi_batch',
      text: `SELECT id, waktu, kode_transaksi, nominal, no_rekening_lawan FROM mutasi
             WHERE no_rekening = $1 AND id > $2 AND id <= $3
               AND ($4::timestamptz IS NULL OR waktu >= $4) AND ($5::timestamptz IS NULL OR waktu <= $5)
             ORDER BY id LIMIT $6`,
      values: [
        noRekening,
        after,
        newest,
        rentang.dari === undefined ? null : new Date(rentang.dari),
        rentang.sampai === undefined ? null : new Date(rentang.sampai),
        ROWS_PER_BATCH,
      ],
    });
    if (rows.length > 0) yield rows.map(toMutasi);
    if (rows.length < ROWS_PER_BATCH) return;
    after = rows.at(-1)?.id ?? after;
  }
}
