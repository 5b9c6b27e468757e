// How one durable write's cost grows with the file: parsing and encoding the whole file vs one write with fsync (which
// re-encodes only the accounts it changed).
import { createTabungan } from '../src/domain/tabungan';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { openJsonFileStore, parseDataFile, serialiseDataFile } from '../src/store/json-file';
import { seededNoRekening, seedAccounts } from './seed';

export interface WriteCost {
  accounts: number;
  fileMb: number;
  loadMs: number;
  encodeMs: number;
  writeP50Ms: number;
  writeMaxMs: number;
}

/** Seeds a file of `accounts` accounts in `dir`, then times parsing it, serialising it, and 20 single writes. */
export async function measureWriteCost(dir: string, accounts: number): Promise<WriteCost> {
  const dataFile = path.join(dir, `write-cost-${accounts}.json`);
  await seedAccounts(dataFile, accounts);
  const text = await readFile(dataFile, 'utf8');
  const loadStart = performance.now();
  const content = parseDataFile(text);
  const loadMs = performance.now() - loadStart;
  const encodeStart = performance.now();
  for (let i = 0; i < 5; i += 1) serialiseDataFile(content);
  const encodeMs = (performance.now() - encodeStart) / 5;

  const store = await openJsonFileStore(dataFile);
  const tabungan = createTabungan({ store, clock: () => new Date() });
  const caller = { client: 'bench', requestId: 'write-cost' };
  const writes: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const start = performance.now();
    await tabungan.tabung({ no_rekening: seededNoRekening(i % accounts), nominal: 1 }, caller);
    writes.push(performance.now() - start);
  }
  await store.close();
  writes.sort((a, b) => a - b);
  return {
    accounts,
    fileMb: (await stat(dataFile)).size / 1e6,
    loadMs,
    encodeMs,
    writeP50Ms: writes[Math.floor(writes.length / 2)] ?? NaN,
    writeMaxMs: writes.at(-1) ?? NaN,
  };
}
