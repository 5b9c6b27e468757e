// Applies the migrations that a database has not seen yet, all or nothing. The advisory lock makes two
// processes that start together take turns: the second finds everything applied and does nothing.
import type { Pool } from 'pg';
import { MIGRATIONS } from './migrations';

/** An arbitrary, fixed key for pg_advisory_xact_lock, shared by every process of this service. */
const KUNCI_MIGRASI = 7_301_846_233;

export async function runMigrations(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [KUNCI_MIGRASI]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (versi text PRIMARY KEY, diterapkan timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ versi: string }>('SELECT versi FROM schema_migrations');
    const sudah = new Set(rows.map((row) => row.versi));
    const diterapkan: string[] = [];
    for (const { versi, sql } of MIGRATIONS) {
      if (sudah.has(versi)) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (versi) VALUES ($1)', [versi]);
      diterapkan.push(versi);
    }
    await client.query('COMMIT');
    return diterapkan;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
