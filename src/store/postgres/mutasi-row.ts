// The mutasi table as the domain reads it: a row in domain terms, one page of an account's history, and the whole
// history in batches.
import type pg from 'pg';
import type { MutasiTercatat } from '../../domain/schemas';
import type { HistoryPage, HistoryPageResult, Rentang } from '../../domain/store';

export interface MutasiRow {
  waktu: Date;
  kode_transaksi: 'C' | 'D';
  nominal: string;
  no_rekening_lawan: string | null;
  client: string | null;
  request_id: string | null;
}

/**
 * Appends mutasi from arrays, one statement for the lot; WITH ORDINALITY and ORDER BY give them ids in the order
 * given, which is their order in each account's history.
 */
export async function insertMutasi(
  connection: pg.ClientBase,
  rows: readonly { noRekening: string; mutasi: MutasiTercatat }[],
): Promise<void> {
  await connection.query({
    name: 'insert_mutasi',
    text: `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan, client, request_id)
           SELECT no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan, client, request_id
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
             WITH ORDINALITY AS m (no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan, client, request_id, i)
           ORDER BY i`,
    values: [
      rows.map((row) => row.noRekening),
      rows.map((row) => row.mutasi.waktu),
      rows.map((row) => row.mutasi.kode_transaksi),
      rows.map((row) => row.mutasi.nominal),
      rows.map((row) => row.mutasi.no_rekening_lawan ?? null),
      rows.map((row) => row.mutasi.client ?? null),
      rows.map((row) => row.mutasi.request_id ?? null),
    ],
  });
}

/** The columns of a MutasiRow, for every query that reads one. */
export const MUTASI_COLUMNS = 'waktu, kode_transaksi, nominal, no_rekening_lawan, client, request_id';

/** A row as the domain speaks of it: no_rekening_lawan only on a transfer's, who made it only where known. */
export function toMutasi(row: MutasiRow): MutasiTercatat {
  return {
    waktu: row.waktu.toISOString(),
    kode_transaksi: row.kode_transaksi,
    nominal: Number(row.nominal),
    ...(row.no_rekening_lawan === null ? {} : { no_rekening_lawan: row.no_rekening_lawan }),
    ...(row.client === null ? {} : { client: row.client }),
    ...(row.request_id === null ? {} : { request_id: row.request_id }),
  };
}

/**
 * One page, in SQL: the keyset condition (id below the cursor's), the range and the LIMIT run on the index
 * (no_rekening, id), so a page of a long history reads only its own rows, plus one to know whether older remain.
 */
export async function readMutasiPage(
  db: pg.Pool | pg.ClientBase,
  noRekening: string,
  { limit, before, dari, sampai }: HistoryPage,
): Promise<HistoryPageResult> {
  const { rows } = await db.query<MutasiRow & { id: string }>({
    name: 'mutasi_page',
    text: `SELECT id, ${MUTASI_COLUMNS} FROM mutasi
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
 * flight: every insert of an account's mutasi holds that account's nasabah row lock until it commits (FOR
 * UPDATE in batch.ts, before the INSERT), so its ids commit in order.
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
): AsyncGenerator<MutasiTercatat[]> {
  // Ids start at 1. The condition stays a plain range, never `$2 IS NULL OR …`, so that a generic plan of the
  // prepared statement still walks the index from `after` instead of from the account's first row.
  let after = '0';
  while (newest !== null) {
    const { rows } = await query({
      name: 'mutasi_batch',
      text: `SELECT id, ${MUTASI_COLUMNS} FROM mutasi
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
