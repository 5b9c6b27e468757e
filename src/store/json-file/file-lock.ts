// The lock on the data file (proper-lockfile), held across every read-modify-write so that a second server
// process on the same file can neither lose our update nor have its own lost.
import { setTimeout } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { errorCode } from '../error-code';

export interface FileLock {
  /**
   * Takes the lock, waiting while another process holds it: long enough to outwait a crashed owner's stale lock,
   * in short steps (at most 10 ms apart, so that a peer's pause between its sessions, 15 ms, is never missed) so a
   * busy peer costs little latency. Any other failure (a read-only or full disk) is final at
   * once; retrying would only make every request wait for the same answer. Resolves with the release.
   */
  acquire(): Promise<() => Promise<void>>;
  /** Whether another process took the lock over since it was acquired (we were too slow to refresh it). */
  isCompromised(): boolean;
}

export function createFileLock(
  file: string,
  { staleMs, onCompromised }: { staleMs: number; onCompromised?: ((error: Error) => void) | undefined },
): FileLock {
  let isCompromised = false;
  const lockOptions: lockfile.LockOptions = {
    // The path is already resolved (symlinks followed) by the store.
    realpath: false,
    stale: staleMs,
    // Reported, not thrown: it happens in a timer, where throwing would kill the process.
    onCompromised: (error) => {
      isCompromised = true;
      onCompromised?.(error);
    },
  };

  return {
    async acquire() {
      const deadline = Date.now() + staleMs + 5_000;
      for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 10)) {
        try {
          const release = await lockfile.lock(file, lockOptions);
          isCompromised = false;
          return release;
        } catch (error) {
          if (errorCode(error) !== 'ELOCKED' || Date.now() + pauseMs > deadline) throw error;
          await setTimeout(pauseMs);
        }
      }
    },
    isCompromised: () => isCompromised,
  };
}
