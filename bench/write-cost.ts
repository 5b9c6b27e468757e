// How one durable write's cost grows with the file: serialising the ledger vs the whole write with fsync.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ledger } from '../src/store/json-file/ledger';
import { openJsonFileStore } from '../src/store/json-file/json-file-store';
import { noRekeningKe, seedAccounts } from './seed';

export interface WriteCost {
  accounts: number;
  fileMb: number;
  loadMs: number;
  serialiseMs: number;
  writeP50Ms: number;
  writeMaxMs: number;
}

/** Seeds a file of `accounts` accounts in `dir`, then times parsing it, serialising it, and 20 single writes. */
export async function measureWriteCost(dir: string, accounts: number): Promise<WriteCost> {
  const dataFile = path.join(dir, `write-cost-${accounts}.json`);
  await seedAccounts(dataFile, accounts);
  const text = await readFile(dataFile, 'utf8');
  const loadStart = performance.now();
  const ledger = Ledger.parse(text);
  const loadMs = performance.now() - loadStart;
  const serialiseStart = performance.now();
  for (let i = 0; i < 5; i += 1) ledger.prepareWrite();
  const serialiseMs = (performance.now() - serialiseStart) / 5;

  const store = await openJsonFileStore(dataFile);
  const writes: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const start = performance.now();
    await store.catatMutasi(noRekeningKe(i % accounts), {
      waktu: new Date().toISOString(),
      kode_transaksi: 'C',
      nominal: 1,
    });
    writes.push(performance.now() - start);
  }
  await store.close();
  writes.sort((a, b) => a - b);
  return {
    accounts,
    fileMb: (await stat(dataFile)).size / 1e6,
    loadMs,
    serialiseMs,
    writeP50Ms: writes[Math.floor(writes.length / 2)] ?? NaN,
    writeMaxMs: writes.at(-1) ?? NaN,
  };
}
