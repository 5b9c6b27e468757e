// How far V8 lets the heap grow past what is live before its next full collection. V8 alone allows up to 4×,
// which at 100,000 accounts (about 80 MB live in the JSON store) put peak RSS at 410-420 MB under load. Half is
// enough there (280-290 MB), but half of a small heap is a few MB: at 1,000 accounts (18 MB live) a full
// collection came every 75 ms and the server spent a quarter of its core on them, a third of its POST
// throughput (BENCHMARKS.md, "Heap growth"). So the room is half of what is live, and never less than
// MIN_HEADROOM_BYTES, set again after each full collection from the heap it left.
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';

const MIN_PERCENT = 50;
const MIN_HEADROOM_BYTES = 32 * 2 ** 20;
/** V8's own ceiling: 4× what is live. */
const MAX_PERCENT = 300;

/** The growth, in percent of what is live, that leaves half of it or MIN_HEADROOM_BYTES, whichever is more. */
export function growingPercentFor(liveBytes: number): number {
  const forHeadroom = Math.ceil((MIN_HEADROOM_BYTES / Math.max(liveBytes, 1)) * 100);
  return Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, forHeadroom));
}

function isFullCollection(entry: PerformanceEntry): boolean {
  // A gc entry's detail ({ kind }) is not in this @types/node's PerformanceEntry.
  const detail: unknown = 'detail' in entry ? entry.detail : undefined;
  return (
    typeof detail === 'object' &&
    detail !== null &&
    'kind' in detail &&
    detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR
  );
}

/**
 * Bounds the growth from now on: half at first, then, after each full collection, from what that collection
 * left. The next limit is then what is live plus half of it or 32 MB, whichever is more, while a large file
 * loads as well as after: never V8's 4× of a large heap. Node warns that a V8 flag
 * changed after start may misbehave; this one is only read when a collection sizes the next heap limit.
 * Returns a function that stops the adjusting.
 */
export function boundHeapGrowth(): () => void {
  let percent = MIN_PERCENT;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isFullCollection)) return;
    // Right after a full collection, what the heap holds is about what is live.
    const next = growingPercentFor(v8.getHeapStatistics().used_heap_size);
    if (next === percent) return;
    percent = next;
    v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
