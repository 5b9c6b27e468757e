// Appending to a long history on the JSON file store: what a write encodes or copies does not grow with it.
import { readFile } from 'node:fs/promises';
import type { Mutasi } from '../src/domain/schemas';
import { openJsonFileStore, parseDataFile, writeDataFile } from '../src/store/json-file';
import { CHUNK_BYTES } from '../src/store/json-file/encoded-history';
import { tempDataFile } from './helpers';
import { useCases } from './use-cases';

const PANJANG = 50_000;
const mutasiKe = (index: number): Mutasi => ({
  waktu: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
  kode_transaksi: 'C',
  nominal: 1_000,
});
const nasabah = (index: number, mutasi: Mutasi[]) => ({
  nama: `Nasabah ${index}`,
  nik: `32015500000000${String(index).padStart(2, '0')}`,
  no_hp: `0812550000${String(index).padStart(2, '0')}`,
  saldo: mutasi.length * 1_000,
  mutasi,
});

describe('JSON file store: a write into a long history', () => {
  it('encodes and copies about what a write into a short one does, not the history', async () => {
    const dataFile = await tempDataFile();
    const accounts = new Map([
      ['5500000000', nasabah(0, [mutasiKe(0)])],
      [
        '5500000001',
        nasabah(
          1,
          Array.from({ length: PANJANG }, (_, index) => mutasiKe(index)),
        ),
      ],
      ['5500000002', nasabah(2, [mutasiKe(0), mutasiKe(1)])],
    ]);
    await writeDataFile(dataFile, { nasabah: accounts, idempotensi: new Map(), otherFields: {} });
    const writes: { bytes: number; builtBytes: number }[] = [];
    const store = await openJsonFileStore(dataFile, { onWrite: (write) => writes.push(write) });
    try {
      const bank = useCases(store, { clock: () => new Date('2027-01-01T00:00:00.000Z') });
      // The first write after loading joins every block of lines once; the writes measured come after it.
      await bank.tabung('5500000000', 5);
      await bank.tabung('5500000002', 5);
      await bank.tabung('5500000001', 5);
      const [, short, long] = writes;
      if (short === undefined || long === undefined) throw new Error('three writes expected');

      const historyBytes = JSON.stringify(accounts.get('5500000001')?.mutasi).length;
      expect(long.bytes).toBeGreaterThan(historyBytes);
      expect(long.builtBytes).toBeLessThanOrEqual(short.builtBytes + CHUNK_BYTES);
      expect(long.builtBytes * 50).toBeLessThan(historyBytes);

      const onDisk = parseDataFile(await readFile(dataFile, 'utf8')).nasabah;
      expect(onDisk.get('5500000001')?.mutasi).toHaveLength(PANJANG + 1);
      expect(onDisk.get('5500000001')?.mutasi.at(-1)).toMatchObject({
        waktu: '2027-01-01T00:00:00.000Z',
        kode_transaksi: 'C',
        nominal: 5,
        client: 'open',
      });
      expect(onDisk.get('5500000001')?.saldo).toBe(PANJANG * 1_000 + 5);
      expect(onDisk.get('5500000002')?.mutasi).toHaveLength(3);
    } finally {
      await store.close();
    }
  });
});
