// Group commit for the JSON store: changes queue while batches are being written, and a write session takes
// them in batches once it holds the file lock, so one fsync serves many requests. One session runs at a time;
// within it, batches may overlap (json-file-store.ts): the next is decided while the one before it is written.
//
// Unlike the PostgreSQL coalescer (../batcher.ts), a batch is taken only once the lock is held, not when it is
// sent: everything that queued while another process held the file joins it.
import { QueueFull, StoreClosing } from '../../domain/errors';
import type { Names, View } from '../../domain/store';

/** A change waiting for the disk: what it names (and its time), its decision, and how its request is answered. */
export interface QueuedChange {
  names: Names;
  /** When it was queued (performance.now()): how long it has waited for a batch. */
  queuedAt: number;
  decide: (view: View) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The queue as a write session sees it. */
export interface Batches {
  /** How many changes wait to be taken. */
  readonly waiting: number;
  /** Takes every change queued so far. */
  take(): QueuedChange[];
  /** Resolves once a change waits to be taken: at once if one does. */
  arrival(): Promise<void>;
  /** Puts changes taken but not decided for good back at the head of the queue, in their order. */
  putBack(changes: readonly QueuedChange[]): void;
  /** Whether a batch taken now is full enough: `count` changes wait, the oldest has waited `ms`, or closing. */
  isGathered(count: number, ms: number): boolean;
  /**
   * Resolves once isGathered(count, ms) holds: at once if it does, or if nothing waits (wait for arrival()
   * first). One waiter at a time: a second call lets the first go, to look again.
   */
  gathered(count: number, ms: number): Promise<void>;
}

/**
 * Writes queued changes, in as many batches as it chooses, holding the file lock for the whole session. Every
 * change it takes must be answered (resolve or reject) before the returned promise settles; what it leaves in
 * the queue, the next session takes.
 */
export type WriteSession = (batches: Batches) => Promise<void>;

export interface WriteQueue {
  /** Queues a change; refused with QueueFull beyond the bound, and with StorageUnavailable once closing. */
  enqueue<T>(names: Names, decide: (view: View) => T): Promise<T>;
  /** Refuses what comes after, and resolves once everything accepted is answered. */
  close(): Promise<void>;
}

export function createWriteQueue(writeSession: WriteSession, maxQueuedChanges: number): WriteQueue {
  const queue: QueuedChange[] = [];
  /** Changes accepted and not answered yet, queued or in a batch: what the bound counts. */
  let unanswered = 0;
  let session: Promise<void> | null = null;
  let isClosed = false;
  let announceArrival: (() => void) | null = null;
  let nextArrival: Promise<void> | null = null;
  let gathering: { count: number; resolve: () => void; timer: NodeJS.Timeout } | null = null;

  function stopGathering(): void {
    if (gathering === null) return;
    clearTimeout(gathering.timer);
    gathering.resolve();
    gathering = null;
  }

  const batches: Batches = {
    get waiting() {
      return queue.length;
    },
    take() {
      // A wait for this batch's changes that lost its race would otherwise keep its timer.
      stopGathering();
      return queue.splice(0);
    },
    putBack: (changes) => queue.unshift(...changes),
    arrival() {
      if (queue.length > 0) return Promise.resolve();
      nextArrival ??= new Promise<void>((resolve) => (announceArrival = resolve));
      return nextArrival;
    },
    isGathered(count, ms) {
      const oldest = queue[0];
      if (oldest === undefined) return false;
      // Once closing, nothing more can come: waiting would only delay the answers close() waits for.
      return isClosed || queue.length >= count || performance.now() - oldest.queuedAt >= ms;
    },
    gathered(count, ms) {
      stopGathering();
      const oldest = queue[0];
      if (oldest === undefined || batches.isGathered(count, ms)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(stopGathering, ms - (performance.now() - oldest.queuedAt));
        gathering = { count, resolve, timer };
      });
    },
  };

  async function drain(): Promise<void> {
    while (queue.length > 0) await writeSession(batches);
  }

  return {
    enqueue<T>(names: Names, decide: (view: View) => T): Promise<T> {
      if (isClosed) return Promise.reject(new StoreClosing());
      // Refused before it queues, so memory stays bounded however fast requests come.
      if (unanswered >= maxQueuedChanges) return Promise.reject(new QueueFull());
      unanswered += 1;
      const answered = new Promise<T>((resolve, reject) => {
        queue.push({
          names,
          queuedAt: performance.now(),
          decide,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        if (gathering !== null && queue.length >= gathering.count) stopGathering();
        announceArrival?.();
        announceArrival = null;
        nextArrival = null;
        session ??= drain().finally(() => (session = null));
      });
      return answered.finally(() => (unanswered -= 1));
    },
    async close() {
      isClosed = true;
      stopGathering();
      await session;
    },
  };
}

export function rejectEach(batch: readonly QueuedChange[], error: unknown): void {
  for (const change of batch) change.reject(error);
}
