// How far V8 lets the old generation grow past what is live before its next full collection. V8 alone allows up
// to 4× on a large host, which at 100,000 accounts (about 80 MB live in the JSON store) put peak RSS at 410-420
// MB under load. Half is enough there (280-290 MB), but half of a small heap is a few MB: at 1,000 accounts
// (18 MB live) a full collection came every 75 ms and took a quarter of the core, and POST throughput rose by a
// fifth to a quarter once it had room (BENCHMARKS.md, "Heap growth"). So the room is half of what is live or
// MIN_HEADROOM_BYTES, whichever is more, up to V8's own 4× (which a heap under 11 MB reaches first).
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';

const MIN_PERCENT = 50;
const MIN_HEADROOM_BYTES = 32 * 2 ** 20;
/** V8's own ceiling on a host with a heap limit of 2 GB or more; a smaller host's V8 would allow less. */
const MAX_PERCENT = 300;
/** The young generation's spaces: V8 applies the growth to the old generation only. */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);

/** The growth, in percent of the old generation's live bytes, that leaves the room described above. */
export function growingPercentFor(liveBytes: number): number {
  const forHeadroom = Math.ceil((MIN_HEADROOM_BYTES / Math.max(liveBytes, 1)) * 100);
  return Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, forHeadroom));
}

/** Bytes in use in the old generation now: right after a full collection, about what is live there. */
function oldGenerationBytes(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((space) => !YOUNG_SPACES.has(space.space_name))
    .reduce((total, space) => total + space.space_used_size, 0);
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

function setGrowingPercent(percent: number): void {
  // Node warns that a V8 flag changed after start may misbehave; this one is read only when a collection sizes
  // the next limit.
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** Half, before anything is loaded: a large file then loads with the growth it always had. */
export function limitHeapGrowth(): void {
  setGrowingPercent(MIN_PERCENT);
}

/**
 * From now on (once the store is loaded), after each full collection, sets the growth from the old generation
 * it left; told to `onFullCollection` each time. V8 sizes a limit inside the collection, before this runs, so a
 * new growth applies from the collection after. Returns a function that stops the adjusting.
 */
export function adaptHeapGrowth(
  onFullCollection: (growth: { percent: number; liveBytes: number }) => void,
): () => void {
  let percent = MIN_PERCENT;
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some(isFullCollection)) return;
    const liveBytes = oldGenerationBytes();
    const next = growingPercentFor(liveBytes);
    if (next !== percent) setGrowingPercent(next);
    percent = next;
    onFullCollection({ percent, liveBytes });
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
