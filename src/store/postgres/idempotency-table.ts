// The idempotensi table as every keyed change uses it, inside the change's own transaction: lock the keys, read
// their records, and store first answers in the same commit as the change they answer.
import type pg from 'pg';
import {
  IdempotencyRecord,
  IDEMPOTENCY_KEY_TTL_MS,
  type Idempotency,
  type IdempotencyRecords,
} from '../../domain/idempotency';

/** The idempotency records one transaction sees, for the domain's replay rule (replayOrAdmit, recordAnswer). */
export interface TransactionRecords extends IdempotencyRecords {
  /**
   * Counts a key that replayOrAdmit let through against its client from now on: it will be saved with its
   * change's answer before the transaction commits, so a batch's later new keys see it.
   */
  admit(idempotency: Idempotency): void;
  /** The records saved so far, for insertRecords. */
  readonly newRecords: readonly (readonly [string, IdempotencyRecord])[];
}

/**
 * Locks the idempotency keys of `requests` for the rest of the transaction and reads what the replay rule needs:
 * their records still kept and, for the keys that have none, how many keys their clients store.
 */
export async function lockRecords(
  client: pg.ClientBase,
  requests: readonly Idempotency[],
  now: Date,
): Promise<TransactionRecords> {
  const stored = await lockAndRead(
    client,
    requests.map((request) => request.key),
    now,
  );
  const keyCounts = await countKeysPerClient(
    client,
    requests.filter((request) => !stored.has(request.key)).map((request) => request.client),
    now,
  );
  const newRecords: (readonly [string, IdempotencyRecord])[] = [];
  return {
    newRecords,
    find: (idempotencyKey) => stored.get(idempotencyKey),
    save(idempotencyKey, record) {
      stored.set(idempotencyKey, record);
      newRecords.push([idempotencyKey, record]);
    },
    keyCount: (caller) => keyCounts.get(caller) ?? 0,
    admit({ client: caller }) {
      keyCounts.set(caller, (keyCounts.get(caller) ?? 0) + 1);
    },
  };
}

/**
 * Locks the keys and returns the records that are still kept. Requests with one key take turns, so a retry sees
 * the first one's answer. The keys are locked in sorted order, the same in every process, so two batches that
 * share keys cannot deadlock on them.
 */
async function lockAndRead(
  client: pg.ClientBase,
  idempotencyKeys: readonly string[],
  now: Date,
): Promise<Map<string, IdempotencyRecord>> {
  const sorted = [...new Set(idempotencyKeys)].sort();
  // unnest yields the keys in array order, so the locks are taken in that order.
  await client.query({
    name: 'kunci_idempotensi',
    text: 'SELECT pg_advisory_xact_lock(hashtextextended(kunci, 0)) FROM unnest($1::text[]) AS kunci',
    values: [sorted],
  });
  // A statement after the locks sees every answer committed by whoever held them before.
  const { rows } = await client.query<{ kunci: string; sidik: string; waktu: Date; hasil: unknown }>({
    name: 'baca_idempotensi',
    text: 'SELECT kunci, sidik, waktu, hasil FROM idempotensi WHERE kunci = ANY($1) AND waktu >= $2',
    values: [sorted, new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS)],
  });
  return new Map(
    rows.map(({ kunci, waktu, ...row }) => [
      kunci,
      IdempotencyRecord.parse({ ...row, waktu: waktu.toISOString() }),
    ]),
  );
}

/** Stores first answers, replacing the expired records of the same keys that pruning has not removed yet. */
export async function insertRecords(
  client: pg.ClientBase,
  records: readonly (readonly [string, IdempotencyRecord])[],
): Promise<void> {
  if (records.length === 0) return;
  await client.query({
    name: 'simpan_idempotensi',
    text: `INSERT INTO idempotensi (kunci, sidik, waktu, hasil)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])
           ON CONFLICT (kunci) DO UPDATE SET sidik = excluded.sidik, waktu = excluded.waktu, hasil = excluded.hasil`,
    values: [
      records.map(([idempotencyKey]) => idempotencyKey),
      records.map(([, record]) => record.sidik),
      records.map(([, record]) => record.waktu),
      records.map(([, record]) => JSON.stringify(record.hasil)),
    ],
  });
}

/** How many unexpired keys each of `clients` has stored; no query when there are none to count. */
async function countKeysPerClient(
  client: pg.ClientBase,
  clients: readonly string[],
  now: Date,
): Promise<Map<string, number>> {
  if (clients.length === 0) return new Map();
  const { rows } = await client.query<{ client: string; jumlah: string }>({
    name: 'hitung_idempotensi_client',
    text: `SELECT client, count(*) AS jumlah FROM idempotensi
           WHERE client = ANY($1) AND waktu >= $2 GROUP BY client`,
    values: [[...new Set(clients)], new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS)],
  });
  return new Map(rows.map((row) => [row.client, Number(row.jumlah)]));
}
