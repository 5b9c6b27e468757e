// The embedded store: one JSON file, made safe for parallel requests, several processes and hand edits.
//
// Every change follows the same path, in batches (group commit, write-queue.ts), a session of batches at a time:
//   lock the file (file-lock.ts) → reload it and its journals if anyone changed them (ledger-state.ts) → for
//   each batch: decide the queued changes on a draft (draft.ts) and apply it to the ledger in memory → a lone
//   change: temp file + fsync → (once the batch before it is durable) rename + directory fsync (atomic-file.ts);
//   several: (once the batch before it is durable) an append to the journal + fdatasync (journal.ts) → readers
//   see it → answer → unlock; a session that ends for want of work first folds the journal into the file.
// The next batch is decided (and a lone change's temp file written) while the one before it is still being
// written, so the core is not idle while the disk works; renames and appends stay in order. Once the journal
// holds FOLD_JOURNAL_BYTES, it is folded into the file while batches go on: the file is rendered in turns of the
// event loop and written beside it, the batches meanwhile go to the next journal, and the file's rename takes its
// turn between two appends. The lock is held across the whole session, so a second server process on the same
// file can neither lose our update nor have its own lost.
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { NotDecided, StorageUnavailable } from '../../domain/errors';
import { expiryCutoff } from '../../domain/idempotency';
import type { HistoryPage, Names, Rentang, Store, View } from '../../domain/store';
import { createBatchView, type BatchChanges } from '../batch-view';
import { MAX_QUEUED_CHANGES } from '../defaults';
import { errorCode } from '../error-code';
import { commitTemp, discardTemp, writeTemp, type FileSystem, type WrittenTemp } from './atomic-file';
import { CommittedEntries } from './committed-entries';
import { DataFileInvalid } from './data-file';
import { createFileLock } from './file-lock';
import { prepareDataFile, resolveSymlink, tightenMode } from './file-setup';
import { Draft } from './draft';
import { filterBatches, historyPageOf } from './history-pages';
import { createJournalWriter, encodeJournalEntry, journalFileOf, nextJournalFileOf } from './journal';
import type { Ledger, PendingWrite } from './ledger';
import { createLedgerState, type JournalRole } from './ledger-state';
import { createWriteQueue, rejectEach, type Batches, type QueuedChange } from './write-queue';

export interface JsonFileStoreOptions {
  /**
   * After this long without a refresh, another process may take our lock over. It must stay well above the
   * slowest write (see BENCHMARKS.md), and it bounds how long a crashed process's lock blocks a restart.
   */
  staleMs?: number;
  /** Where lock trouble is reported; it can happen in a timer, where throwing would kill the process. */
  onLockCompromised?: (error: Error) => void;
  /** Told after every durable write (WriteReport). */
  onWrite?: (write: WriteReport) => void;
  /**
   * Told when the journal could not be folded into the file (a full disk, say): nothing is lost, the journals
   * keep every batch and the next batch's reload folds them again first, but the file alone is behind until then.
   */
  onFoldFailed?: (error: Error) => void;
  /** The platform's file calls (rename, directory fsync); tests pass fakes to play Windows or macOS. */
  fileSystem?: FileSystem;
  /** Told when the file was readable by others at start and has been made owner-only (0600). */
  onModeTightened?: (change: { file: string; mode: string }) => void;
  /** Changes that may wait for the disk at once; beyond it a change is refused with QueueFull. */
  maxQueuedChanges?: number;
  /** How long a batch may wait for as many changes as the last one answered (GATHER_MS unless given). */
  gatherMs?: number;
  /** How many bytes the journal holds before it is folded into the file (FOLD_JOURNAL_BYTES unless given). */
  foldJournalBytes?: number;
}

/**
 * A durable write: where it went (the whole file for a lone change, the journal for a batch of several, or the
 * file again when a session folds its journal in), how many changes it carried, its size, how many of its bytes
 * it had to encode or copy anew (the rest it reused), and how long it took.
 */
export interface WriteReport {
  to: 'file' | 'journal' | 'fold';
  changes: number;
  bytes: number;
  builtBytes: number;
  durationMs: number;
}

