// How far the heap may grow before a full collection: half of what is live, and at least 32 MB of room (up to
// V8's own 4×), set again from what each full collection leaves.
import v8 from 'node:v8';
import vm from 'node:vm';
import { adaptHeapGrowth, growingPercentFor } from '../src/heap-growth';

const MB = 2 ** 20;
/** The room the growth leaves above what is live. */
const roomFor = (liveBytes: number) => (liveBytes * growingPercentFor(liveBytes)) / 100;

describe('heap growth before a full collection', () => {
  it('leaves a large heap half of what is live, so peak memory stays near it', () => {
    expect(growingPercentFor(64 * MB)).toBe(50);
    expect(roomFor(80 * MB)).toBe(40 * MB);
  });

  it('leaves a smaller heap at least 32 MB of room, so it is not collected every few MB', () => {
    for (const live of [11, 18, 32, 63]) expect(roomFor(live * MB)).toBeGreaterThanOrEqual(32 * MB);
  });

  it('never allows more than 4× what is live, even for a tiny or empty heap', () => {
    expect(growingPercentFor(10 * MB)).toBe(300);
    expect(growingPercentFor(0)).toBe(300);
  });
});

describe('adapting the growth as the heap changes', () => {
  // A real full collection, for the observer to see: gc() from a context made after exposing it.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' }) => void;

  /** A collection (gc() is a full one), then long enough for the observer to have been told: it is, a turn later. */
  async function collect(type: 'full' | 'minor'): Promise<void> {
    if (type === 'full') gc();
    else gc({ type: 'minor' });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('sets it from the old generation each full collection leaves, skips the young ones, and stops', async () => {
    // The worker's own V8 flags are left alone: what would be set is recorded instead.
    const setFlags = jest.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    const seen: { percent: number; liveBytes: number }[] = [];
    const stop = adaptHeapGrowth((growth) => seen.push(growth));
    try {
      await collect('full');
      expect(seen).toHaveLength(1);
      const [first] = seen;
      expect(first?.liveBytes).toBeGreaterThan(MB);
      expect(first?.percent).toBe(growingPercentFor(first?.liveBytes ?? 0));
      // Set only when it differs from the half it starts from.
      const expected = first?.percent === 50 ? [] : [[`--heap-growing-percent=${first?.percent}`]];
      expect(setFlags.mock.calls).toEqual(expected);

      await collect('minor');
      expect(seen).toHaveLength(1);
    } finally {
      stop();
      setFlags.mockRestore();
    }
    await collect('full');
    expect(seen).toHaveLength(1);
  });
});
