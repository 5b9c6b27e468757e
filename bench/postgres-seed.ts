// Seeds PostgreSQL for the bench: the same accounts as bench/seed.ts makes for the JSON file, in bulk.
import pg from 'pg';
import { runMigrations } from '../src/store/postgres';
import { LONG_HISTORY, seededNoRekening } from './seed';

/**
 * A fresh schema in `databaseUrl` seeded with `accounts` accounts (made in bulk by generate_series); returns a
 * URL whose connections use that schema. With `longHistory` > 0, one more account at index `accounts` holds
 * that many mutasi, the same rows bench/seed.ts's historyEntry makes.
 */
export async function seedPostgres(databaseUrl: string, accounts: number, longHistory = 0): Promise<string> {
  const schema = longHistory > 0 ? `bench_${accounts}_long_${longHistory}` : `bench_${accounts}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await runMigrations(pool);
    // The long-history account is registered with the others (saldo 0 until its history is in).
    const registered = longHistory > 0 ? accounts + 1 : accounts;
    await pool.query(
      `INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo)
       SELECT lpad(i::text, 10, '0'), 'Nasabah Uji ' || i, '3201' || lpad(i::text, 12, '0'),
              '08' || lpad(i::text, 10, '0'), CASE WHEN i < $1::int THEN 1000000 ELSE 0 END
       FROM generate_series(0, $2::int - 1) AS i`,
      [accounts, registered],
    );
    await pool.query(
      `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
       SELECT lpad(i::text, 10, '0'), '2026-11-29T00:00:00Z', 'C', 1000000 FROM generate_series(0, $1::int - 1) AS i`,
      [accounts],
    );
    if (longHistory > 0) await seedLongHistory(pool, accounts, longHistory);
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
  return url.toString();
}

/** The history in one statement, inserted oldest first so ids (a page's order) follow waktu; then its saldo. */
async function seedLongHistory(pool: pg.Pool, index: number, length: number): Promise<void> {
  const noRekening = seededNoRekening(index);
  const { start, stepMs, debitEvery, credit, debit } = LONG_HISTORY;
  await pool.query(
    `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
     SELECT $1, $2::timestamptz + i * $3::int * interval '1 millisecond',
            CASE WHEN i % $4::int = $4::int - 1 THEN 'D' ELSE 'C' END,
            CASE WHEN i % $4::int = $4::int - 1 THEN $5::bigint ELSE $6::bigint END
     FROM generate_series(0, $7::int - 1) AS i ORDER BY i`,
    [noRekening, start, stepMs, debitEvery, debit, credit, length],
  );
  await pool.query(
    `UPDATE nasabah SET saldo = (
       SELECT sum(CASE WHEN kode_transaksi = 'C' THEN nominal ELSE -nominal END) FROM mutasi WHERE no_rekening = $1
     ) WHERE no_rekening = $1`,
    [noRekening],
  );
}