/** How long a crashed process's lock blocks others, unless configured otherwise (LOCK_STALE_MS). */
export const DEFAULT_LOCK_STALE_MS = 10_000;

/**
 * Batches one session writes before it lets the lock go, so that a second process on the file gets turns; it
 * then waits LOCK_YIELD_MS before taking the lock again, longer than a waiting process's pause between tries.
 * A session that lets the lock go with work waiting leaves its journal as it is: the next one, ours or another
 * process's, appends after it. A second process under full load waits up to about 2 s for its turn.
 */
const SESSION_BATCHES = 96;
/**
 * How much the journal holds before it is folded into the file, while batches go on. Each fold renders and
 * writes the whole file (20 MB at 100,000 accounts, where a batch of 64 changes is 13 kB of journal), so this
 * sets what folding costs the core; it also bounds the journal a restart replays.
 */
const FOLD_JOURNAL_BYTES = 2 * 1024 * 1024;
const LOCK_YIELD_MS = 15;
/**
 * How long a session keeps the lock with nothing to write, for the changes its answers bring back. Taking and
 * letting go of the lock costs a directory made and removed: measured under load, 5 and 9 ms at the median,
 * through an event loop busy with requests, when a batch's own write took 5.
 */
const LINGER_MS = 5;
/**
 * How long it waits with nothing to write while its journal holds batches, before it takes itself for idle and
 * folds the journal in: each fold renders and writes the whole file. Answering a batch of 64 takes the event loop
 * about as long as LINGER_MS, so with that a session under load took itself for idle every few batches: 53 folds
 * in 13 s at 100,000 accounts, 12 with this (BENCHMARKS.md, "A journal").
 */
const FOLD_LINGER_MS = 25;
/** Batches in flight at once: one being renamed in place while the next is written beside it. */
const PIPELINE_DEPTH = 2;
/**
 * How long a batch may wait for as many changes as the last one answered. Its clients come back within a round
 * trip; a batch taken at the first of them writes the whole file for it alone, and the next one again for the
 * rest. Measured pinned, 64 clients, three interleaved runs of 8 s (BENCHMARKS.md, "Batches that gather"):
 * batches of about 25 became 64, and POST /tabung went from 2,750 to 3,040 req/s at 1,000 accounts (+10 %) and
 * from 1,050 to 1,350 at 100,000 (+29 %).
 * A client alone waits only once, after a larger batch: its one change is as many as the last batch it was in.
 */
const GATHER_MS = 3;

/**
 * Whether a change arrives within `ms`. A timer that fires late, after the event loop was busy (a collection, a
 * turn of a fold's rendering), may fire before the requests that came meanwhile are read: they are given one
 * more turn of the loop, or a session under load would take itself for idle and end in a fold.
 */
async function arrivesWithin(batches: Batches, ms: number): Promise<boolean> {
  if (batches.waiting > 0) return true;
  const timeout = new AbortController();
  const timedOut = sleep(ms, false, { signal: timeout.signal }).catch(() => false);
  const arrived = await Promise.race([batches.arrival().then(() => true), timedOut]);
  timeout.abort();
  if (arrived) return true;
  await setImmediate();
  return batches.waiting > 0;
}

/** A promise, and whether it has settled yet, so that a loop can look without waiting. */
interface Watched {
  readonly isDone: boolean;
  readonly done: Promise<void>;
}

function watch(promise: Promise<unknown>): Watched {
  const watched = {
    isDone: false,
    done: promise.then(
      () => void (watched.isDone = true),
      () => void (watched.isDone = true),
    ),
  };
  return watched;
}

/** A batch between its decisions and its answers. */
interface InFlight {
  batch: QueuedChange[];
  /** Each change's answer, given once the batch is durable. */
  answers: (() => void)[];
  /** Resolves once the batch is durable (renamed in place, directory fsynced); rejects if it never will be. */
  durable: Promise<void>;
  /** Its temp file is written and fsynced (or there was nothing to write, or it failed): the next may go. */
  written: Watched;
  settled: Watched;
  /** It goes to the journal, not the file. */
  isJournaled: boolean;
}

/**
 * Why a batch was not written, when nothing of its own failed: the batch before it, on whose state it was
 * decided, was not written, or the file changed under it. Its changes are decided again on what the file holds.
 */
