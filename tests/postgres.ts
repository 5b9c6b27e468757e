// A real PostgreSQL server for the tests (TEST_DATABASE_URL, started by .ci/run). Each test file works in a
// schema of its own, so files running in parallel never see each other's rows.
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
/** CI always provides the database, so there a missing URL fails the run instead of skipping it. */
export const adaPostgres = TEST_DATABASE_URL !== undefined || process.env.CI === 'true';

/** A fresh, empty schema; returns a URL whose connections use it (the store's migrations fill it). */
export async function skemaBaru(nama: string): Promise<string> {
  const url = TEST_DATABASE_URL ?? '';
  const skema = `uji_${nama}_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${skema} CASCADE`);
    await pool.query(`CREATE SCHEMA ${skema}`);
  } finally {
    await pool.end();
  }
  const denganSkema = new URL(url);
  denganSkema.searchParams.set('options', `-c search_path=${skema}`);
  return denganSkema.toString();
}
