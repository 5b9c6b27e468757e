// The ledger as the data file holds it: kept in memory, and read again whenever the file's version (inode, size,
// mtime) is not the one we last read or wrote: a hand edit, another process's write, or a write of ours that
// failed half-way.
import { statSync } from 'node:fs';
import { StorageUnavailable } from '../../domain/errors';
import { fileVersionOf, readWithVersion, type FileVersion } from './atomic-file';
import { DataFileInvalid } from './data-file';
import { Ledger } from './ledger';

type State =
  | { kind: 'ready'; ledger: Ledger; version: FileVersion }
  /** The file on disk is not one we can read; we answer 503 until its version changes. */
  | { kind: 'broken'; version: FileVersion | null; remark: string; detail?: string | undefined }
  /** A write may or may not have reached the disk; the next operation must reload before trusting memory. */
  | { kind: 'unknown' };

export interface LedgerState {
  /** The ledger as it is on disk now: memory when the file is unchanged, otherwise a fresh, checked load. */
  current(): Promise<Ledger>;
  /** The ledger last read or written, without looking at the file: for readers while we hold the lock. */
  lastKnown(): Ledger | undefined;
  /** A write of ours is durable: `ledger` is what the file at `version` holds. */
  written(ledger: Ledger, version: FileVersion): void;
  /** A write failed: the file may hold the old or the new bytes, so memory is no longer trusted. */
  forget(): void;
  /** Whether the file is still the one last read or written: no hand edit, no other process, since. */
  isUnchanged(): boolean;
}

export function createLedgerState(file: string): LedgerState {
  let state: State = { kind: 'unknown' };
  let loading: Promise<void> | null = null;

  function versionNow(): FileVersion | null {
    // Synchronous on purpose: one cached metadata lookup is far cheaper than a trip through the thread pool.
    const info = statSync(file, { throwIfNoEntry: false });
    return info ? fileVersionOf(info) : null;
  }

  async function load(): Promise<void> {
    const read = await readWithVersion(file);
    if (read === null) {
      state = { kind: 'broken', version: null, remark: 'berkas data tidak ditemukan; kembalikan berkasnya' };
      return;
    }
    try {
      const ledger = Ledger.parse(read.text);
      state = { kind: 'ready', ledger, version: read.version };
      // Not awaited: reads and writes go on while it runs (see Ledger.warmUp).
      void ledger.warmUp();
    } catch (error) {
      if (!(error instanceof DataFileInvalid)) throw error;
      const remark = `berkas data tidak valid, perbaiki dulu: ${error.message}`;
      state = { kind: 'broken', version: read.version, remark, detail: error.detail };
    }
  }

  return {
    async current() {
      // A loop, because a load that was already under way may have read a version that is older by now.
      for (;;) {
        const version = versionNow();
        if (state.kind === 'ready' && state.version === version) return state.ledger;
        if (state.kind === 'broken' && state.version === version) {
          // The detail (a position, or digits masked) goes to the log; the remark alone reaches the client.
          throw new StorageUnavailable(state.remark, { detail: state.detail });
        }
        loading ??= load().finally(() => (loading = null));
        await loading;
      }
    },
    lastKnown: () => (state.kind === 'ready' ? state.ledger : undefined),
    written(ledger, version) {
      state = { kind: 'ready', ledger, version };
    },
    forget() {
      if (state.kind === 'ready') state = { kind: 'unknown' };
    },
    isUnchanged: () => state.kind === 'ready' && state.version === versionNow(),
  };
}
