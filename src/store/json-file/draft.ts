// The draft a batch's changes are applied to, apart from the ledger until the file is durable.
import { clientOfStoredKey, type IdempotencyRecord } from '../../domain/idempotency';
import type { MutasiTercatat, PeristiwaPin, PinTersimpan } from '../../domain/schemas';
import type { NasabahFields } from './data-file';
import { EncodedHistory } from './encoded-history';
import type { Ledger, LedgerEntry } from './ledger';

/**
 * The changes of one batch, kept apart from the ledger until they are on disk, so that readers never see a saldo
 * that a failed write would take back. A changed account gets a new entry; its history is shared with the old
 * one but for the last chunk (encoded-history.ts), so appending copies no earlier mutasi.
 */
export class Draft {
  readonly changedEntries = new Map<string, LedgerEntry>();
  /** Recorded idempotency records, and (null) the expired ones to forget. */
  readonly changedRecords = new Map<string, IdempotencyRecord | null>();
  /** Keys among them that expired and were recorded again: they move to the end. */
  readonly renewedRecords = new Set<string>();
  private readonly keyCountChanges = new Map<string, number>();
  /** The mutasi this batch appended, per account, oldest first: what its journal entry carries (journal.ts). */
  readonly appendedMutasi = new Map<string, MutasiTercatat[]>();
  /** Bytes the appends of this batch encoded and copied: the last chunk of each history it appended to. */
  appendedBytes = 0;

  constructor(private readonly ledger: Ledger) {}

  get hasChanges(): boolean {
    return this.changedEntries.size > 0 || this.changedRecords.size > 0;
  }

  find(key: string): IdempotencyRecord | undefined {
    return this.changedRecords.has(key)
      ? (this.changedRecords.get(key) ?? undefined)
      : this.ledger.findRecord(key);
  }

  save(key: string, record: IdempotencyRecord): void {
    if (this.find(key) === undefined) this.countKeyChange(key, 1);
    // A key forgotten in this batch (it expired) and used again: it is a new record, so it goes last, where the
    // records stay in the order of their waktu and pruning can stop at the first one not yet expired.
    if (this.changedRecords.get(key) === null) this.renewedRecords.add(key);
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

  entry(noRekening: string): LedgerEntry | undefined {
    return this.changedEntries.get(noRekening) ?? this.ledger.entry(noRekening);
  }

  saldo(noRekening: string): number | undefined {
    return this.entry(noRekening)?.fields.saldo;
  }

  daftar(noRekening: string, fields: NasabahFields): void {
    this.changedEntries.set(noRekening, { fields, history: EncodedHistory.empty });
  }

  /** The account's PIN as the decisions left it (none: the field goes), and who set it, at the end of its list. */
  simpanPin(noRekening: string, pin: PinTersimpan | null, riwayat: readonly PeristiwaPin[]): void {
    const entry = this.entry(noRekening);
    if (entry === undefined) throw new Error(`rekening ${noRekening} is not in the ledger`);
    const fields = { ...entry.fields };
    if (pin === null) delete fields.pin;
    else fields.pin = pin;
    const riwayatPin = [...(fields.riwayat_pin ?? []), ...riwayat];
    if (riwayatPin.length > 0) fields.riwayat_pin = riwayatPin;
    this.changedEntries.set(noRekening, {
      fields,
      history: entry.history,
    });
  }

  /** The nominal of the account's D mutasi at or after `sejak` (epoch ms); chunks from before it stay encoded. */
  debitSejak(noRekening: string, sejak: number): number {
    let nominal = 0;
    for (const { mutasi } of this.entry(noRekening)?.history.newestFirst(undefined, { dari: sejak }) ?? []) {
      if (mutasi.kode_transaksi === 'D' && Date.parse(mutasi.waktu) >= sejak) nominal += mutasi.nominal;
    }
    return nominal;
  }

  /** Appends a mutasi the caller has already checked, with the saldo it leads to. */
  catat(noRekening: string, mutasi: MutasiTercatat, saldo: number): void {
    const entry = this.entry(noRekening);
    if (entry === undefined) throw new Error(`rekening ${noRekening} is not in the ledger`);
    const appended = { bytes: 0 };
    this.changedEntries.set(noRekening, {
      fields: { ...entry.fields, saldo },
      history: entry.history.append(mutasi, appended),
    });
    this.appendedBytes += appended.bytes;
    const appendedHere = this.appendedMutasi.get(noRekening);
    if (appendedHere === undefined) this.appendedMutasi.set(noRekening, [mutasi]);
    else appendedHere.push(mutasi);
  }

  /**
   * An account as a journal entry left it (replay, journal.ts): its fields as they were after the batch, and its
   * history with the mutasi that batch appended.
   */
  restore(noRekening: string, fields: NasabahFields, appended: readonly MutasiTercatat[]): void {
    let history = this.entry(noRekening)?.history ?? EncodedHistory.empty;
    for (const mutasi of appended) history = history.append(mutasi);
    this.changedEntries.set(noRekening, { fields, history });
  }

  /** An idempotency record as a journal entry left it: recorded, renewed (moved to the end) or (null) forgotten. */
  restoreRecord(key: string, record: IdempotencyRecord | null, isRenewed: boolean): void {
    if (isRenewed) this.renewedRecords.add(key);
    this.changedRecords.set(key, record);
  }
}
