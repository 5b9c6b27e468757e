// Errors are typed by what went wrong for the nasabah; http/error-handler.ts alone decides the status code.

import { z } from 'zod';

export const ErrorCode = z.enum([
  'DATA_TIDAK_VALID',
  'REKENING_TIDAK_DIKENALI',
  'NIK_SUDAH_TERDAFTAR',
  'NO_HP_SUDAH_TERDAFTAR',
  'SALDO_TIDAK_CUKUP',
  'SALDO_MELEBIHI_BATAS',
  'IDEMPOTENCY_KEY_BENTROK',
  'PENYIMPANAN_TIDAK_TERSEDIA',
  'IDEMPOTENCY_KEY_LIMIT',
  'QUEUE_FULL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An expected failure whose remark is safe, and meant, to be shown to the client. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly remark: string,
    options?: ErrorOptions,
  ) {
    super(remark, options);
    this.name = new.target.name;
  }
}

export class InvalidRequest extends DomainError {
  constructor(remark: string) {
    super('DATA_TIDAK_VALID', remark);
  }
}

export class RekeningTidakDikenali extends DomainError {
  constructor(noRekening: string) {
    super('REKENING_TIDAK_DIKENALI', `no_rekening ${noRekening} tidak dikenali`);
  }
}

export class NikSudahTerdaftar extends DomainError {
  constructor() {
    super('NIK_SUDAH_TERDAFTAR', 'nik sudah terdaftar pada nasabah lain');
  }
}

export class NoHpSudahTerdaftar extends DomainError {
  constructor() {
    super('NO_HP_SUDAH_TERDAFTAR', 'no_hp sudah terdaftar pada nasabah lain');
  }
}

export class SaldoTidakCukup extends DomainError {
  constructor(saldo: number, nominal: number) {
    super('SALDO_TIDAK_CUKUP', `saldo tidak cukup: saldo ${saldo}, nominal penarikan ${nominal}`);
  }
}

export class SaldoMelebihiBatas extends DomainError {
  constructor() {
    super(
      'SALDO_MELEBIHI_BATAS',
      `setoran ditolak: saldo akan melebihi batas maksimum ${Number.MAX_SAFE_INTEGER}`,
    );
  }
}

export class IdempotencyKeyConflict extends DomainError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_BENTROK',
      'Idempotency-Key ini sudah dipakai untuk permintaan dengan isi berbeda; gunakan kunci baru',
    );
  }
}

/**
 * Storage cannot be used right now: the data file is hand-broken, locked or on a full disk, or the database
 * cannot be reached. Nothing was changed; the client may retry once the cause named in the remark is fixed.
 */
export class StorageUnavailable extends DomainError {
  /** For the log only: what exactly is wrong, for example where a hand edit broke the file (a position, or digits masked). */
  readonly detail: string | undefined;

  /** `cause` carries the system error for the log; the remark itself never names paths or internals. */
  constructor(remark: string, options?: ErrorOptions & { detail?: string | undefined }) {
    super('PENYIMPANAN_TIDAK_TERSEDIA', remark, options);
    this.detail = options?.detail;
  }
}

/**
 * The client already has as many idempotency keys stored as it may. Refused rather than forgetting an older key
 * early, which could let a late retry move money twice. Never stored as an answer: nothing was decided.
 */
export class IdempotencyKeyLimit extends DomainError {
  constructor(limit: number) {
    super(
      'IDEMPOTENCY_KEY_LIMIT',
      `klien ini sudah menyimpan ${limit} Idempotency-Key dalam 24 jam terakhir; ulangi tanpa kunci baru atau tunggu kunci lama kedaluwarsa`,
    );
  }
}

/** Too many changes are waiting for storage in this process; nothing was changed, retry in a moment. */
export class QueueFull extends DomainError {
  constructor() {
    super('QUEUE_FULL', 'server sedang penuh; tidak ada yang berubah, ulangi sebentar lagi');
  }
}

/** The store is closing (the server is stopping): nothing was changed, and another process may take the retry. */
export class StoreClosing extends StorageUnavailable {
  constructor() {
    super('server sedang berhenti; ulangi sebentar lagi');
  }
}
