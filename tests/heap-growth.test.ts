// How far the heap may grow before a full collection: half of what is live, and never less than 32 MB of room.
import { growingPercentFor } from '../src/heap-growth';

const MB = 2 ** 20;
/** The heap limit the growth gives: what is live plus its percent of it. */
const limitFor = (liveBytes: number) => liveBytes * (1 + growingPercentFor(liveBytes) / 100);

describe('heap growth before a full collection', () => {
  it('leaves a large heap half of what is live, so peak memory stays near it', () => {
    expect(growingPercentFor(80 * MB)).toBe(50);
    expect(limitFor(400 * MB)).toBe(600 * MB);
  });

  it('leaves a small heap at least 32 MB of room, so it is not collected every few MB', () => {
    expect(limitFor(18 * MB)).toBeGreaterThanOrEqual(50 * MB);
    expect(limitFor(32 * MB)).toBeGreaterThanOrEqual(64 * MB);
  });

  it('never allows more than V8 itself does (4× what is live), even for a tiny or empty heap', () => {
    expect(growingPercentFor(1 * MB)).toBe(300);
    expect(growingPercentFor(0)).toBe(300);
  });
});
