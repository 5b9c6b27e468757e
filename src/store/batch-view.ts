// The view a batch's decisions run on, for every store: what the store read under its lock, plus what the
// decisions before have recorded. Each decision records on a view of its own, which joins the batch only if the
// decision returns, so a decision that throws leaves nothing behind. The store then persists `changes`.
import { clientOfStoredKey, isExpired, type IdempotencyRecord } from '../domain/idempotency';
import type { MutasiTercatat, NasabahBaru, PeristiwaPin, PinTersimpan } from '../domain/schemas';
import type { Names, View } from '../domain/store';

/** What a store read under its lock: the committed state of what its batch names, as a view reads it. */
export type CommittedState = Pick<
  View,
  'saldo' | 'isNikTaken' | 'isNoHpTaken' | 'record' | 'keyCount' | 'pin' | 'debitSejak'
>;

/** What a batch's decisions recorded, in the order they did, for the store to persist in one step. */
export interface BatchChanges {
  daftar: Map<string, NasabahBaru>;
  catat: { noRekening: string; mutasi: MutasiTercatat; saldo: number }[];
  records: Map<string, IdempotencyRecord>;
  /** Each changed account's saldo once the batch is applied. */
  saldo: Map<string, number>;
  /** Each account whose PIN changed (a count, a lock, a new hash): its PIN now, null when it has none. */
  pin: Map<string, PinTersimpan | null>;
  riwayatPin: { noRekening: string; peristiwa: PeristiwaPin }[];
}

/** One layer of changes over another: a decision's over its batch's, the batch's over the committed state. */
class Layer implements View {
  readonly changes: BatchChanges = {
    daftar: new Map(),
    catat: [],
    records: new Map(),
    saldo: new Map(),
    pin: new Map(),
    riwayatPin: [],
  };
  private readonly niks = new Set<string>();
  private readonly noHps = new Set<string>();
  private readonly newKeys = new Map<string, number>();

  /** `now` says which records have expired: a decision's own time, or for the batch's layer its earliest. */
  constructor(
    private readonly below: CommittedState,
    readonly now: Date,
  ) {}

  saldo(noRekening: string): number | undefined {
    return this.changes.saldo.get(noRekening) ?? this.below.saldo(noRekening);
  }

  isNikTaken(nik: string): boolean {
    return this.niks.has(nik) || this.below.isNikTaken(nik);
  }

  isNoHpTaken(noHp: string): boolean {
    return this.noHps.has(noHp) || this.below.isNoHpTaken(noHp);
  }

  record(key: string): IdempotencyRecord | undefined {
    return this.changes.records.get(key) ?? this.below.record(key);
  }

  keyCount(client: string): number {
    return this.below.keyCount(client) + (this.newKeys.get(client) ?? 0);
  }

  pin(noRekening: string): PinTersimpan | undefined {
    const changed = this.changes.pin.get(noRekening);
    return changed === undefined ? this.below.pin(noRekening) : (changed ?? undefined);
  }

  debitSejak(noRekening: string, sejak: number): number {
    let nominal = this.below.debitSejak(noRekening, sejak);
    for (const { noRekening: catatan, mutasi } of this.changes.catat) {
      if (catatan === noRekening && mutasi.kode_transaksi === 'D' && Date.parse(mutasi.waktu) >= sejak)
        nominal += mutasi.nominal;
    }
    return nominal;
  }

  daftar(noRekening: string, nasabah: NasabahBaru): void {
    this.changes.daftar.set(noRekening, nasabah);
    this.changes.saldo.set(noRekening, 0);
    this.niks.add(nasabah.nik);
    this.noHps.add(nasabah.no_hp);
  }

  catat(noRekening: string, mutasi: MutasiTercatat, saldo: number): void {
    this.changes.catat.push({ noRekening, mutasi, saldo });
    this.changes.saldo.set(noRekening, saldo);
  }

