// The in-memory ledger behind the JSON file: every account and idempotency record, and how a draft's changes
// (draft.ts) become the file's bytes and then part of the ledger.
import { clientOfStoredKey, type IdempotencyRecord } from '../../domain/idempotency';
import {
  encodeFile,
  encodeNasabahLine,
  encodeRecordLine,
  parseDataFile,
  type DataFile,
  type NasabahFields,
} from './data-file';
import { Draft } from './draft';
import { EncodedHistory } from './encoded-history';
import { LineBlocks, type CaptureLines, type Line } from './line-blocks';

/** A write ready to go to disk, and how to make it part of the ledger once it is there. */
export interface PendingWrite {
  /** The file's bytes in pieces, written with one writev: joining them would copy the whole file again. */
  chunks: Buffer[];
  /** Bytes this write encoded or copied anew; what it reused (other lines, earlier mutasi) is not counted. */
  builtBytes: number;
  /**
   * Makes the draft part of the ledger (and keeps the rendering's blocks). Called as soon as the write is
   * prepared, before it is durable: a write that fails then has memory forgotten and read again from the files.
   */
  apply: () => void;
}

/** One account as the ledger keeps it: its fields parsed, its mutasi encoded (decoded only when read). */
export interface LedgerEntry {
  fields: NasabahFields;
  history: EncodedHistory;
}

export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();
  /** The file's account lines: a write re-encodes only the accounts that changed. */
  private readonly entryLines = new LineBlocks();
  private readonly nikOwners = new Map<string, string>();
  private readonly noHpOwners = new Map<string, string>();
  /** Idempotency records by stored key, oldest first (insertion order), with their own lines. */
  private readonly records = new Map<string, IdempotencyRecord>();
  private readonly recordLines = new LineBlocks();
  /** Stored keys per client, so a client at its limit is found without a scan. */
  private readonly keysPerClient = new Map<string, number>();

  private constructor(private readonly otherFields: Record<string, unknown>) {}

  static empty(): Ledger {
    return new Ledger({});
  }

  /** A ledger from a file's text; the file's every rule is checked (parseDataFile). */
  static parse(text: string): Ledger {
    return Ledger.from(parseDataFile(text));
  }

  static from({ nasabah, idempotensi, otherFields }: DataFile): Ledger {
    const ledger = new Ledger(otherFields);
    for (const [noRekening, { mutasi, ...fields }] of nasabah) {
      ledger.putEntry(noRekening, { fields, history: EncodedHistory.of(mutasi) });
      ledger.entryLines.add(noRekening);
    }
    for (const [key, record] of idempotensi) {
      ledger.putRecord(key, record);
      ledger.recordLines.add(key);
    }
    return ledger;
  }

  entry(noRekening: string): LedgerEntry | undefined {
    return this.entries.get(noRekening);
  }

  isNikTaken(nik: string): boolean {
    return this.nikOwners.has(nik);
  }

  isNoHpTaken(noHp: string): boolean {
    return this.noHpOwners.has(noHp);
  }

  findRecord(key: string): IdempotencyRecord | undefined {
    return this.records.get(key);
  }

  /** How many keys `client` has stored (expired ones included until they are pruned). */
  keyCount(client: string): number {
    return this.keysPerClient.get(client) ?? 0;
  }

  /** Keys recorded before `time` (an ISO time), oldest first. */
  *keysRecordedBefore(time: string): Generator<string> {
    for (const [key, record] of this.records) {
      if (record.waktu >= time) return;
      yield key;
    }
  }

  private putEntry(noRekening: string, entry: LedgerEntry): void {
    this.entries.set(noRekening, entry);
    this.nikOwners.set(entry.fields.nik, noRekening);
    this.noHpOwners.set(entry.fields.no_hp, noRekening);
  }

  /** Stores a record, or (null) forgets one, keeping the per-client counts. */
  private putRecord(key: string, record: IdempotencyRecord | null): void {
    const existed = this.records.has(key);
    // Deleted first even when replaced: a renewed record takes its place at the end (Draft.save).
    this.records.delete(key);
    if (record !== null) this.records.set(key, record);
    const change = (record === null ? 0 : 1) - (existed ? 1 : 0);
    if (change === 0) return;
    const client = clientOfStoredKey(key);
    this.keysPerClient.set(client, this.keyCount(client) + change);
  }

  /**
   * Joins the blocks of lines not joined yet, a few at a time between other work, so that the first write after a
   * load finds them ready: joined by that write, they took ~600 ms at 100,000 accounts, which every request in its
   * batch waited for; joined during the load, they made start-up that much longer. A write meanwhile joins what
   * is left itself, and joining the committed state is right whenever it happens.
   */
  async warmUp(): Promise<void> {
    // An empty draft sees exactly the committed ledger.
    const { entryLine, recordLine } = linesOf(new Draft(this), { bytes: 0 });
    await this.entryLines.warmUp(entryLine);
    await this.recordLines.warmUp(recordLine);
  }

  /**
   * Makes the draft part of the ledger without rendering the file (its batch went to the journal): the lines it
   * changed are rendered with the next whole-file write.
   */
  applyDeferred(draft: Draft): void {
    const movedToEnd = this.recordsMovedToEnd(draft);
    this.putChanges(draft);
    this.entryLines.defer(draft.changedEntries.keys());
    this.recordLines.defer(draft.changedRecords.keys(), movedToEnd);
  }

  /**
   * The records whose lines go to the end: those renewed within the draft, and those recorded anew after an
   * earlier batch, one that went to the journal, forgot them (their lines are still in their blocks until the
   * next rendering, where a rendering per batch would have removed them).
   */
  private recordsMovedToEnd(draft: Draft): ReadonlySet<string> {
    const movedToEnd = new Set(draft.renewedRecords);
    for (const [key, record] of draft.changedRecords) {
      if (record !== null && !this.records.has(key)) movedToEnd.add(key);
    }
    return movedToEnd;
  }

  private putChanges(draft: Draft): void {
    for (const [noRekening, entry] of draft.changedEntries) this.putEntry(noRekening, entry);
    for (const [key, record] of draft.changedRecords) this.putRecord(key, record);
  }

  /**
   * The whole file as the ledger holds it now, rendered in turns (LineBlocks.renderInTurns) while batches go on
   * being applied: folding the journal into the file no longer stalls the event loop (json-file-store.ts).
   */
  async prepareFold(): Promise<PendingWrite> {
    const encoded = { bytes: 0 };
    const [rendering, recordRendering] = await LineBlocks.renderInTurns([
      [this.entryLines, captureFrom(this.entries, (key, entry) => entryLine(key, entry, encoded))],
      [this.recordLines, captureFrom(this.records, (key, record) => recordLine(key, record, encoded))],
    ]);
    if (rendering === undefined || recordRendering === undefined) throw new Error('a rendering is missing');
    return {
      chunks: encodeFile(rendering.pieces, recordRendering.pieces, this.otherFields),
      builtBytes: encoded.bytes + rendering.builtBytes + recordRendering.builtBytes,
      apply: () => {
        this.entryLines.adopt(rendering);
        this.recordLines.adopt(recordRendering);
      },
    };
  }

  /** The whole file as it will be once the draft is applied, in a stable order, and the step that applies it. */
  prepareWrite(draft: Draft = new Draft(this)): PendingWrite {
    const encoded = { bytes: 0 };
    const { entryLine, recordLine } = linesOf(draft, encoded);
    const rendering = this.entryLines.render(draft.changedEntries.keys(), entryLine);
    const recordRendering = this.recordLines.render(
      draft.changedRecords.keys(),
      recordLine,
      this.recordsMovedToEnd(draft),
    );
    return {
      chunks: encodeFile(rendering.pieces, recordRendering.pieces, this.otherFields),
      builtBytes: draft.appendedBytes + encoded.bytes + rendering.builtBytes + recordRendering.builtBytes,
      apply: () => {
        this.putChanges(draft);
        this.entryLines.adopt(rendering);
        this.recordLines.adopt(recordRendering);
      },
    };
  }
}

