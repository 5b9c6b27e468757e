// npm run export -- out.json: writes the PostgreSQL store (DATABASE_URL) in the data-file format, atomically.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../store/json-file/atomic-file';
import { exportFromPostgres } from '../store/postgres/transfer-data';
import { databaseUrlFromEnv, runFileCommand } from './command';

runFileCommand('npm run export -- <berkas.json>', async (berkas) => {
  const buku = await exportFromPostgres(databaseUrlFromEnv());
  await mkdir(path.dirname(path.resolve(berkas)), { recursive: true });
  await writeAtomic(berkas, buku.prepareWrite().isi);
  return `diekspor ke ${berkas}`;
});
