// Group commit for the JSON store: changes queue while a batch is being written, and the next batch takes all of
// them once it holds the file lock, so one fsync serves many requests. One batch is written at a time.
//
// Unlike the PostgreSQL coalescer (../batcher.ts), a batch is taken only once the lock is held, not when it is
// sent: everything that queued while another process held the file joins it.
import { QueueFull, StoreClosing } from '../../domain/errors';
import type { Names, View } from '../../domain/store';

/** A change waiting for the disk: what it names (and its time), its decision, and how its request is answered. */
export interface QueuedChange {
  names: Names;
  decide: (view: View) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes one batch. `takeBatch` hands over every change queued so far; call it once the file lock is held. Each
 * change must be answered (resolve or reject) before the returned promise settles.
 */
export type WriteBatch = (takeBatch: () => QueuedChange[]) => Promise<void>;

export interface WriteQueue {
  /** Queues a change; refused with QueueFull beyond the bound, and with StorageUnavailable once closing. */
  enqueue<T>(names: Names, decide: (view: View) => T): Promise<T>;
  /** Refuses what comes after, and resolves once everything accepted is answered. */
  close(): Promise<void>;
}

export function createWriteQueue(writeBatch: WriteBatch, maxQueuedChanges: number): WriteQueue {
  const queue: QueuedChange[] = [];
  /** Changes in the batch being written: they count against the bound until answered. */
  let inBatch = 0;
  let writing: Promise<void> | null = null;
  let isClosed = false;

  function takeBatch(): QueuedChange[] {
    const batch = queue.splice(0);
    inBatch = batch.length;
    return batch;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      await writeBatch(takeBatch);
      inBatch = 0;
    }
  }

  return {
    enqueue<T>(names: Names, decide: (view: View) => T): Promise<T> {
      if (isClosed) return Promise.reject(new StoreClosing());
      // Refused before it queues, so memory stays bounded however fast requests come.
      if (queue.length + inBatch >= maxQueuedChanges) return Promise.reject(new QueueFull());
      return new Promise<T>((resolve, reject) => {
        queue.push({ names, decide, resolve: resolve as (value: unknown) => void, reject });
        writing ??= drain().finally(() => (writing = null));
      });
    },
    async close() {
      isClosed = true;
      await writing;
    },
  };
}

export function rejectEach(batch: readonly QueuedChange[], error: unknown): void {
  for (const change of batch) change.reject(error);
}
