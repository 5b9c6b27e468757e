// The journal beside the data file (`nasabah.json.journal`). Rewriting the whole file for every batch costs a
// write of the whole file per batch: 20 MB at 100,000 accounts, where one batch of 64 changes is 13 kB. While
// batches of several changes come one after another, each is appended here instead (one small write and an
// fdatasync, then its answers), and the journal is folded into the file now and then: the file is rewritten
// with all of it. A lone change on a quiet server is still written to the file itself, and a session that finds
// nothing to write for a moment folds what its journal holds, so that a quiet server's file holds everything.
//
// A fold does not stop the batches: those that come while it renders and writes the file go to a second journal
// (`nasabah.json.journal.next`), which, once the file holds the first one, is renamed over it. So there are at
// most two, the next one always newer than the first: loading reads the file, then the journal, then the next.
//
// One line per batch: `<checksum> <JSON>\n`. A crash mid-append leaves a torn last line, which was never
// answered: it is ignored on reading and cut off before the next append. The file is written only while the
// journals are empty, with all of the first journal folded in (and none of the next, while batches go on), or
// with both (a fold with nothing else being written), so the file holds either none of a journal's batches or
// all of them (a crash after a fold's rename, before its journals are replaced or removed); replayJournal tells
// which.
import { createHash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { IdempotencyRecord } from '../../domain/idempotency';
import type { MutasiTercatat } from '../../domain/schemas';
import { errorCode } from '../error-code';
import {
  fileVersionOf,
  fsyncDirectory,
  nodeFileSystem,
  type FileSystem,
  type FileVersion,
} from './atomic-file';
import { DataFileInvalid, type NasabahFields } from './data-file';
import { Draft } from './draft';
import type { Ledger } from './ledger';

export function journalFileOf(file: string): string {
  return `${file}.journal`;
}

/** The journal that takes batches while the first one is folded into the file. */
export function nextJournalFileOf(file: string): string {
  return `${file}.journal.next`;
}

/** What a batch did to one account: its fields after the batch and the mutasi it appended. */
interface AccountChange {
  /** How many mutasi the account had before the batch; null for an account the batch registered. */
  historyLength: number | null;
  /** The checksum of its fields before the batch (null: registered by it), to tell a hand edit at load. */
  found: string | null;
  fields: NasabahFields;
  mutasi: MutasiTercatat[];
}

/** One batch, as a line of the journal. */
export interface JournalEntry {
  nasabah: [noRekening: string, change: AccountChange][];
  /** Recorded idempotency records, and (null) the expired ones forgotten, in the batch's order. */
  idempotensi: [key: string, record: IdempotencyRecord | null][];
  /** Keys among them that expired and were recorded again: they move to the end of the file. */
  renewed: string[];
}

const CHECKSUM_LENGTH = 16;

function checksumOf(json: string): string {
  // A torn or scrambled line is what this catches, not a forger: 64 bits of SHA-256 are plenty.
  return createHash('sha256').update(json).digest('hex').slice(0, CHECKSUM_LENGTH);
}

/** A batch's journal line, from its draft and the ledger before the draft is applied to it. */
export function encodeJournalEntry(ledger: Ledger, draft: Draft): Buffer {
  const entry: JournalEntry = {
    nasabah: [...draft.changedEntries].map(([noRekening, { fields }]) => {
      const before = ledger.entry(noRekening);
      const change: AccountChange = {
        historyLength: before?.history.length ?? null,
        found: before === undefined ? null : checksumOf(JSON.stringify(before.fields)),
        fields,
        mutasi: draft.appendedMutasi.get(noRekening) ?? [],
      };
      return [noRekening, change];
    }),
    idempotensi: [...draft.changedRecords],
    renewed: [...draft.renewedRecords],
  };
  const json = JSON.stringify(entry);
  return Buffer.from(`${checksumOf(json)} ${json}\n`, 'utf8');
}

/** A journal as read: its complete lines, and how many of its bytes they take (a torn tail is past them). */
export interface JournalRead {
  entries: JournalEntry[];
  validBytes: number;
  version: FileVersion;
}

/**
 * A journal's lines, or null when there is none. Only the last line may be torn (the append a crash cut short):
 * a bad line with good ones after it is damage, and the file is not used until someone looks.
 */
export async function readJournal(journal: string): Promise<JournalRead | null> {
  let handle: FileHandle;
  try {
    handle = await open(journal, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const version = fileVersionOf(await handle.stat());
    const bytes = await handle.readFile();
    return { ...parseJournal(bytes), version };
  } finally {
    await handle.close();
  }
}

export function parseJournal(bytes: Buffer): { entries: JournalEntry[]; validBytes: number } {
  const entries: JournalEntry[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    const entry = end < 0 ? null : parseLine(bytes.toString('utf8', start, end));
    if (entry === null) {
      // A line cut short is the last append, never answered; anything after a bad line means damage.
      if (end >= 0 && end + 1 < bytes.length) {
        throw new DataFileInvalid(
          'jurnal berkas data rusak; periksa berkas .journal',
          `bad journal line at offset ${start}`,
        );
      }
      break;
    }
    entries.push(entry);
    start = end + 1;
  }
  return { entries, validBytes: start };
}

function parseLine(line: string): JournalEntry | null {
  const json = line.slice(CHECKSUM_LENGTH + 1);
  if (line[CHECKSUM_LENGTH] !== ' ' || line.slice(0, CHECKSUM_LENGTH) !== checksumOf(json)) return null;
  // Its checksum matches: these are bytes this store encoded from checked changes (encodeJournalEntry).
  return JSON.parse(json) as JournalEntry;
}

/**
 * Applies a journal's batches to a ledger loaded from the data file (and, for the next journal, the first one).
 * The ledger holds either none of them (the journal is newer) or all of them (a crash after a fold's rename,
 * before the journal's removal): the store writes the file only when its journals are empty or by folding the
 * first one in. So every account the journal names is, in the ledger, as long as its first batch found it or as
 * its last batch left it; anything else means the file was changed by hand in a way the journal cannot follow,
 * and the ledger is not used until someone looks. Says whether the ledger held them already: such a journal
 * takes no more batches, whose answers would be replayed onto a file that holds them.
 */
export function replayJournal(ledger: Ledger, entries: readonly JournalEntry[]): { isHeld: boolean } {
  /** Each account as the journal's first batch found it, and as its last batch left it. */
  const first = new Map<string, AccountChange>();
  const last = new Map<string, AccountChange>();
  for (const { nasabah } of entries) {
    for (const [noRekening, change] of nasabah) {
      if (!first.has(noRekening)) first.set(noRekening, change);
      last.set(noRekening, change);
    }
  }
  // Not the mutasi count alone: an edited nama or saldo with as many mutasi would be overwritten by the replay.
  const isAsFound = (noRekening: string, { historyLength, found }: AccountChange) => {
    const entry = ledger.entry(noRekening);
    if (entry === undefined) return historyLength === null;
    return entry.history.length === historyLength && checksumOf(JSON.stringify(entry.fields)) === found;
  };
  const isAsLeft = (noRekening: string, { historyLength, fields, mutasi }: AccountChange) => {
    const entry = ledger.entry(noRekening);
    const length = (historyLength ?? 0) + mutasi.length;
    return entry?.history.length === length && JSON.stringify(entry.fields) === JSON.stringify(fields);
  };
  // A journal of idempotency records alone: replaying it onto a file that holds it would move its renewed
  // records to the end once more.
  if (first.size === 0 && holdsRecords(ledger, entries)) return { isHeld: entries.length > 0 };
  if (![...first].every(([noRekening, change]) => isAsFound(noRekening, change))) {
    if ([...last].every(([noRekening, change]) => isAsLeft(noRekening, change))) return { isHeld: true };
    const edited =
      [...first].find(
        ([noRekening, change]) =>
          !isAsFound(noRekening, change) && !isAsLeft(noRekening, last.get(noRekening) ?? change),
      ) ?? [...first].find(([noRekening, change]) => !isAsFound(noRekening, change));
    throw new DataFileInvalid(
      `rekening ${edited?.[0] ?? ''}: berkas data tidak cocok dengan jurnalnya (diubah saat jurnal belum digabung)`,
      `the file holds neither none nor all of the journal's ${entries.length} batches`,
    );
  }
  for (const entry of entries) {
    const draft = new Draft(ledger);
    for (const [noRekening, { fields, mutasi }] of entry.nasabah) draft.restore(noRekening, fields, mutasi);
    const renewed = new Set(entry.renewed);
    for (const [key, record] of entry.idempotensi) draft.restoreRecord(key, record, renewed.has(key));
    ledger.applyDeferred(draft);
  }
  return { isHeld: false };
}

/** Whether the ledger's records are as the journal's batches leave them. */
function holdsRecords(ledger: Ledger, entries: readonly JournalEntry[]): boolean {
  const left = new Map<string, IdempotencyRecord | null>();
  for (const { idempotensi } of entries) for (const [key, record] of idempotensi) left.set(key, record);
  return [...left].every(([key, record]) => {
    const held = ledger.findRecord(key);
    return record === null ? held === undefined : JSON.stringify(held) === JSON.stringify(record);
  });
}

/**
 * Appends batches to one journal, at the offset the ledger's state says its lines end: whatever is past it (a
 * torn line, an append that failed) is cut off first. The file is created with the first append, and the
 * directory fsynced so that the journal itself survives a power cut.
 */
export interface JournalWriter {
  append(line: Buffer, at: number): Promise<void>;
  /** Removes the journal once the data file holds all it had (folded). */
  remove(): Promise<void>;
  /**
   * Renames the journal (the next one, once the first is folded) over `target`, and goes on appending there;
   * false when there was nothing to rename (no batch came while the first one was folded).
   */
  moveTo(target: string): Promise<boolean>;
  /** Closes the file between write sessions; the next append opens it again. */
  close(): Promise<void>;
}

export function createJournalWriter(journal: string, fileSystem: FileSystem = nodeFileSystem): JournalWriter {
  let journalPath = journal;
  let handle: FileHandle | null = null;
  /** Where the open file ends, as far as we know; null after a failure. */
  let size: number | null = null;

  async function opened(at: number): Promise<FileHandle> {
    if (handle !== null) return handle;
    if (at === 0) {
      // A fresh file, never one that still holds batches the data file has folded in (its removal failed): the
      // journal must never mix batches the file holds with batches it does not (replayJournal).
      await unlink(journalPath).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      handle = await open(journalPath, 'wx', 0o600);
      size = 0;
      await fsyncDirectory(fileSystem, path.dirname(journalPath));
    } else {
      handle = await open(journalPath, 'r+');
      size = null;
    }
    return handle;
  }

  async function closeHandle(): Promise<void> {
    const closing = handle;
    handle = null;
    size = null;
    await closing?.close();
  }

  return {
    async append(line, at) {
      const file = await opened(at);
      try {
        if (size !== at) {
          await file.truncate(at);
          size = at;
        }
        for (let written = 0; written < line.length;) {
          const { bytesWritten } = await file.write(line, written, line.length - written, at + written);
          written += bytesWritten;
        }
        await file.datasync();
        size = at + line.length;
      } catch (error) {
        // Cut back what may have reached the file, so that an append the client was refused is not replayed.
        await file
          .truncate(at)
          .then(() => file.datasync())
          .catch(() => undefined);
        await closeHandle().catch(() => undefined);
        throw error;
      }
    },
    async remove() {
      await closeHandle();
      await unlink(journalPath).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      // Ext4 and XFS keep a directory's changes in order anyway; a file system that does not could otherwise
      // keep the journal and a later rewrite of the file, which then holds more than the journal can follow.
      await fsyncDirectory(fileSystem, path.dirname(journalPath));
    },
    async moveTo(target) {
      try {
        await fileSystem.rename(journalPath, target);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
        journalPath = target;
        return false;
      }
      // The open handle follows the file: appends go on where they were.
      journalPath = target;
      await fsyncDirectory(fileSystem, path.dirname(target));
      return true;
    },
    close: closeHandle,
  };
}
