// The embedded store: one JSON file, made safe for parallel requests, several processes and hand edits.
//
// Every change follows the same path, batch by batch (group commit, write-queue.ts):
//   lock the file (file-lock.ts) → reload it if anyone changed it (ledger-state.ts) → apply the queued changes
//   to a draft (draft.ts) → temp file + fsync + rename + directory fsync (atomic-file.ts) → make the draft
//   visible → unlock → answer.
// The lock is held across the whole read-modify-write, so a second server process on the same file can neither
// lose our update nor have its own lost.
import { NotDecided, StorageUnavailable } from '../../domain/errors';
import { expiryCutoff } from '../../domain/idempotency';
import type { HistoryPage, Names, Rentang, Store, View } from '../../domain/store';
import { createBatchView, type BatchChanges } from '../batch-view';
import { MAX_QUEUED_CHANGES } from '../defaults';
import { errorCode } from '../error-code';
import { writeAtomic, type FileSystem } from './atomic-file';
import { DataFileInvalid } from './data-file';
import { createFileLock } from './file-lock';
import { prepareDataFile, resolveSymlink, tightenMode } from './file-setup';
import { Draft } from './draft';
import { filterBatches, historyPageOf } from './history-pages';
import { createLedgerState } from './ledger-state';
import { createWriteQueue, rejectEach, type QueuedChange } from './write-queue';

export interface JsonFileStoreOptions {
  /**
   * After this long without a refresh, another process may take our lock over. It must stay well above the
   * slowest write (see BENCHMARKS.md), and it bounds how long a crashed process's lock blocks a restart.
   */
  staleMs?: number;
  /** Where lock trouble is reported; it can happen in a timer, where throwing would kill the process. */
  onLockCompromised?: (error: Error) => void;
  /**
   * Told after every durable write: how many changes it carried, its size, how many of its bytes it had to encode
   * or copy anew (the rest it reused), and how long it took.
   */
  onWrite?: (write: { changes: number; bytes: number; builtBytes: number; durationMs: number }) => void;
  /** The platform's file calls (rename, directory fsync); tests pass fakes to play Windows or macOS. */
  fileSystem?: FileSystem;
  /** Told when the file was readable by others at start and has been made owner-only (0600). */
  onModeTightened?: (change: { file: string; mode: string }) => void;
  /** Changes that may wait for the disk at once; beyond it a change is refused with QueueFull. */
  maxQueuedChanges?: number;
}

/** How long a crashed process's lock blocks others, unless configured otherwise (LOCK_STALE_MS). */
export const DEFAULT_LOCK_STALE_MS = 10_000;

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
  const queue = createWriteQueue(writeBatch, options.maxQueuedChanges ?? MAX_QUEUED_CHANGES);
  let holdsLock = false;

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

  async function writeBatch(takeBatch: () => QueuedChange[]): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await lock.acquire();
    } catch (error) {
      const remark =
        errorCode(error) === 'ELOCKED'
          ? 'berkas data sedang dikunci proses lain; ulangi sebentar lagi'
          : `gagal mengunci berkas data (${errorCode(error)}), tidak ada yang berubah`;
      rejectEach(takeBatch(), new StorageUnavailable(remark, { cause: error }));
      return;
    }
    holdsLock = true;
    const batch = takeBatch();
    try {
      const ledger = await ledgerState.current();
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
          // Registrations of this batch are the batch view's to know; the ledger knows the committed ones.
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
      if (draft.hasChanges) {
        const started = performance.now();
        const pendingWrite = ledger.prepareWrite(draft);
        const version = await writeAtomic(
          file,
          pendingWrite.chunks,
          () => {
            if (lock.isCompromised())
              throw Object.assign(new Error('lock taken over by another process'), { code: 'ECOMPROMISED' });
          },
          options.fileSystem,
        );
        pendingWrite.apply();
        ledgerState.written(ledger, version);
        options.onWrite?.({
          changes: batch.length,
          bytes: pendingWrite.chunks.reduce((total, chunk) => total + chunk.length, 0),
          builtBytes: pendingWrite.builtBytes,
          durationMs: performance.now() - started,
        });
      }
      for (const answer of answers) answer();
    } catch (error) {
      // Memory may no longer match the disk (the rename may or may not have happened): read it again.
      ledgerState.forget();
      const remark = `gagal menyimpan berkas data (${errorCode(error)}), tidak ada yang berubah`;
      rejectEach(
        batch,
        error instanceof NotDecided ? error : new StorageUnavailable(remark, { cause: error }),
      );
    } finally {
      holdsLock = false;
      await release().catch(() => undefined);
    }
  }

  /** What a reader may see: committed state only, never a batch that is still being written. */
  async function ledgerForReading() {
    // While we hold the lock no other process can change the file, and memory is the last durable state; the
    // check is skipped so that our own rename does not send readers to reload what they already have.
    return (holdsLock ? ledgerState.lastKnown() : undefined) ?? ledgerState.current();
  }

  return {
    change<T>(names: Names, decide: (view: View) => T) {
      return queue.enqueue(names, decide);
    },

    async saldo(noRekening: string) {
      return (await ledgerForReading()).entry(noRekening)?.fields.saldo ?? null;
    },

    async rekening(noRekening: string) {
      const fields = (await ledgerForReading()).entry(noRekening)?.fields;
      return fields === undefined ? null : { saldo: fields.saldo, pin: fields.pin };
    },

    async mutasi(noRekening: string, rentang: Rentang) {
      // The history as it is now: it is immutable, so mutasi added while the answer streams are not in it.
      const history = (await ledgerForReading()).entry(noRekening)?.history;
      return history === undefined ? null : inTurns(filterBatches(history.batches(rentang), rentang));
    },

    async historyPage(noRekening: string, page: HistoryPage) {
      const history = (await ledgerForReading()).entry(noRekening)?.history;
      return history === undefined ? null : historyPageOf(history.newestFirst(page.before, page), page);
    },

    async ping() {
      await ledgerForReading();
    },

    close: () => queue.close(),
  };
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
