// The in-memory ledger behind the JSON file, and the draft a batch of changes is applied to before it is durable.
import { clientOfStoredKey, type IdempotencyRecord, type IdempotencyRecords } from '../../domain/idempotency';
import type { Mutasi, Nasabah } from '../../domain/schemas';
import { encodeFile, encodeLine, parseDataFile, type DataFile } from './data-file';
import { LineBlocks } from './line-blocks';

/** A write ready to go to disk, and how to make it part of the ledger once it is there. */
export interface PendingWrite {
  /** The file's bytes in pieces, written with one writev: joining them would copy the whole file again. */
  chunks: Buffer[];
  /** Makes the draft part of the ledger; call it only once the file is durable. */
  apply: () => void;
}

export class Ledger {
  private readonly rekening = new Map<string, Nasabah>();
  /** Each account's encoded line: a write re-encodes only the accounts that changed. */
  private readonly rekeningLines = new LineBlocks();
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
    for (const [noRekening, data] of nasabah) {
      ledger.putNasabah(noRekening, data);
      ledger.rekeningLines.set(noRekening, encodeLine(noRekening, data));
    }
    for (const [key, record] of idempotensi) {
      ledger.putRecord(key, record);
      ledger.recordLines.set(key, encodeLine(key, record));
    }
    return ledger;
  }

  /** The ledger's content, in file order: for moving it to another store. */
  toDataFile(): DataFile {
    return {
      nasabah: new Map(this.rekening),
      idempotensi: new Map(this.records),
      otherFields: this.otherFields,
    };
  }

  nasabah(noRekening: string): Nasabah | undefined {
    return this.rekening.get(noRekening);
  }

  nikTerdaftar(nik: string): boolean {
    return this.nikOwners.has(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
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

  private putNasabah(noRekening: string, nasabah: Nasabah): void {
    this.rekening.set(noRekening, nasabah);
    this.nikOwners.set(nasabah.nik, noRekening);
    this.noHpOwners.set(nasabah.no_hp, noRekening);
  }

  /** Stores a record, or (null) forgets one, keeping the per-client counts. */
  private putRecord(key: string, record: IdempotencyRecord | null): void {
    const existed = this.records.has(key);
    if (record === null) this.records.delete(key);
    else this.records.set(key, record);
    const change = (record === null ? 0 : 1) - (existed ? 1 : 0);
    if (change === 0) return;
    const client = clientOfStoredKey(key);
    this.keysPerClient.set(client, this.keyCount(client) + change);
  }

  /** The whole file as it will be once the draft is applied, in a stable order, and the step that applies it. */
  prepareWrite(draft: Draft = new Draft(this)): PendingWrite {
    const changedLines = new Map<string, Buffer>();
    for (const [noRekening, nasabah] of draft.changedNasabah)
      changedLines.set(noRekening, encodeLine(noRekening, nasabah));
    const changedRecordLines = new Map<string, Buffer | null>();
    for (const [key, record] of draft.changedRecords)
      changedRecordLines.set(key, record && encodeLine(key, record));
    const rendering = this.rekeningLines.render(changedLines);
    const recordRendering = this.recordLines.render(changedRecordLines);
    return {
      chunks: encodeFile(rendering.lines, recordRendering.lines, this.otherFields),
      apply: () => {
        for (const [noRekening, nasabah] of draft.changedNasabah) this.putNasabah(noRekening, nasabah);
        for (const [key, record] of draft.changedRecords) this.putRecord(key, record);
        this.rekeningLines.adopt(changedLines, rendering);
        this.recordLines.adopt(changedRecordLines, recordRendering);
      },
    };
  }
}

/**
 * The changes of one batch, kept apart from the ledger until they are on disk, so that readers never see a saldo
 * that a failed write would take back. A changed account is copied once per batch and then edited in place, so a
 * burst on one busy account costs one copy (and one encoding), not one per request. It is also the batch's view
 * of the idempotency records, for the replay rule (domain/idempotency.ts).
 */
export class Draft implements IdempotencyRecords {
  readonly changedNasabah = new Map<string, Nasabah>();
  /** Recorded idempotency records, and (null) the expired ones to forget. */
  readonly changedRecords = new Map<string, IdempotencyRecord | null>();
  private readonly newNiks = new Set<string>();
  private readonly newNoHps = new Set<string>();
  private readonly keyCountChanges = new Map<string, number>();

  constructor(private readonly ledger: Ledger) {}

  get hasChanges(): boolean {
    return this.changedNasabah.size > 0 || this.changedRecords.size > 0;
  }

  find(key: string): IdempotencyRecord | undefined {
    return this.changedRecords.has(key)
      ? (this.changedRecords.get(key) ?? undefined)
      : this.ledger.findRecord(key);
  }

  save(key: string, record: IdempotencyRecord): void {
    if (this.find(key) === undefined) this.countKeyChange(key, 1);
    this.changedRecords.set(key, record);
  }

  /** How many keys `client` will have stored once this draft is written. */
  keyCount(client: string): number {
    return this.ledger.keyCount(client) + (this.keyCountChanges.get(client) ?? 0);
  }

  /** Forgets the records made before `time`, so the file does not grow without end. */
  forgetRecordsBefore(time: string): void {
    for (const key of this.ledger.keysRecordedBefore(time)) {
      if (this.changedRecords.has(key)) continue;
      this.changedRecords.set(key, null);
      this.countKeyChange(key, -1);
    }
  }

  private countKeyChange(key: string, change: number): void {
    const client = clientOfStoredKey(key);
    this.keyCountChanges.set(client, (this.keyCountChanges.get(client) ?? 0) + change);
  }

  nasabah(noRekening: string): Readonly<Nasabah> | undefined {
    return this.changedNasabah.get(noRekening) ?? this.ledger.nasabah(noRekening);
  }

  nikTerdaftar(nik: string): boolean {
    return this.newNiks.has(nik) || this.ledger.nikTerdaftar(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
    return this.newNoHps.has(noHp) || this.ledger.noHpTerdaftar(noHp);
  }

  daftar(noRekening: string, nasabah: Nasabah): void {
    this.changedNasabah.set(noRekening, nasabah);
    this.newNiks.add(nasabah.nik);
    this.newNoHps.add(nasabah.no_hp);
  }

  /** Appends a mutasi the caller has already checked, with the saldo it leads to. */
  catatMutasi(noRekening: string, mutasi: Mutasi, saldo: number): void {
    let copy = this.changedNasabah.get(noRekening);
    if (copy === undefined) {
      const original = this.ledger.nasabah(noRekening);
      if (original === undefined) throw new Error(`rekening ${noRekening} is not in the ledger`);
      copy = { ...original, mutasi: [...original.mutasi] };
      this.changedNasabah.set(noRekening, copy);
    }
    copy.mutasi.push(mutasi);
    copy.saldo = saldo;
  }
}
