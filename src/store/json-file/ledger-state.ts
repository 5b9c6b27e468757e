// The ledger as the data file and its journals (journal.ts) hold it: kept in memory, and read again whenever
// any of the files' versions (inode, size, mtime) is not the one we last read or wrote: a hand edit, another
// process's write, or a write of ours that failed half-way.
import { statSync } from 'node:fs';
import { StorageUnavailable } from '../../domain/errors';
import { fileVersionOf, readWithVersion, type FileVersion } from './atomic-file';
import { DataFileInvalid } from './data-file';
import { journalFileOf, nextJournalFileOf, readJournal, replayJournal } from './journal';
import { Ledger } from './ledger';

/** The data file's version and the journals', as one: a journal's is `-` while there is none. */
type Versions = string;

/** The journal (the first) or the next one, which takes batches while the first is folded into the file. */
export type JournalRole = 'journal' | 'next';

type State =
  | {
      kind: 'ready';
      ledger: Ledger;
      version: Versions;
      /** The data file's version alone, for a journal append that leaves it as it is. */
      dataVersion: FileVersion;
      /** Where each journal's lines end: 0 when there is none. */
      journalBytes: Record<JournalRole, number>;
      /** The file holds the first journal's batches already (a crash after a fold's rename): it takes no more. */
      isJournalHeld: boolean;
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
   * `journalBytes` (0: the journal is gone) and no next journal (folded: renamed over the first, or gone).
   */
  written(ledger: Ledger, version: FileVersion, journalBytes: number): void;
  /** A journal append of ours is durable: that journal's lines now end at `journalBytes`. */
  journaled(ledger: Ledger, role: JournalRole, journalBytes: number): void;
  /**
   * Where a journal's lines end, as last read or written: 0 when there is none (or memory is not trusted).
   * The first one's by default.
   */
  journalBytes(role?: JournalRole): number;
  /**
   * Whether the journals must be folded into the file before anything more is appended: a next journal left by
   * a fold that did not end, or a first one the file already holds.
   */
  mustFoldFirst(): boolean;
  /** A write failed: the file may hold the old or the new bytes, so memory is no longer trusted. */
  forget(): void;
  /** Whether the file is still the one last read or written: no hand edit, no other process, since. */
  isUnchanged(): boolean;
}

export function createLedgerState(file: string): LedgerState {
  const journalFile = journalFileOf(file);
  const nextJournalFile = nextJournalFileOf(file);
  let state: State = { kind: 'unknown' };
  let loading: Promise<void> | null = null;

  function journalVersionsNow(): string {
    // Synchronous on purpose: a cached metadata lookup is far cheaper than a trip through the thread pool.
    return [journalFile, nextJournalFile]
      .map((journal) => {
        const info = statSync(journal, { throwIfNoEntry: false });
        return info ? fileVersionOf(info) : '-';
      })
      .join('|');
  }

  function versionNow(): Versions | null {
    const info = statSync(file, { throwIfNoEntry: false });
    return info ? `${fileVersionOf(info)}|${journalVersionsNow()}` : null;
  }

  async function load(): Promise<void> {
    const read = await readWithVersion(file);
    if (read === null) {
      state = { kind: 'broken', version: null, remark: 'berkas data tidak ditemukan; kembalikan berkasnya' };
      return;
    }
    let version = `${read.version}|-|-`;
    try {
      // Read after the file, the first before the next: a fold by another process in between shows as a version
      // that moved on, and the caller (current) reads them all again.
      const journal = await readJournal(journalFile);
      const next = await readJournal(nextJournalFile);
      version = [read.version, journal?.version ?? '-', next?.version ?? '-'].join('|');
      const ledger = Ledger.parse(read.text);
      const isJournalHeld = journal !== null && replayJournal(ledger, journal.entries).isHeld;
      if (next !== null) replayJournal(ledger, next.entries);
      const journalBytes = { journal: journal?.validBytes ?? 0, next: next?.validBytes ?? 0 };
      state = { kind: 'ready', ledger, version, dataVersion: read.version, journalBytes, isJournalHeld };
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
      const version = `${dataVersion}|${journalVersionsNow()}`;
      const bytes = { journal: journalBytes, next: 0 };
      state = { kind: 'ready', ledger, version, dataVersion, journalBytes: bytes, isJournalHeld: false };
    },
    journaled(ledger, role, journalBytes) {
      // Only after a durable write of ours, which needs memory trusted; otherwise the next look reads every file.
      if (state.kind !== 'ready') return;
      const version = `${state.dataVersion}|${journalVersionsNow()}`;
      state = { ...state, ledger, version, journalBytes: { ...state.journalBytes, [role]: journalBytes } };
    },
    journalBytes: (role = 'journal') => (state.kind === 'ready' ? state.journalBytes[role] : 0),
    mustFoldFirst: () =>
      state.kind === 'ready' &&
      (state.journalBytes.next > 0 || (state.isJournalHeld && state.journalBytes.journal > 0)),
    forget() {
      if (state.kind === 'ready') state = { kind: 'unknown' };
    },
    isUnchanged: () => state.kind === 'ready' && state.version === versionNow(),
  };
}
