// An account's PIN as PostgreSQL keeps it: three columns of nasabah (migration 007), and the riwayat_pin rows
// that say who set, changed or reset it. Read and written from arrays, for a batch or an import alike.
import type pg from 'pg';
import type { PeristiwaPin, PinTersimpan } from '../../domain/schemas';

export interface PinColumns {
  pin_hash: string | null;
  pin_gagal: number;
  pin_terkunci_sampai: Date | null;
}

/** The columns of PinColumns, for every query that reads them. */
export const PIN_COLUMNS = 'pin_hash, pin_gagal, pin_terkunci_sampai';

/** An account's PIN from its columns; none when it has no hash. */
export function toPin(row: PinColumns): PinTersimpan | undefined {
  if (row.pin_hash === null) return undefined;
  return {
    hash: row.pin_hash,
    gagal: row.pin_gagal,
    ...(row.pin_terkunci_sampai === null ? {} : { terkunci_sampai: row.pin_terkunci_sampai.toISOString() }),
  };
}

/** Sets each account's PIN columns (null: the account has no PIN now). */
export async function updatePins(
  connection: pg.ClientBase,
  pins: readonly (readonly [string, PinTersimpan | null])[],
): Promise<void> {
  await connection.query({
    name: 'update_pins',
    text: `UPDATE nasabah AS n SET pin_hash = v.hash, pin_gagal = v.gagal, pin_terkunci_sampai = v.terkunci_sampai
           FROM unnest($1::text[], $2::text[], $3::smallint[], $4::timestamptz[])
             AS v (no_rekening, hash, gagal, terkunci_sampai)
           WHERE n.no_rekening = v.no_rekening`,
    values: [
      pins.map(([noRekening]) => noRekening),
      pins.map(([, pin]) => pin?.hash ?? null),
      pins.map(([, pin]) => pin?.gagal ?? 0),
      pins.map(([, pin]) => pin?.terkunci_sampai ?? null),
    ],
  });
}

export async function insertRiwayatPin(
  connection: pg.ClientBase,
  rows: readonly { noRekening: string; peristiwa: PeristiwaPin }[],
): Promise<void> {
  await connection.query({
    name: 'insert_riwayat_pin',
    text: `INSERT INTO riwayat_pin (no_rekening, waktu, peristiwa, client, request_id)
           SELECT no_rekening, waktu, peristiwa, client, request_id
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])
             WITH ORDINALITY AS r (no_rekening, waktu, peristiwa, client, request_id, i)
           ORDER BY i`,
    values: [
      rows.map((row) => row.noRekening),
      rows.map((row) => row.peristiwa.waktu),
      rows.map((row) => row.peristiwa.peristiwa),
      rows.map((row) => row.peristiwa.client),
      rows.map((row) => row.peristiwa.request_id),
    ],
  });
}

export interface RiwayatPinRow {
  no_rekening: string;
  waktu: Date;
  peristiwa: PeristiwaPin['peristiwa'];
  client: string;
  request_id: string;
}

export function toPeristiwaPin(row: RiwayatPinRow): PeristiwaPin {
  return {
    waktu: row.waktu.toISOString(),
    peristiwa: row.peristiwa,
    client: row.client,
    request_id: row.request_id,
  };
}
