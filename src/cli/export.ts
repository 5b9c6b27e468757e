// npm run export -- out.json: writes the PostgreSQL store (DATABASE_URL) in the data-file format, atomically.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { tulisAtomik } from '../store/atomic-file';
import { eksporDariPostgres } from '../store/postgres/pindah-data';
import { databaseUrlDariLingkungan, jalankanPerintah } from './perintah';

jalankanPerintah('npm run export -- <berkas.json>', async (berkas) => {
  const buku = await eksporDariPostgres(databaseUrlDariLingkungan());
  await mkdir(path.dirname(path.resolve(berkas)), { recursive: true });
  await tulisAtomik(berkas, buku.siapkanTulisan().isi);
  return `diekspor ke ${berkas}`;
});
