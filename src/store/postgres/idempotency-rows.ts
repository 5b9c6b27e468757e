// The idempotensi table's rows: first answers, written from arrays by a batch of changes and by an import.
import type pg from 'pg';
import type { IdempotencyRecord } from '../../domain/idempotency';

const INSERT = `INSERT INTO idempotensi (kunci, sidik, waktu, hasil)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])`;

/**
 * Stores records, one statement for the lot. A batch of changes replaces the expired record of a key that
 * pruning has not removed yet (`replaceExpired`); an import fails on any key already there, like any clash.
 */
export async function insertRecords(
  connection: pg.ClientBase,
  records: readonly (readonly [string, IdempotencyRecord])[],
  { replaceExpired }: { replaceExpired: boolean },
): Promise<void> {
  await connection.query({
    name: replaceExpired ? 'insert_records_replacing' : 'insert_records',
    text: replaceExpired
      ? `${INSERT} ON CONFLICT (kunci) DO UPDATE SET sidik = excluded.sidik, waktu = excluded.waktu, hasil = excluded.hasil`
      : INSERT,
    values: [
      records.map(([key]) => key),
      records.map(([, record]) => record.sidik),
      records.map(([, record]) => record.waktu),
      records.map(([, record]) => JSON.stringify(record.hasil)),
    ],
  });
}
