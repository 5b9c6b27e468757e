// npm run import -- data/nasabah.json: copies a JSON store into PostgreSQL (DATABASE_URL), all or nothing.
import { readFile } from 'node:fs/promises';
import { Ledger } from '../store/json-file/ledger';
import { importIntoPostgres } from '../store/postgres/transfer-data';
import { databaseUrlFromEnv, runFileCommand } from './command';

runFileCommand('npm run import -- <berkas.json>', async (berkas) => {
  const buku = Ledger.parse(await readFile(berkas, 'utf8'));
  const { nasabah, mutasi } = await importIntoPostgres(databaseUrlFromEnv(), buku);
  return `diimpor: ${nasabah} nasabah, ${mutasi} mutasi dari ${berkas}`;
});
