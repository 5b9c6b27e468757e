import fc from 'fast-check';
import type { Mutasi } from '../src/domain/schemas';
import { CHUNK_BYTES, EncodedHistory } from '../src/store/json-file/encoded-history';

const mutasiKe = (index: number): Mutasi => ({
  waktu: new Date(Date.UTC(2026, 0, 1) + Math.floor(index / 3) * 1000).toISOString(),
  kode_transaksi: index % 4 === 3 ? 'D' : 'C',
  nominal: 1_000 + index,
  ...(index % 5 === 0 ? { no_rekening_lawan: '1234567890' } : {}),
});

/** Enough mutasi to fill several chunks, so sealing and every seam between chunks is exercised. */
const PANJANG = Math.ceil((CHUNK_BYTES * 5) / 70);
const semua = Array.from({ length: PANJANG }, (_, index) => mutasiKe(index));

const asText = (history: EncodedHistory) => `[${Buffer.concat(history.arrayBody()).toString('utf8')}]`;

describe('EncodedHistory: an account’s mutasi kept as their JSON bytes', () => {
  it('built by appends or loaded at once, it holds exactly the JSON of the mutasi, in order', () => {
    let appended = EncodedHistory.empty;
    for (const mutasi of semua) appended = appended.append(mutasi);
    const loaded = EncodedHistory.of(semua);
    expect(appended.length).toBe(PANJANG);
    expect(loaded.length).toBe(PANJANG);
    expect(asText(appended)).toBe(JSON.stringify(semua));
    expect(asText(loaded)).toBe(JSON.stringify(semua));
    expect(appended.arrayBody().length).toBeGreaterThan(4);
    expect([...appended.batches()].flat()).toEqual(semua);
    expect(asText(EncodedHistory.empty)).toBe('[]');
  });

  it('an append encodes one mutasi and copies at most the last chunk, never the earlier history', () => {
    let history = EncodedHistory.of(semua);
    const built = { bytes: 0 };
    history = history.append(mutasiKe(PANJANG), built);
    expect(built.bytes).toBeGreaterThan(0);
    expect(built.bytes).toBeLessThanOrEqual(CHUNK_BYTES + 200);
    expect(built.bytes * 4).toBeLessThan(Buffer.concat(history.arrayBody()).length);
  });

  it('is immutable: an append leaves the history it started from as it was', () => {
    const before = EncodedHistory.of(semua.slice(0, 10));
    const after = before.append(mutasiKe(10));
    expect(before.length).toBe(10);
    expect(asText(before)).toBe(JSON.stringify(semua.slice(0, 10)));
    expect(after.length).toBe(11);
  });

  it('walks back from any position, newest first, with each mutasi at its index', () => {
    const history = EncodedHistory.of(semua);
    fc.assert(
      fc.property(fc.nat({ max: PANJANG + 5 }), fc.nat({ max: 300 }), (before, take) => {
        const walked: { position: number; mutasi: Mutasi }[] = [];
        for (const entry of history.newestFirst(before)) {
          if (walked.length === take) break;
          walked.push(entry);
        }
        const end = Math.min(before, PANJANG);
        const expected = semua
          .map((mutasi, position) => ({ position, mutasi }))
          .slice(Math.max(0, end - take), end)
          .reverse();
        expect(walked).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