/**
 * The lines of `keys` as `values` holds them now, to encode later, as they were: entries and records are never
 * changed in place, only replaced. `lineOf` encodes a value (undefined: the line is gone).
 */
function captureFrom<V>(
  values: ReadonlyMap<string, V>,
  lineOf: (key: string, value: V | undefined) => Line,
): CaptureLines {
  return (keys) => {
    const taken = new Map(keys.map((key) => [key, values.get(key)]));
    return (key) => {
      if (!taken.has(key)) throw new Error(`line ${key} was not captured when its rendering began`);
      return lineOf(key, taken.get(key));
    };
  };
}

/**
 * Every line as `draft` will leave it: an account's line (its fields encoded anew, its history passed on as its
 * chunks) or an idempotency record's; null for a line that is gone. `encoded` counts the bytes encoded anew.
 */
function linesOf(draft: Draft, encoded: { bytes: number }) {
  return {
    entryLine: (noRekening: string): Line => entryLine(noRekening, draft.entry(noRekening), encoded),
    recordLine: (key: string): Line => recordLine(key, draft.find(key), encoded),
  };
}

/** An account's line (its fields encoded anew, its history passed on as its chunks); null for none. */
function entryLine(noRekening: string, entry: LedgerEntry | undefined, encoded: { bytes: number }): Line {
  if (entry === undefined) return null;
  const line = encodeNasabahLine(noRekening, entry.fields, entry.history.arrayBody());
  encoded.bytes += line[0]?.length ?? 0;
  return line;
}

/** An idempotency record's line; null for one that is gone. */
function recordLine(key: string, record: IdempotencyRecord | undefined, encoded: { bytes: number }): Line {
  if (record === undefined) return null;
  const line = encodeRecordLine(key, record);
  encoded.bytes += line.length;
  return [line];
}
