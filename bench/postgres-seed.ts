// Seeds PostgreSQL for the bench: the same accounts as bench/seed.ts makes for the JSON file, in bulk.
import pg from 'pg';
import { runMigrations } from '../src/store/postgres';

/**
 * A fresh schema in `databaseUrl` seeded with `accounts` accounts (made in bulk by generate_series); returns a
 * URL whose connections use that schema.
 */
export async function seedPostgres(databaseUrl: string, accounts: number): Promise<string> {
  const schema = `bench_${accounts}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  try {
    await runMigrations(pool);
    await pool.query(
      `INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo)
       SELECT lpad(i::text, 10, '0'), 'Nasabah Uji ' || i, '3201' || lpad(i::text, 12, '0'),
              '08' || lpad(i::text, 10, '0'), 1000000
       FROM generate_series(0, $1::int - 1) AS i`,
      [accounts],
    );
    await pool.query(
      `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
       SELECT lpad(i::text, 10, '0'), '2026-11-29T00:00:00Z', 'C', 1000000 FROM generate_series(0, $1::int - 1) AS i`,
      [accounts],
    );
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
  return url.toString();
}
