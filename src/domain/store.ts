// The port the use cases need from storage: reads, and one way to change things. A change is a decision the
// store runs under its lock, on a view of exactly what the change names, and makes durable in one step with the
// other changes of its batch. The store decides nothing: the rules are the decision's (tabungan.ts).
import type { IdempotencyRecord } from './idempotency';
import type { MutasiTercatat, NasabahBaru, PeristiwaPin, PinTersimpan } from './schemas';

/** A span of waktu, epoch ms, either end open. */
export interface Rentang {
  dari?: number | undefined;
  sampai?: number | undefined;
}

/** One page of a history: the newest `limit` mutasi below position `before` (all when undefined), in range. */
export interface HistoryPage extends Rentang {
  limit: number;
  before?: number | undefined;
}

export interface HistoryPageResult {
  entries: { position: number; mutasi: MutasiTercatat }[];
  hasOlder: boolean;
}

/** What one change names: the store locks and reads exactly these before its decision runs. */
export interface Names {
  /** Accounts the decision reads or moves, a new account's drawn no_rekening included. */
  rekening: readonly string[];
  /** A registration's nik and no_hp, which no other account may hold. */
  nik?: string | undefined;
  noHp?: string | undefined;
  /** The idempotency key (as stored) the change runs under, and whose it is. */
  idempotency?: { client: string; key: string } | undefined;
  /** The change's time: its mutasi's waktu, and what idempotency records have expired by. */
  now: Date;
  /** The start of the day whose money going out of its accounts the decision reads (View.debitSejak). */
  debitSejak?: Date | undefined;
}

/** An account as a read sees it: what the API shows, and whether (and how) its PIN guards it. */
export interface RekeningTersimpan {
  saldo: number;
  pin: PinTersimpan | undefined;
}

/**
 * The accounts and idempotency records a change named, as they stand after the decisions before it in its
 * batch. What a decision records is kept only if it returns: one that throws leaves the view as it found it.
 */
export interface View {
  /** The saldo of a named account, undefined if there is no such account. */
  saldo(noRekening: string): number | undefined;
  isNikTaken(nik: string): boolean;
  isNoHpTaken(noHp: string): boolean;
  /** The record stored under a named key, expired or not; the replay rule decides what expiry means. */
  record(key: string): IdempotencyRecord | undefined;
  /** How many unexpired records the client stores. */
  keyCount(client: string): number;
  /** A named account's PIN, undefined when it has none. */
  pin(noRekening: string): PinTersimpan | undefined;
  /** The nominal of a named account's D mutasi whose waktu is at or after `sejak` (epoch ms; Names.debitSejak). */
  debitSejak(noRekening: string, sejak: number): number;

  daftar(noRekening: string, nasabah: NasabahBaru): void;
  /** Appends a mutasi the decision has checked, with the saldo it leaves. */
  catat(noRekening: string, mutasi: MutasiTercatat, saldo: number): void;
  saveRecord(key: string, record: IdempotencyRecord): void;
  /** Replaces the account's PIN (undefined: it has none now); a set, change or reset says who made it. */
  simpanPin(noRekening: string, pin: PinTersimpan | undefined, peristiwa?: PeristiwaPin): void;
}

export interface Store {
  /**
   * Runs `decide` on a view of what `names` names, under the store's lock, with the other changes of its batch,
   * and resolves with what it returned once what it recorded is durable. If it throws, that change alone fails
   * and nothing it recorded is kept. Fails with NotDecided when storage cannot take it now.
   */
  change<T>(names: Names, decide: (view: View) => T): Promise<T>;

  /** The saldo as last made durable, or null for an unknown no_rekening. */
  saldo(noRekening: string): Promise<number | null>;

  /** The account as last made durable, its PIN included, or null for an unknown no_rekening. */
  rekening(noRekening: string): Promise<RekeningTersimpan | null>;

  /**
   * One page of the history, or null for an unknown no_rekening, oldest first, each mutasi with its position,
   * and whether older ones in range remain. Positions only grow, so a page does not shift when mutasi are added.
   */
  historyPage(noRekening: string, page: HistoryPage): Promise<HistoryPageResult | null>;

  /**
   * The whole history within the rentang, oldest first, in batches read as the caller asks for them (so a long
   * history is never in memory at once), or null for an unknown no_rekening. It is the history as it was when
   * this resolved: mutasi added while it is read are not in it.
   */
  mutasi(noRekening: string, rentang: Rentang): Promise<AsyncIterable<readonly MutasiTercatat[]> | null>;

  /** Resolves when the data can be read right now; rejects with StorageUnavailable otherwise. */
  ping(): Promise<void>;

  /** Finishes what was accepted, refuses what comes after, and releases every resource. */
  close(): Promise<void>;
}
