// npm run migrate: applies the PostgreSQL migrations (DATABASE_URL) the database has not seen yet, and says which.
// The server applies them at start too; this is for deployments that prepare the schema before the app rolls out.
import pg from 'pg';
import { runMigrations } from '../store/postgres';
import { answerHelp, databaseUrlFromEnv, exitWithUsage, report } from './command';

const USAGE = 'npm run migrate   (DATABASE_URL: database yang skemanya diperbarui)';
answerHelp(USAGE);
if (process.argv.length > 2) exitWithUsage(USAGE);

report(
  (async () => {
    const pool = new pg.Pool({ connectionString: databaseUrlFromEnv(), max: 1 });
    try {
      const applied = await runMigrations(pool);
      return applied.length > 0 ? `diterapkan: ${applied.join(', ')}` : 'skema sudah terbaru';
    } finally {
      await pool.end();
    }
  })(),
);
