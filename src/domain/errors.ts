// Two kinds of failure, kept apart by type: a refusal (DomainError), which is the request's answer and may be
// stored and replayed; and a request that was not decided at all (NotDecided), which never is.
// http/error-handler.ts alone decides the status code of each.
import { z } from 'zod';

/** The codes of refusals, as stored in idempotency records: a format, so a renamed code keeps its old spelling readable. */
export const RefusalCode = z.enum([
  'INVALID_REQUEST',
  'REKENING_TIDAK_DIKENALI',
  'NIK_SUDAH_TERDAFTAR',
  'NO_HP_SUDAH_TERDAFTAR',
  'SALDO_TIDAK_CUKUP',
  'SALDO_MELEBIHI_BATAS',
  'IDEMPOTENCY_KEY_CONFLICT',
  'BATAS_HARIAN_TERLAMPAUI',
  'PIN_WAJIB',
  'PIN_SALAH',
  'PIN_TERKUNCI',
  'PIN_BELUM_ADA',
]);
export type RefusalCode = z.infer<typeof RefusalCode>;

/** Codes written by earlier versions, read as the codes they became. */
const EARLIER_SPELLINGS: Readonly<Record<string, RefusalCode>> = {
  DATA_TIDAK_VALID: 'INVALID_REQUEST',
  IDEMPOTENCY_KEY_BENTROK: 'IDEMPOTENCY_KEY_CONFLICT',
};

/** A stored refusal code: today's spelling, or an earlier one, read as today's. */
export const StoredRefusalCode = z.string().transform((code, context): RefusalCode => {
  const parsed = RefusalCode.safeParse(EARLIER_SPELLINGS[code] ?? code);
  if (parsed.success) return parsed.data;
  context.addIssue({ code: 'custom', message: `kode penolakan tidak dikenal` });
  return z.NEVER;
});

/** A refusal for the nasabah: an expected outcome whose remark is safe, and meant, to be shown to the client. */
export class DomainError extends Error {
  constructor(
    readonly code: RefusalCode,
    readonly remark: string,
  ) {
    super(remark);
    this.name = new.target.name;
  }
}

export class InvalidRequest extends DomainError {
  constructor(remark: string) {
    super('INVALID_REQUEST', remark);
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
      'IDEMPOTENCY_KEY_CONFLICT',
      'Idempotency-Key ini sudah dipakai untuk permintaan dengan isi berbeda; gunakan kunci baru',
    );
  }
}

/** Money going out of one account in one calendar day may not pass the daily limit (DAILY_DEBIT_LIMIT). */
export class BatasHarianTerlampaui extends DomainError {
  constructor(batas: number, sisa: number, zonaWaktu: string) {
    super(
      'BATAS_HARIAN_TERLAMPAUI',
      `melebihi batas harian uang keluar: sisa hari ini ${sisa} dari batas ${batas} (hari menurut ${zonaWaktu})`,
    );
  }
}

/** PIN_REQUIRED, and a registration without X-PIN: the request itself is incomplete, unlike PinWajib's call. */
export class PinWajibSaatDaftar extends InvalidRequest {
  constructor() {
    super('X-PIN wajib diisi: rekening baru di server ini harus memiliki PIN 6 digit');
  }
}

/** The account has a PIN, and the call did not carry one. */
export class PinWajib extends DomainError {
  constructor(noRekening: string) {
    super('PIN_WAJIB', `rekening ${noRekening} dilindungi PIN; kirim PIN-nya di header X-PIN`);
  }
}

export class PinSalah extends DomainError {
  constructor(sisaPercobaan: number, lockoutMinutes: number) {
    super(
      'PIN_SALAH',
      sisaPercobaan > 0
        ? `PIN salah; sisa ${sisaPercobaan} kali percobaan sebelum rekening dikunci ${lockoutMinutes} menit`
        : `PIN salah; rekening dikunci ${lockoutMinutes} menit`,
    );
  }
}

/** A PIN change on an account that has none: a first PIN comes with the registration or an operator's reset. */
export class PinBelumAda extends DomainError {
  constructor(noRekening: string) {
    super(
      'PIN_BELUM_ADA',
      `rekening ${noRekening} belum memiliki PIN; PIN pertama diberikan saat daftar atau oleh operator (/pin/reset)`,
    );
  }
}

/** Refused without looking at the PIN: the account is locked after too many wrong ones. */
export class PinTerkunci extends DomainError {
  /** Whole seconds until the lock ends, by the domain's clock: the answer's Retry-After. */
  readonly retryAfterSeconds: number;

  constructor(until: Date, now: Date) {
    super(
      'PIN_TERKUNCI',
      `rekening dikunci karena PIN salah berulang kali; coba lagi setelah ${until.toISOString()} atau minta operator mengatur ulang PIN`,
    );
    this.retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  }
}

export type NotDecidedCode = 'STORAGE_UNAVAILABLE' | 'QUEUE_FULL' | 'IDEMPOTENCY_KEY_LIMIT';

/**
 * The request was not decided: nothing changed and nothing was stored, so a retry runs it for real. Never a
 * request's answer, so never recorded under its Idempotency-Key: that is what the type is for.
 */
export class NotDecided extends Error {
  constructor(
    readonly code: NotDecidedCode,
    readonly remark: string,
    options?: ErrorOptions,
  ) {
    super(remark, options);
    this.name = new.target.name;
  }
}

/**
 * Storage cannot be used right now: the data file is hand-broken, locked or on a full disk, or the database
 * cannot be reached. The client may retry once the cause named in the remark is fixed.
 */
export class StorageUnavailable extends NotDecided {
  /** For the log only: what exactly is wrong, for example where a hand edit broke the file (a position). */
  readonly detail: string | undefined;

  /** `cause` carries the system error for the log; the remark itself never names paths or internals. */
  constructor(remark: string, options?: ErrorOptions & { detail?: string | undefined }) {
    super('STORAGE_UNAVAILABLE', remark, options);
    this.detail = options?.detail;
  }
}

/** The store is closing (the server is stopping): another process may take the retry. */
export class StoreClosing extends StorageUnavailable {
  constructor() {
    super('server sedang berhenti; ulangi sebentar lagi');
  }
}

/** Too many changes are waiting for storage in this process; retry in a moment. */
export class QueueFull extends NotDecided {
  constructor() {
    super('QUEUE_FULL', 'server sedang penuh; tidak ada yang berubah, ulangi sebentar lagi');
  }
}

/**
 * The client already has as many idempotency keys stored as it may. Refused rather than forgetting an older key
 * early, which could let a late retry move money twice.
 */
export class IdempotencyKeyLimit extends NotDecided {
  constructor(limit: number) {
    super(
      'IDEMPOTENCY_KEY_LIMIT',
      `klien ini sudah menyimpan ${limit} Idempotency-Key dalam 24 jam terakhir; ulangi tanpa kunci baru atau tunggu kunci lama kedaluwarsa`,
    );
  }
}
