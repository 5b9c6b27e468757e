// The narrow, transactional port the use cases need from storage; the JSON file and PostgreSQL implement it.
import type { Idempotency } from './idempotency';
import type { DaftarRequest, Mutasi, NoRekening } from './schemas';

/**
 * Changes that may wait for storage at once per process, unless configured otherwise (MAX_QUEUED_CHANGES): beyond
 * it a store refuses a change with QueueFull before it queues, so memory stays bounded under any load.
 */
export const MAX_QUEUED_CHANGES = 1_000;

/** A long list, read a batch at a time; a store that reads from memory may hand its batches over synchronously. */
export type Batches<T> = Iterable<readonly T[]> | AsyncIterable<readonly T[]>;

/** A span of waktu, epoch ms, either end open. */
export interface Rentang {
  dari?: number | undefined;
  sampai?: number | undefined;
}

export interface MutasiPage extends Rentang {
  limit: number;
  before?: number | undefined;
}

export interface MutasiPageResult {
  entries: { position: number; mutasi: Mutasi }[];
  hasOlder: boolean;
}

/** A transfer as the store carries it out: the two accounts (never the same one), the amount and its time. */
export interface Transfer {
  noRekeningAsal: string;
  noRekeningTujuan: string;
  nominal: number;
  waktu: string;
}

/**
 * Every change may carry an idempotency key. The first answer to a key (a value, or a 4xx domain error) is
 * stored in the same atomic step as the change; a later call with the key and the same fingerprint gets that
 * answer again and changes nothing, a different fingerprint gets IdempotencyKeyConflict. Keys are kept at least
 * IDEMPOTENCY_KEY_TTL_MS.
 */
export interface Store {
  /**
   * Registers a nasabah (already validated: nama trimmed, no_hp in its 08… form) with saldo 0 under a fresh no_rekening, durably.
   * @throws NikSudahTerdaftar, NoHpSudahTerdaftar; nothing is stored then.
   */
  daftar(data: DaftarRequest, idempotency?: Idempotency): Promise<NoRekening>;

  /**
   * Appends one mutasi and moves saldo with it, as one durable step; returns saldo afterwards.
   * @throws RekeningTidakDikenali, SaldoTidakCukup, SaldoMelebihiBatas; nothing changes then.
   */
  catatMutasi(noRekening: string, mutasi: Mutasi, idempotency?: Idempotency): Promise<number>;

  /**
   * Moves `nominal` from asal to tujuan as one durable step: a D mutasi on asal and a C mutasi on tujuan, both at
   * `waktu` and each naming the other as no_rekening_lawan. Returns asal's saldo afterwards.
   * @throws RekeningTidakDikenali (asal checked first), SaldoTidakCukup, SaldoMelebihiBatas; nothing changes then.
   */
  transfer(transfer: Transfer, idempotency?: Idempotency): Promise<number>;

  /** The saldo as last made durable, or null for an unknown no_rekening. */
  saldo(noRekening: string): Promise<number | null>;

  /**
   * One page of the history, or null for an unknown no_rekening: the newest `limit` mutasi whose position is
   * below `before` (all when undefined) and whose waktu is within [dari, sampai] (epoch ms), oldest first, each
   * with its position; and whether older ones in range remain. Positions only grow, so a page does not shift
   * when mutasi are added.
   */
  mutasiPage(noRekening: string, page: MutasiPage): Promise<MutasiPageResult | null>;

  /**
   * The whole history within the rentang, oldest first, in batches read as the caller asks for them (so a long
   * history is never in memory at once), or null for an unknown no_rekening. It is the history as it was when
   * this resolved: mutasi added while it is read are not in it.
   */
  mutasi(noRekening: string, rentang: Rentang): Promise<Batches<Mutasi> | null>;

  /** Resolves when the data can be read right now; rejects with StorageUnavailable otherwise. */
  ping(): Promise<void>;

  /** Finishes what was accepted, refuses what comes after, and releases every resource. */
  close(): Promise<void>;
}
