// npm run import -- data/nasabah.json: copies a JSON store into PostgreSQL (DATABASE_URL), all or nothing.
import { readFile } from 'node:fs/promises';
import { parseDataFile } from '../store/json-file';
import { importIntoPostgres } from '../store/postgres';
import { databaseUrlFromEnv, runFileCommand } from './command';

runFileCommand('npm run import -- <berkas.json>', async (file) => {
  const dataFile = parseDataFile(await readFile(file, 'utf8'));
  const { nasabah, mutasi } = await importIntoPostgres(databaseUrlFromEnv(), dataFile);
  return `diimpor: ${nasabah} nasabah, ${mutasi} mutasi dari ${file}`;
});
