// The idempotensi table as every keyed change uses it, inside the change's own transaction: lock the keys, read
// their records, and store first answers in the same commit as the change they answer.
import type pg from 'pg';
import { IdempotencyRecord, IDEMPOTENCY_KEY_TTL_MS } from '../../domain/idempotency';

/**
 * Locks the keys for the rest of the transaction and returns the records that are still kept. Requests with one
 * key take turns, so a retry sees the first one's answer. The keys are locked in sorted order, the same in every
 * process, so two batches that share keys cannot deadlock on them.
 */
export async function lockAndRead(
  client: pg.ClientBase,
  kunci: readonly string[],
  sekarang: Date,
): Promise<Map<string, IdempotencyRecord>> {
  const urut = [...new Set(kunci)].sort();
  // unnest yields the keys in array order, so the locks are taken in that order.
  await client.query({
    name: 'kunci_idempotensi',
    text: 'SELECT pg_advisory_xact_lock(hashtextextended(kunci, 0)) FROM unnest($1::text[]) AS kunci',
    values: [urut],
  });
  // A statement after the locks sees every answer committed by whoever held them before.
  const { rows } = await client.query<{ kunci: string; sidik: string; waktu: Date; hasil: unknown }>({
    name: 'baca_idempotensi',
    text: 'SELECT kunci, sidik, waktu, hasil FROM idempotensi WHERE kunci = ANY($1) AND waktu >= $2',
    values: [urut, new Date(sekarang.getTime() - IDEMPOTENCY_KEY_TTL_MS)],
  });
  return new Map(
    rows.map(({ kunci: k, waktu, ...baris }) => [
      k,
      IdempotencyRecord.parse({ ...baris, waktu: waktu.toISOString() }),
    ]),
  );
}

/** Stores first answers, replacing the expired records of the same keys that pruning has not removed yet. */
export async function simpan(
  client: pg.ClientBase,
  catatan: readonly (readonly [string, IdempotencyRecord])[],
): Promise<void> {
  if (catatan.length === 0) return;
  await client.query({
    name: 'simpan_idempotensi',
    text: `INSERT INTO idempotensi (kunci, sidik, waktu, hasil)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])
           ON CONFLICT (kunci) DO UPDATE SET sidik = excluded.sidik, waktu = excluded.waktu, hasil = excluded.hasil`,
    values: [
      catatan.map(([kunci]) => kunci),
      catatan.map(([, c]) => c.sidik),
      catatan.map(([, c]) => c.waktu),
      catatan.map(([, c]) => JSON.stringify(c.hasil)),
    ],
  });
}

/** How many unexpired keys each of `clients` has stored. */
export async function countKeysPerClient(
  client: pg.ClientBase,
  clients: readonly string[],
  sekarang: Date,
): Promise<Map<string, number>> {
  const { rows } = await client.query<{ client: string; jumlah: string }>({
    name: 'hitung_idempotensi_client',
    text: `SELECT client, count(*) AS jumlah FROM idempotensi
           WHERE client = ANY($1) AND waktu >= $2 GROUP BY client`,
    values: [[...new Set(clients)], new Date(sekarang.getTime() - IDEMPOTENCY_KEY_TTL_MS)],
  });
  return new Map(rows.map((row) => [row.client, Number(row.jumlah)]));
}
