// npm run import -- data/nasabah.json: copies a JSON store into PostgreSQL (DATABASE_URL), all or nothing.
import { readFile } from 'node:fs/promises';
import { Buku } from '../store/buku';
import { imporKePostgres } from '../store/postgres/pindah-data';
import { databaseUrlDariLingkungan, jalankanPerintah } from './perintah';

jalankanPerintah('npm run import -- <berkas.json>', async (berkas) => {
  const buku = Buku.dariTeks(await readFile(berkas, 'utf8'));
  const { nasabah, mutasi } = await imporKePostgres(databaseUrlDariLingkungan(), buku);
  return `diimpor: ${nasabah} nasabah, ${mutasi} mutasi dari ${berkas}`;
});
