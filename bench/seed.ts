// Writes a data file with n valid accounts, each with one deposit, in the server's own one-line-per-account form.
import { writeFile } from 'node:fs/promises';

export const noRekeningKe = (i: number): string => String(i).padStart(10, '0');

export async function seedAccounts(dataFile: string, jumlah: number): Promise<void> {
  const baris: string[] = [];
  for (let i = 0; i < jumlah; i += 1) {
    const nasabah = {
      nama: `Nasabah Uji ${i}`,
      nik: `3201${String(i).padStart(12, '0')}`,
      no_hp: `08${String(i).padStart(10, '0')}`,
      saldo: 1_000_000,
      mutasi: [{ waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C', nominal: 1_000_000 }],
    };
    baris.push(`    ${JSON.stringify(noRekeningKe(i))}: ${JSON.stringify(nasabah)}`);
  }
  await writeFile(dataFile, `{\n  "nasabah": {\n${baris.join(',\n')}\n  }\n}\n`);
}
