// A count per client over the last hour (a sliding window, not a fixed one): "at most N an hour" holds for any
// hour, not only for the clock's.

const HOUR_MS = 3_600_000;

/** When each client's registrations of the last hour happened (in flight ones included), oldest first. */
export function createHourlyCount(now: () => number = Date.now) {
  const times = new Map<string, number[]>();
  const recent = (key: string): number[] => {
    const list = times.get(key) ?? [];
    const cutoff = now() - HOUR_MS;
    while (list.length > 0 && (list[0] ?? 0) <= cutoff) list.shift();
    return list;
  };
  const sweep = setInterval(() => {
    for (const key of times.keys()) if (recent(key).length === 0) times.delete(key);
  }, HOUR_MS / 60);
  sweep.unref();
  return {
    /** Takes a place in the hour and returns 0, or returns the ms until one is free. */
    reserve(key: string, limit: number): number {
      const list = recent(key);
      if (list.length >= limit) return Math.max(1, (list[0] ?? 0) + HOUR_MS - now());
      list.push(now());
      times.set(key, list);
      return 0;
    },
    /** Gives back the newest place: the registration it held did not happen. */
    release(key: string): void {
      times.get(key)?.pop();
    },
    close: () => clearInterval(sweep),
  };
}
