// A data file with n valid accounts, each with one deposit, written through the data-file format's own encoder.
import { writeFile } from 'node:fs/promises';
import type { Nasabah } from '../src/domain/schemas';
import { serialiseDataFile } from '../src/store/json-file';

/** The no_rekening of the i-th seeded account: its index, zero-padded to 10 digits. */
export const seededNoRekening = (index: number): string => String(index).padStart(10, '0');

export async function seedAccounts(dataFile: string, count: number): Promise<void> {
  const nasabah = new Map<string, Nasabah>();
  for (let index = 0; index < count; index += 1) {
    nasabah.set(seededNoRekening(index), {
      nama: `Nasabah Uji ${index}`,
      nik: `3201${String(index).padStart(12, '0')}`,
      no_hp: `08${String(index).padStart(10, '0')}`,
      saldo: 1_000_000,
      mutasi: [{ waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C', nominal: 1_000_000 }],
    });
  }
  await writeFile(dataFile, serialiseDataFile({ nasabah, idempotensi: new Map(), otherFields: {} }));
}
