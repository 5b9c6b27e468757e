// A data file with n valid accounts, each with one deposit, written through the data-file format's own encoder;
// optionally one more account with a long history, for the long-history rows (bench/long-history.ts).
import { writeFile } from 'node:fs/promises';
import type { Mutasi, Nasabah } from '../src/domain/schemas';
import { serialiseDataFile } from '../src/store/json-file';

/** The no_rekening of the i-th seeded account: its index, zero-padded to 10 digits. */
export const seededNoRekening = (index: number): string => String(index).padStart(10, '0');

/**
 * The long history's shape, one definition for both stores (bench/postgres-seed.ts builds the same rows in SQL):
 * one entry per second, so every waktu is distinct, and every 4th a debit smaller than the credits before it,
 * so the running saldo never goes below zero.
 */
export const LONG_HISTORY = {
  start: '2026-01-01T00:00:00.000Z',
  stepMs: 1_000,
  debitEvery: 4,
  credit: 10_000,
  debit: 5_000,
} as const;

/** The index-th entry (oldest first) of the long history. */
export function historyEntry(index: number): Mutasi {
  const isDebit = index % LONG_HISTORY.debitEvery === LONG_HISTORY.debitEvery - 1;
  return {
    waktu: new Date(Date.parse(LONG_HISTORY.start) + index * LONG_HISTORY.stepMs).toISOString(),
    kode_transaksi: isDebit ? 'D' : 'C',
    nominal: isDebit ? LONG_HISTORY.debit : LONG_HISTORY.credit,
  };
}

/** The seed's made-up registration data; nik and no_hp are unique because they carry the index. */
const registration = (index: number) => ({
  nama: `Nasabah Uji ${index}`,
  nik: `3201${String(index).padStart(12, '0')}`,
  no_hp: `08${String(index).padStart(10, '0')}`,
});

/**
 * `count` accounts at indexes 0..count-1; with `longHistory` > 0, one more at index `count` holding that many
 * entries. The whole file is built in memory and written once: the encoder writes one line per account.
 */
export async function seedAccounts(dataFile: string, count: number, longHistory = 0): Promise<void> {
  const nasabah = new Map<string, Nasabah>();
  for (let index = 0; index < count; index += 1) {
    nasabah.set(seededNoRekening(index), {
      ...registration(index),
      saldo: 1_000_000,
      mutasi: [{ waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C', nominal: 1_000_000 }],
    });
  }
  if (longHistory > 0) {
    const mutasi = Array.from({ length: longHistory }, (_, index) => historyEntry(index));
    const saldo = mutasi.reduce((sum, m) => sum + (m.kode_transaksi === 'C' ? m.nominal : -m.nominal), 0);
    nasabah.set(seededNoRekening(count), { ...registration(count), saldo, mutasi });
  }
  await writeFile(dataFile, serialiseDataFile({ nasabah, idempotensi: new Map(), otherFields: {} }));
}
