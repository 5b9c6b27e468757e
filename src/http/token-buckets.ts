// Token buckets per client: each refills at a steady rate up to its burst, a request takes a token, and work
// that costs more than a request (a long history) is charged as it is done. A bucket that has refilled is the
// same as a new one, so it is dropped: memory follows the callers of the last few seconds, not all of them.

/** How fast a client's budget refills, and how much of it may be spent at once. */
export interface Rate {
  perSecond: number;
  burst: number;
}

export interface TokenBuckets {
  /** Takes `cost` tokens if the bucket holds them and returns 0; otherwise takes nothing and returns the ms to wait. */
  take(key: string, rate: Rate, cost?: number): number;
  /** Takes `cost` tokens even into debt: for work already done, which the client's next requests wait out. */
  charge(key: string, rate: Rate, cost: number): void;
  /** Ms until the bucket is out of debt; 0 when it is not in debt. */
  debtMs(key: string, rate: Rate): number;
  /** Stops the sweep; for tests and shutdown. */
  close(): void;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** When it will be full again, and so indistinguishable from a bucket that was never used. */
  fullAt: number;
}

export function createTokenBuckets(
  now: () => number = () => performance.now(),
  sweepMs = 10_000,
): TokenBuckets {
  const buckets = new Map<string, Bucket>();

  function refilled(key: string, rate: Rate): Bucket {
    const at = now();
    const bucket = buckets.get(key);
    if (bucket === undefined) {
      const fresh = { tokens: rate.burst, updatedAt: at, fullAt: at };
      buckets.set(key, fresh);
      return fresh;
    }
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((at - bucket.updatedAt) * rate.perSecond) / 1000);
    bucket.updatedAt = at;
    return bucket;
  }

  function spend(bucket: Bucket, rate: Rate, cost: number): void {
    bucket.tokens -= cost;
    bucket.fullAt = bucket.updatedAt + ((rate.burst - bucket.tokens) * 1000) / rate.perSecond;
  }

  const msUntil = (bucket: Bucket, rate: Rate, tokens: number) =>
    Math.max(0, Math.ceil(((tokens - bucket.tokens) * 1000) / rate.perSecond));

  const sweep = setInterval(() => {
    const at = now();
    for (const [key, bucket] of buckets) if (bucket.fullAt <= at) buckets.delete(key);
  }, sweepMs);
  sweep.unref();

  return {
    take(key, rate, cost = 1) {
      const bucket = refilled(key, rate);
      if (bucket.tokens < cost) return Math.max(1, msUntil(bucket, rate, cost));
      spend(bucket, rate, cost);
      return 0;
    },
    charge(key, rate, cost) {
      spend(refilled(key, rate), rate, cost);
    },
    debtMs(key, rate) {
      return msUntil(refilled(key, rate), rate, 0);
    },
    close() {
      clearInterval(sweep);
    },
  };
}
