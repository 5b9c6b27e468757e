// npm run export -- out.json: writes the PostgreSQL store (DATABASE_URL) in the data-file format, atomically.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeDataFile } from '../store/json-file';
import { exportFromPostgres } from '../store/postgres';
import { databaseUrlFromEnv, runFileCommand } from './command';

runFileCommand('npm run export -- <berkas.json>', async (file) => {
  const dataFile = await exportFromPostgres(databaseUrlFromEnv());
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeDataFile(file, dataFile);
  return `diekspor ke ${file}`;
});
