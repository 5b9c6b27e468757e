// The ledger as the data file and its journal (journal.ts) hold it: kept in memory, and read again whenever
// either file's version (inode, size, mtime) is not the one we last read or wrote: a hand edit, another
// process's write, or a write of ours that failed half-way.
import { statSync } from 'node:fs';
import { StorageUnavailable } from '../../domain/errors';
import { fileVersionOf, readWithVersion, type FileVersion } from './atomic-file';
import { DataFileInvalid } from './data-file';
import { journalFileOf, readJournal, replayJournal } from './journal';
import { Ledger } from './ledger';

/** The data file's version and the journal's, as one: the journal's is `-` while there is none. */
type Versions = string;

type State =
  | {
      kind: 'ready';
      ledger: Ledger;
      version: Versions;
      /** The data file's version alone, for a journal append that leaves it as it is. */
      dataVersion: FileVersion;
      /** Where the journal's lines end: 0 when there is none. */
      journalBytes: number;
    }
  /** The file on disk is not one we can read; we answer 503 until its version changes. */
  | { kind: 'broken'; version: Versions | null; remark: string; detail?: string | undefined }
  /** A write may or may not have reached the disk; the next operation must reload before trusting memory. */
  | { kind: 'unknown' };

export interface LedgerState {
  /** The ledger as it is on disk now: memory when the file is unchanged, otherwise a fresh, checked load. */
  current(): Promise<Ledger>;
  /** The ledger last read or written, without looking at the file: for readers while we hold the lock. */
  lastKnown(): Ledger | undefined;
  /**
   * A write of ours is durable: `ledger` is what the file at `version` holds, with the journal's first
   * `journalBytes` (0: the journal is gone).
   */
  written(ledger: Ledger, version: FileVersion, journalBytes: number): void;
  /** A journal append of ours is durable: the journal's lines now end at `journalBytes`. */
  journaled(ledger: Ledger, journalBytes: number): void;
  /** Where the journal's lines end, as last read or written: 0 when there is none (or memory is not trusted). */
  journalBytes(): number;
  /** A write failed: the file may hold the old or the new bytes, so memory is no longer trusted. */
  forget(): void;
  /** Whether the file is still the one last read or written: no hand edit, no other process, since. */
  isUnchanged(): boolean;
}

export function createLedgerState(file: string): LedgerState {
  const journalFile = journalFileOf(file);
  let state: State = { kind: 'unknown' };
  let loading: Promise<void> | null = null;

  function journalVersionNow(): FileVersion {
    // Synchronous on purpose: one cached metadata lookup is far cheaper than a trip through the thread pool.
    const info = statSync(journalFile, { throwIfNoEntry: false });
    return info ? fileVersionOf(info) : '-';
  }

  function versionNow(): Versions | null {
    const info = statSync(file, { throwIfNoEntry: false });
    return info ? `${fileVersionOf(info)}|${journalVersionNow()}` : null;
  }

  async function load(): Promise<void> {
    const read = await readWithVersion(file);
    if (read === null) {
      state = { kind: 'broken', version: null, remark: 'berkas data tidak ditemukan; kembalikan berkasnya' };
      return;
    }
    let version = `${read.version}|-`;
    try {
      // Read after the file: a fold by another process in between shows as a version that moved on, and the
      // caller (current) reads both again.
      const journal = await readJournal(file);
      if (journal !== null) version = `${read.version}|${journal.version}`;
      const ledger = Ledger.parse(read.text);
      if (journal !== null) replayJournal(ledger, journal.entries);
      const journalBytes = journal?.validBytes ?? 0;
      state = { kind: 'ready', ledger, version, dataVersion: read.version, journalBytes };
      // Not awaited: reads and writes go on while it runs (see Ledger.warmUp).
      void ledger.warmUp();
    } catch (error) {
      if (!(error instanceof DataFileInvalid)) throw error;
      const remark = `berkas data tidak valid, perbaiki dulu: ${error.message}`;
      state = { kind: 'broken', version, remark, detail: error.detail };
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
    written(ledger, dataVersion, journalBytes) {
      const version = `${dataVersion}|${journalVersionNow()}`;
      state = { kind: 'ready', ledger, version, dataVersion, journalBytes };
    },
    journaled(ledger, journalBytes) {
      // Only after a durable write of ours, which needs memory trusted; otherwise the next look reads both files.
      if (state.kind !== 'ready') return;
      const { dataVersion } = state;
      state = { ...state, ledger, version: `${dataVersion}|${journalVersionNow()}`, journalBytes };
    },
    journalBytes: () => (state.kind === 'ready' ? state.journalBytes : 0),
    forget() {
      if (state.kind === 'ready') state = { kind: 'unknown' };
    },
    isUnchanged: () => state.kind === 'ready' && state.version === versionNow(),
  };
}