  saveRecord(key: string, record: IdempotencyRecord): void {
    this.put(key, record, this.now);
  }

  simpanPin(noRekening: string, pin: PinTersimpan | undefined, peristiwa?: PeristiwaPin): void {
    this.changes.pin.set(noRekening, pin ?? null);
    if (peristiwa !== undefined) this.changes.riwayatPin.push({ noRekening, peristiwa });
  }

  private put(key: string, record: IdempotencyRecord, now: Date): void {
    const before = this.record(key);
    // A key with no record, or only an expired one, is one more the client stores.
    if (before === undefined || isExpired(before, now)) {
      const client = clientOfStoredKey(key);
      this.newKeys.set(client, (this.newKeys.get(client) ?? 0) + 1);
    }
    this.changes.records.set(key, record);
  }

  /** Takes what a layer above recorded into this one. */
  absorb(above: Layer): void {
    for (const [noRekening, nasabah] of above.changes.daftar) this.daftar(noRekening, nasabah);
    for (const { noRekening, mutasi, saldo } of above.changes.catat) this.catat(noRekening, mutasi, saldo);
    for (const [key, record] of above.changes.records) this.put(key, record, above.now);
    for (const [noRekening, pin] of above.changes.pin) this.changes.pin.set(noRekening, pin);
    this.changes.riwayatPin.push(...above.changes.riwayatPin);
  }
}

export interface BatchView {
  /**
   * Runs one decision on a layer of its own, which lets it read only what its change named (a store reads and
   * locks nothing else); what it recorded joins the batch only if it returns.
   */
  decide<T>(names: Names, decide: (view: View) => T): { value: T } | { error: unknown };
  readonly changes: BatchChanges;
  readonly hasChanges: boolean;
}

/**
 * The batch's state as one decision may read it: only what its change named. Reading anything else is a bug in
 * the decision, which the JSON store (with everything in memory) would otherwise answer and PostgreSQL (which
 * read only the names) would answer wrongly as missing; both now fail that change alike.
 */
function namedOnly(below: CommittedState, names: Names): CommittedState {
  const named = (kind: string, isNamed: boolean) => {
    if (!isNamed) throw new Error(`a decision read ${kind} its change did not name`);
  };
  return {
    saldo: (noRekening) => {
      named('an account', names.rekening.includes(noRekening));
      return below.saldo(noRekening);
    },
    isNikTaken: (nik) => {
      named('a nik', names.nik === nik);
      return below.isNikTaken(nik);
    },
    isNoHpTaken: (noHp) => {
      named('a no_hp', names.noHp === noHp);
      return below.isNoHpTaken(noHp);
    },
    record: (key) => {
      named('an idempotency key', names.idempotency?.key === key);
      return below.record(key);
    },
    keyCount: (client) => {
      named('a client', names.idempotency?.client === client);
      return below.keyCount(client);
    },
    pin: (noRekening) => {
      named('an account', names.rekening.includes(noRekening));
      return below.pin(noRekening);
    },
    debitSejak: (noRekening, sejak) => {
      named('an account', names.rekening.includes(noRekening));
      named('a day', names.debitSejak?.getTime() === sejak);
      return below.debitSejak(noRekening, sejak);
    },
  };
}

/** `earliest`: the earliest time of the batch's changes, the one its store read and pruned by. */
export function createBatchView(committed: CommittedState, earliest: Date): BatchView {
  const batch = new Layer(committed, earliest);
  return {
    decide(names, decide) {
      const layer = new Layer(namedOnly(batch, names), names.now);
      try {
        const value = decide(layer);
        batch.absorb(layer);
        return { value };
      } catch (error) {
        return { error };
      }
    },
    changes: batch.changes,
    get hasChanges() {
      const { daftar, catat, records, pin } = batch.changes;
      return daftar.size > 0 || catat.length > 0 || records.size > 0 || pin.size > 0;
    },
  };
}
