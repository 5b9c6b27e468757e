// The narrow, transactional port every backend implements: the JSON file today, PostgreSQL later.
import type { DaftarRequest, Mutasi, NoRekening } from '../domain/schemas';

export interface Store {
  /**
   * Registers a nasabah (already validated: nama trimmed, no_hp in its 08… form) with saldo 0 under a fresh no_rekening, durably.
   * @throws NikSudahTerdaftar, NoHpSudahTerdaftar; nothing is stored then.
   */
  daftar(data: DaftarRequest): Promise<NoRekening>;

  /**
   * Appends one mutasi and moves saldo with it, as one durable step; returns saldo afterwards.
   * @throws RekeningTidakDikenali, SaldoTidakCukup, SaldoMelebihiBatas; nothing changes then.
   */
  catatMutasi(noRekening: string, mutasi: Mutasi): Promise<number>;

  /** The saldo as last made durable, or null for an unknown no_rekening. */
  saldo(noRekening: string): Promise<number | null>;

  /** The history, oldest first, or null for an unknown no_rekening. */
  mutasi(noRekening: string): Promise<readonly Mutasi[] | null>;

  /** Finishes what was accepted, refuses what comes after, and releases every resource. */
  close(): Promise<void>;
}
