// What the import and export commands share: one file argument, DATABASE_URL, and a plain message on failure.
import { loadConfig } from '../config';

export function databaseUrlDariLingkungan(): string {
  const { DATABASE_URL } = loadConfig();
  if (DATABASE_URL === undefined)
    throw new Error('DATABASE_URL wajib diisi, contoh: postgres://tabungan:tabungan@127.0.0.1:5432/tabungan');
  return DATABASE_URL;
}

export function jalankanPerintah(pemakaian: string, kerja: (args: [string]) => Promise<string>): void {
  const [berkas, ...lebih] = process.argv.slice(2);
  if (berkas === undefined || lebih.length > 0) {
    console.error(`pemakaian: ${pemakaian}`);
    process.exit(2);
  }
  kerja([berkas]).then(
    (pesan) => {
      console.log(pesan);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exit(1);
    },
  );
}
