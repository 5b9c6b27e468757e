// npm run migrate: applies the PostgreSQL migrations (DATABASE_URL) the database has not seen yet, and says which.
// The server applies them at start too; this is for deployments that prepare the schema before the app rolls out.
import pg from 'pg';
import { jalankanMigrasi } from '../store/postgres/migrate';
import { databaseUrlDariLingkungan, keluarDenganPemakaian, laporkan } from './perintah';

if (process.argv.length > 2) keluarDenganPemakaian('npm run migrate');

laporkan(
  (async () => {
    const pool = new pg.Pool({ connectionString: databaseUrlDariLingkungan(), max: 1 });
    try {
      const diterapkan = await jalankanMigrasi(pool);
      return diterapkan.length > 0 ? `diterapkan: ${diterapkan.join(', ')}` : 'skema sudah terbaru';
    } finally {
      await pool.end();
    }
  })(),
);
