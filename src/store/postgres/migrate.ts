// Applies the migrations that a database has not seen yet, all or nothing. The advisory lock makes two
// processes that start together take turns: the second finds everything applied and does nothing.
import type { Pool } from 'pg';
import { MIGRATIONS } from './migrations';
import { withTransaction } from './transaction';

/** An arbitrary, fixed id for pg_advisory_xact_lock, shared by every process of this service. */
const MIGRATION_LOCK_ID = 7_301_846_233;

/** Returns the versions it applied now, in order. */
export function runMigrations(pool: Pool): Promise<string[]> {
  return withTransaction(pool, async (connection) => {
    await connection.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await connection.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (versi text PRIMARY KEY, diterapkan timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await connection.query<{ versi: string }>('SELECT versi FROM schema_migrations');
    const appliedBefore = new Set(rows.map((row) => row.versi));
    const appliedNow: string[] = [];
    for (const { version, sql } of MIGRATIONS) {
      if (appliedBefore.has(version)) continue;
      await connection.query(sql);
      await connection.query('INSERT INTO schema_migrations (versi) VALUES ($1)', [version]);
      appliedNow.push(version);
    }
    return appliedNow;
  });
}
