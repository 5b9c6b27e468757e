// One transaction on a connection of its own, written once for every PostgreSQL caller: BEGIN, the work, COMMIT;
// on any failure ROLLBACK, so the connection goes back to the pool clean.
import type pg from 'pg';

/**
 * Runs `work` in one transaction and returns what it returns, once committed. `begin` may ask for an isolation
 * level or access mode (an export reads one snapshot). A failure rolls back and is rethrown as it came.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (connection: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const connection = await pool.connect();
  try {
    await connection.query(begin);
    const result = await work(connection);
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}