class DecideAgain extends Error {}

/** What the client is told for a failure: a store's own refusal as it is, anything else as a failed write. */
function notDecided(error: unknown): NotDecided {
  if (error instanceof NotDecided) return error;
  const remark = `gagal menyimpan berkas data (${errorCode(error)}), tidak ada yang berubah`;
  return new StorageUnavailable(remark, { cause: error });
}

export async function openJsonFileStore(
  dataFile: string,
  options: JsonFileStoreOptions = {},
): Promise<Store> {
  const file = await resolveSymlink(dataFile);
  const lock = createFileLock(file, {
    staleMs: options.staleMs ?? DEFAULT_LOCK_STALE_MS,
    onCompromised: options.onLockCompromised,
  });
  const ledgerState = createLedgerState(file);
  const queue = createWriteQueue(writeSession, options.maxQueuedChanges ?? MAX_QUEUED_CHANGES);
  const committed = new CommittedEntries();
  /** The batches of the write session that are decided and not yet answered, oldest first. */
  const inFlight: InFlight[] = [];
  /** The journal appends go to, and the next one, which takes them while the first is folded into the file. */
  const journals = {
    journal: createJournalWriter(journalFileOf(file), options.fileSystem),
    next: createJournalWriter(nextJournalFileOf(file), options.fileSystem),
  };
  /**
   * Which journal a batch goes to is known when it is decided: this counts the folds that ended, and a batch
   * decided while one runs goes to the journal of the generation after it, the next one until that fold ends.
   */
  let journalGeneration = 0;
  /** The fold that runs while batches go on, if any. */
  let fold: Promise<void> | null = null;
  /** The journal is being folded into the file: readers keep to memory, as while batches are in flight. */
  let isFolding = false;
  /** Appends and a fold's renames, one at a time and in order, so that each checks the files as the last left them. */
  let diskTurns: Promise<unknown> = Promise.resolve();

  await prepareDataFile(file, lock, options.fileSystem);
  const previousMode = await tightenMode(file);
  if (previousMode !== undefined) options.onModeTightened?.({ file, mode: previousMode });
  try {
    await ledgerState.current();
  } catch (error) {
    // Refuse to start rather than serve (or later overwrite) a file we could not read; it stays untouched.
    // The operator's console may see the detail (a position, or digits masked); clients only ever get the remark.
    if (!(error instanceof StorageUnavailable)) throw error;
    const detail = error.detail === undefined ? '' : ` (${error.detail})`;
    throw new DataFileInvalid(`${file}: ${error.remark}${detail}`, error.detail);
  }

  // A journal left by a process that stopped mid-session (a crash): folded before the first request, so that the
  // file holds everything again, for a reader by hand as for this process.
  if (hasJournal()) await foldAtOpen();

  /** Changes in the last batch written and answered: as many as the next one waits for, up to gatherMs. */
  let lastBatchChanges = 0;
  const gatherMs = options.gatherMs ?? GATHER_MS;
  // Not a finite, sane wait: a batch short of its count would never go, and close() never end.
  if (!(gatherMs >= 0 && gatherMs <= 60_000)) throw new RangeError(`gatherMs out of range: ${gatherMs}`);
  const foldJournalBytes = options.foldJournalBytes ?? FOLD_JOURNAL_BYTES;

  /**
   * One session under the file lock. Each batch is decided on the ledger as the batches before it leave it, and
   * applied there at once (readers see it only once it is durable: `committed`). The next batch is taken once
   * the one before it has its temp file on disk, and once as many changes wait as the last batch answered (or
   * gatherMs passed), so it gathers what came meanwhile instead of going out with one change, and its temp
   * file is written while the one before it is renamed; renames go strictly in order. A
   * batch is answered after its own rename and directory fsync. When one fails, those after it fail too (they
   * were decided on its state) and memory is read again from the file. A session ends after SESSION_BATCHES
   * batches (and no fold running), so that a second process on the file gets its turn.
   */
  async function writeSession(batches: Batches): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await lock.acquire();
    } catch (error) {
      const remark =
        errorCode(error) === 'ELOCKED'
          ? 'berkas data sedang dikunci proses lain; ulangi sebentar lagi'
          : `gagal mengunci berkas data (${errorCode(error)}), tidak ada yang berubah`;
      rejectEach(batches.take(), new StorageUnavailable(remark, { cause: error }));
      return;
    }
    const decideAgain: QueuedChange[] = [];
    let yieldsLock = false;
    try {
      // The state the next batch is decided on: the file's, checked afresh whenever nothing is in flight (a
      // hand edit since the last batch is read first), and while batches are, the state they leave in memory. So
      // too while a fold runs: its rename may be done before the state knows it, and the next append checks the
      // files in its turn after it.
      let ledger: Ledger | undefined;
      let taken = 0;
      let hasFailed = false;
      for (;;) {
        const last = inFlight.at(-1);
        const mayTake =
          !hasFailed && (taken < SESSION_BATCHES || fold !== null) && inFlight.length < PIPELINE_DEPTH;
        const mayStart = mayTake && (last === undefined || last.written.isDone);
        if (mayStart && batches.isGathered(lastBatchChanges, gatherMs)) {
          if (last === undefined) {
            try {
              ledger = (isFolding ? ledgerState.lastKnown() : undefined) ?? (await ledgerState.current());
              // Journals a fold did not finish (a crash, a fold that failed), or one the file holds already (a crash
              // after a fold's rename), are folded before anything is appended after them: a journal never mixes
              // batches the file holds with batches it does not, and no batch goes to the first journal after one
              // went to the next. Any other journal (ours, another process's) takes the next batches as it is.
              if (fold === null && ledgerState.mustFoldFirst()) {
                await foldJournal();
                ledger = await ledgerState.current();
              }
            } catch (error) {
              rejectEach(batches.take(), notDecided(error));
              break;
            }
          }
          if (ledger === undefined) throw new Error('a batch in flight without the ledger it was decided on');
          const started = startBatch(ledger, batches.take(), last?.durable);
          inFlight.push(started);
          taken += 1;
          if (fold === null && started.isJournaled && ledgerState.journalBytes() >= foldJournalBytes) {
            fold = foldWhileWriting(ledger, started.durable);
          }
          continue;
        }
        const oldest = inFlight[0];
        if (oldest === undefined && (!mayTake || batches.waiting === 0)) {
          if (hasFailed) break;
          if (fold !== null) {
            await Promise.race([fold, batches.arrival()]);
            continue;
          }
          if (!(await arrivesWithin(batches, hasJournal() ? FOLD_LINGER_MS : LINGER_MS))) {
            // Nothing came: the work is done once the journal is folded into the file, and batches that come
            // meanwhile go on as under load.
            const known = ledgerState.lastKnown();
            if (!hasJournal() || known === undefined) break;
            fold = foldWhileWriting(known, Promise.resolve());
            continue;
          }
          // A full session with work waiting lets the lock go.
          if (!mayTake) {
            yieldsLock = true;
            break;
          }
          continue;
        }
        // Woken by whichever comes first: the oldest batch settled, or the next one may be taken (the one before
        // it has its temp file, a change arrived, or enough have gathered).
        const wakes = oldest === undefined ? [] : [oldest.settled.done];
        if (mayTake && !mayStart && last !== undefined) wakes.push(last.written.done);
        else if (mayStart && batches.waiting === 0) wakes.push(batches.arrival());
        else if (mayStart) wakes.push(batches.gathered(lastBatchChanges, gatherMs));
        await Promise.race(wakes);
        for (let first = inFlight[0]; first?.settled.isDone === true; first = inFlight[0]) {
          inFlight.shift();
          if (await answer(first, decideAgain)) lastBatchChanges = first.batch.length;
          else hasFailed = true;
        }
      }
      await fold;
      // A full session lets another process, waiting for the lock, take it before this one takes it again; the
      // journal stays for the next session to append to, so that nobody waits for a fold. Otherwise the work is
      // done: whoever takes the lock next, or reads the file by hand, finds everything in the file; after a
      // failure too, from the files as they are (memory was forgotten).
      if (!yieldsLock) await ledgerState.current().then(foldJournal).catch(reportFoldFailure);
    } finally {
      // The lock is not let go while a fold writes under it.
      await fold;
      // Ahead of what queued meanwhile; the next session reads the file again first.
      batches.putBack(decideAgain);
      await closeJournals();
      await release().catch(() => undefined);
    }
    if (yieldsLock) await sleep(LOCK_YIELD_MS);
  }

  /**
   * Decides a batch on `ledger`, applies it there, and starts writing it: a lone change to the file (its temp file
   * at once, its rename once the batch before it, `previous`, is durable), several to the journal (appended once
   * the batch before it is durable).
   */
  function startBatch(ledger: Ledger, batch: QueuedChange[], previous: Promise<void> | undefined): InFlight {
    // Decided on the batch before: if it is not written, neither is this one, and its changes are decided again.
    const before = (previous ?? Promise.resolve()).catch(() => {
      throw new DecideAgain('the batch before was not written');
    });
    let decided: ReturnType<typeof decideBatch>;
    /** How the batch goes to disk: the whole file for a lone change, the journal for several. */
    let write: { to: 'file'; pending: PendingWrite } | { to: 'journal'; line: Buffer } | undefined;
    const started = performance.now();
    try {
      decided = decideBatch(ledger, batch);
      if (decided.draft.hasChanges) {
        // Changes that come together come under load, one batch after another: the journal takes them, and the
        // file is rewritten once it holds FOLD_JOURNAL_BYTES or the load stops. A lone one rewrites the file,
        // which then holds everything,
        // unless the journal holds batches or will: a file newer than its journal would look like a hand edit
        // the journal cannot follow (journal.ts, replayJournal) to a reader between the rename and the removal.
        const isJournalAhead = hasJournal() || fold !== null || inFlight.some((ahead) => ahead.isJournaled);
        write =
          batch.length > 1 || isJournalAhead
            ? { to: 'journal', line: encodeJournalEntry(ledger, decided.draft) }
            : { to: 'file', pending: ledger.prepareWrite(decided.draft) };
      }
    } catch (error) {
      // Nothing was applied to the ledger: the batch fails alone, once the one before it has settled.
      const failed = before.then(() => Promise.reject(error as Error));
      return inFlightBatch(batch, [], failed, Promise.resolve(), false);
    }
    const { draft, answers } = decided;
    // Nothing to write; its answers may still rest on what the batch before wrote (a replayed record).
    if (write === undefined) return inFlightBatch(batch, answers, before, Promise.resolve(), false);
    committed.hold(draft.changedEntries.keys(), ledger);
    const { stored, written } =
      write.to === 'file'
        ? writeToFile(ledger, write.pending, before)
        : appendToJournal(ledger, draft, write.line, before);
    const durable = stored.then((write) => {
      committed.release(draft.changedEntries);
      options.onWrite?.({ ...write, changes: batch.length, durationMs: performance.now() - started });
    });
    return inFlightBatch(batch, answers, durable, written, write.to === 'journal');
  }

  /** What a write put on disk, for onWrite. */
  type Stored = Pick<WriteReport, 'to' | 'bytes' | 'builtBytes'>;

  /**
   * Applies a pending write to the ledger and writes the whole file: the temp file at once, the rename once the
   * batch before it is durable.
   */
  function writeToFile(
    ledger: Ledger,
    pendingWrite: PendingWrite,
    before: Promise<void>,
  ): { stored: Promise<Stored>; written: Promise<unknown> } {
    pendingWrite.apply();
    const written = writeTemp(file, pendingWrite.chunks);
    const stored = (async () => {
      try {
        await before;
      } catch (error) {
        void written.then(
          ({ temp }) => discardTemp(temp),
          () => undefined,
        );
        throw error;
      }
      const version = await commitTemp(file, await written, () => checkStillOurs(ledger), options.fileSystem);
      // Written to the file only while the journal is empty (startBatch): the file alone holds everything.
      ledgerState.written(ledger, version, 0);
      return {
        to: 'file' as const,
        bytes: byteLength(pendingWrite.chunks),
        builtBytes: pendingWrite.builtBytes,
      };
    })();
    return { stored, written };
  }

  /**
   * Applies a batch to the ledger and appends it to the journal once the batch before it is durable: to the next
   * journal while a fold that began before it is still running.
   */
  function appendToJournal(
    ledger: Ledger,
    draft: Draft,
    line: Buffer,
    before: Promise<void>,
  ): { stored: Promise<Stored>; written: Promise<unknown> } {
    ledger.applyDeferred(draft);
    const generation = fold === null ? journalGeneration : journalGeneration + 1;
    const stored = (async () => {
      await before;
      await inDiskTurn(async () => {
        checkStillOurs(ledger);
        const role: JournalRole = generation > journalGeneration ? 'next' : 'journal';
        const at = ledgerState.journalBytes(role);
        await journals[role].append(line, at);
        ledgerState.journaled(ledger, role, at + line.length);
      });
      return { to: 'journal' as const, bytes: line.length, builtBytes: line.length };
    })();
    // Nothing to wait for before the next batch is decided: its append waits for this one's.
    return { stored, written: Promise.resolve() };
  }

  /** Runs `work` once the appends and renames before it are done. */
  function inDiskTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = diskTurns.then(work);
    diskTurns = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Folds the journal into the file while batches go on: the file as `ledger` is now, with every batch the
   * journal will hold (the last of them is `lastJournaled`), rendered in turns and written beside the file, while
   * later batches go to the next journal; then, once the last of the journal's batches is durable, in its turn
   * between two appends, renamed in place, and the next journal renamed over the first. A failure is reported,
   * and memory is read again from the files, which still hold every batch.
   */
  async function foldWhileWriting(ledger: Ledger, lastJournaled: Promise<void>): Promise<void> {
    const started = performance.now();
    isFolding = true;
    try {
      const { pendingWrite, written } = await writeFoldTemp(ledger);
      // The file must not hold a batch its client was refused: it waits for the journal's last one.
      await lastJournaled.catch((error: unknown) => {
        void discardTemp(written.temp);
        throw error;
      });
      await inDiskTurn(async () => {
        const version = await commitTemp(file, written, () => checkStillOurs(ledger), options.fileSystem);
        const nextBytes = ledgerState.journalBytes('next');
        const { journal, next } = journals;
        await journal.close();
        if (!(await next.moveTo(journalFileOf(file)))) await journal.remove();
        journals.journal = next;
        journals.next = createJournalWriter(nextJournalFileOf(file), options.fileSystem);
        journalGeneration += 1;
        // A batch that failed meanwhile had memory forgotten (its answer did): it stays so, to be read again.
        if (ledgerState.lastKnown() === ledger) ledgerState.written(ledger, version, nextBytes);
      });
      reportFold(pendingWrite, started);
    } catch (error) {
      ledgerState.forget();
      await inDiskTurn(renewJournals);
      reportFoldFailure(error);
    } finally {
      isFolding = false;
      fold = null;
    }
  }

  /**
   * Rewrites the file with everything the journals hold, and removes them: with nothing else being written (a
   * session's end, or its start). Throws when either fails, and then memory is read again: the journals still
   * hold every batch (a journal the file holds too, when only the removal failed, changes nothing when
   * replayed), and the next session folds again before it writes.
   */
  async function foldJournal(): Promise<void> {
    const ledger = ledgerState.lastKnown();
    if (ledger === undefined || !hasJournal()) return;
    const started = performance.now();
    isFolding = true;
    try {
      const { pendingWrite, written } = await writeFoldTemp(ledger);
      const version = await commitTemp(file, written, () => checkStillOurs(ledger), options.fileSystem);
      // The first one first: the file holds both, and a next journal left alone by a crash here is one it holds
      // all of, where a first one left alone would hold batches the next one's changed after it.
      await journals.journal.remove();
      await journals.next.remove();
      ledgerState.written(ledger, version, 0);
      reportFold(pendingWrite, started);
    } catch (error) {
      ledgerState.forget();
      await inDiskTurn(renewJournals);
      throw error;
    } finally {
      isFolding = false;
    }
  }

  /**
   * A fold's temp file: the whole file as `ledger` is now, rendered in turns and written beside the file. The
   * rendering is kept at once (the ledger's cached lines), being of the state the ledger has.
   */
  async function writeFoldTemp(
    ledger: Ledger,
  ): Promise<{ pendingWrite: PendingWrite; written: WrittenTemp }> {
    const pendingWrite = await ledger.prepareFold();
    pendingWrite.apply();
    return { pendingWrite, written: await writeTemp(file, pendingWrite.chunks) };
  }

  function reportFold(pendingWrite: PendingWrite, started: number): void {
    options.onWrite?.({
      to: 'fold',
      changes: 0,
      bytes: byteLength(pendingWrite.chunks),
      builtBytes: pendingWrite.builtBytes,
      durationMs: performance.now() - started,
    });
  }

  /**
   * Writers for both journals afresh, after a fold failed part-way: one may still name (or hold open) a file that
   * now has the other's role. In a disk turn, so that no append is cut short; none is made with them until memory
   * is read again (checkStillOurs).
   */
  async function renewJournals(): Promise<void> {
    await closeJournals();
    journals.journal = createJournalWriter(journalFileOf(file), options.fileSystem);
    journals.next = createJournalWriter(nextJournalFileOf(file), options.fileSystem);
  }

  /** Closes both journals' files between sessions; the next append opens them again. */
  async function closeJournals(): Promise<void> {
    await Promise.all([journals.journal.close(), journals.next.close()]).catch(() => undefined);
  }

  /** Whether either journal holds batches the file may not. */
  function hasJournal(): boolean {
    return ledgerState.journalBytes('journal') > 0 || ledgerState.journalBytes('next') > 0;
  }

  /** A fold that failed: reported, not thrown, since every batch the journals hold is answered. */
  function reportFoldFailure(error: unknown): void {
    // A hand edit since the last batch is no failure: the next look reads it, with the journal replayed onto it.
    if (!(error instanceof DecideAgain)) options.onFoldFailed?.(error as Error);
  }

  function inFlightBatch(
    batch: QueuedChange[],
    answers: (() => void)[],
    durable: Promise<void>,
    written: Promise<unknown>,
    isJournaled: boolean,
  ): InFlight {
    return { batch, answers, durable, written: watch(written), settled: watch(durable), isJournaled };
  }

  /**
   * Answers a settled batch's changes; false when it failed, and then memory is read again. A batch that failed
   * only for what happened before it (DecideAgain) is not answered: its changes go to `decideAgain`.
   */
  async function answer(
    { batch, answers, durable }: InFlight,
    decideAgain: QueuedChange[],
  ): Promise<boolean> {
    try {
      await durable;
    } catch (error) {
      // Memory may no longer match the disk (the rename may or may not have happened): read it again.
      ledgerState.forget();
      committed.clear();
      if (error instanceof DecideAgain) decideAgain.push(...batch);
      else rejectEach(batch, notDecided(error));
      return false;
    }
    for (const answerChange of answers) answerChange();
    return true;
  }

  async function foldAtOpen(): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await lock.acquire();
    } catch {
      return; // another process holds the file: its session folds the journal
    }
    try {
      await ledgerState.current();
      await foldJournal();
    } catch (error) {
      // Served all the same: reads see both files, and the first write session folds again before it writes.
      reportFoldFailure(error);
    } finally {
      await closeJournals();
      await release().catch(() => undefined);
    }
  }

  /**
   * Throws before a rename or an append when the file is no longer ours to write from `ledger`: another process
   * took the lock, a hand edit, or a reader has read the files again meanwhile (a hand edit it found), so that
   * `ledger` is no longer the state they hold.
   */
  function checkStillOurs(ledger: Ledger): void {
    if (lock.isCompromised()) {
      throw Object.assign(new Error('lock taken over by another process'), { code: 'ECOMPROMISED' });
    }
    // Replacing it would lose the edit: the batch is decided again, on the edited file.
    if (!ledgerState.isUnchanged() || ledgerState.lastKnown() !== ledger) {
      throw new DecideAgain('the data file was changed while locked');
    }
  }

  /** A batch's decisions on a draft of `ledger`, and each change's answer. */
  function decideBatch(ledger: Ledger, batch: readonly QueuedChange[]) {
    const draft = new Draft(ledger);
    // Expired keys go first, so that they no longer count against their client's limit in this batch; by the
    // batch's earliest time, so that no change in it finds a key gone that is not expired at its own time.
    const earliest = new Date(
      batch.reduce((time, change) => Math.min(time, change.names.now.getTime()), Infinity),
    );
    draft.forgetRecordsBefore(expiryCutoff(earliest));
    const view = createBatchView(
      {
        saldo: (noRekening) => draft.saldo(noRekening),
        // Registrations of this batch are the batch view's to know; the ledger knows the earlier ones.
        isNikTaken: (nik) => ledger.isNikTaken(nik),
        isNoHpTaken: (noHp) => ledger.isNoHpTaken(noHp),
        record: (key) => draft.find(key),
        keyCount: (client) => draft.keyCount(client),
        pin: (noRekening) => draft.entry(noRekening)?.fields.pin,
        debitSejak: (noRekening, sejak) => draft.debitSejak(noRekening, sejak),
      },
      earliest,
    );
    const answers = batch.map((change) => {
      const result = view.decide(change.names, change.decide);
      return 'value' in result ? () => change.resolve(result.value) : () => change.reject(result.error);
    });
    applyChanges(draft, view.changes);
    return { draft, answers };
  }

  /** An account as a reader may see it: as last made durable, never as a batch still being written leaves it. */
  async function entryForReading(noRekening: string) {
    // While batches are in flight, memory (but for what they hold back) is the last durable state: the file's
    // check is skipped, so that our own renames do not send readers to reload what they already have. Otherwise
    // the file is checked, so that a hand edit is read at once.
    const ledger = inFlight.length > 0 || isFolding ? ledgerState.lastKnown() : undefined;
    return ledger === undefined
      ? (await ledgerState.current()).entry(noRekening)
      : committed.entry(ledger, noRekening);
  }

  return {
    change<T>(names: Names, decide: (view: View) => T) {
      return queue.enqueue(names, decide);
    },

    async saldo(noRekening: string) {
      return (await entryForReading(noRekening))?.fields.saldo ?? null;
    },

    async rekening(noRekening: string) {
      const fields = (await entryForReading(noRekening))?.fields;
      return fields === undefined ? null : { saldo: fields.saldo, pin: fields.pin };
    },

    async mutasi(noRekening: string, rentang: Rentang) {
      // The history as it is now: it is immutable, so mutasi added while the answer streams are not in it.
      const history = (await entryForReading(noRekening))?.history;
      return history === undefined ? null : inTurns(filterBatches(history.batches(rentang), rentang));
    },

    async historyPage(noRekening: string, page: HistoryPage) {
      const history = (await entryForReading(noRekening))?.history;
      return history === undefined ? null : historyPageOf(history.newestFirst(page.before, page), page);
    },

    async ping() {
      const isWriting = inFlight.length > 0 || isFolding;
      if (!isWriting || ledgerState.lastKnown() === undefined) await ledgerState.current();
    },

    close: () => queue.close(),
  };
}

function byteLength(chunks: readonly Buffer[]): number {
  return chunks.reduce((total, chunk) => total + chunk.length, 0);
}

/** What a batch's decisions recorded, onto the draft the file is written from. */
function applyChanges(draft: Draft, changes: BatchChanges): void {
  for (const [noRekening, nasabah] of changes.daftar) draft.daftar(noRekening, { ...nasabah, saldo: 0 });
  for (const { noRekening, mutasi, saldo } of changes.catat) draft.catat(noRekening, mutasi, saldo);
  for (const [key, record] of changes.records) draft.save(key, record);
  for (const [noRekening, pin] of changes.pin) {
    const riwayat = changes.riwayatPin.filter((entry) => entry.noRekening === noRekening);
    draft.simpanPin(
      noRekening,
      pin,
      riwayat.map((entry) => entry.peristiwa),
    );
  }
}

/**
 * The history's batches, handed over one per call as the port's async batches: they are in memory, so each
 * comes at once, and the reader (json-stream.ts) still yields to other requests between them. Its `return`
 * reaches the generator, so a reader that stops early ends it.
 */
function inTurns<T>(batches: Generator<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.resolve(batches.next()),
      return: () => Promise.resolve(batches.return(undefined)),
    }),
  };
}
