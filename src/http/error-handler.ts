// The one place that decides which status and remark an error becomes. Remarks of 5xx never carry internals.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  DomainError,
  NotDecided,
  PinTerkunci,
  type NotDecidedCode,
  type RefusalCode,
} from '../domain/errors';

/** An answer decided by the HTTP layer itself (unknown route, wrong media type, no API key). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly remark: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(remark);
  }
}

const STATUS: Record<RefusalCode | NotDecidedCode, number> = {
  INVALID_REQUEST: 400,
  REKENING_TIDAK_DIKENALI: 400,
  NIK_SUDAH_TERDAFTAR: 400,
  NO_HP_SUDAH_TERDAFTAR: 400,
  SALDO_TIDAK_CUKUP: 400,
  SALDO_MELEBIHI_BATAS: 400,
  IDEMPOTENCY_KEY_CONFLICT: 409,
  BATAS_HARIAN_TERLAMPAUI: 400,
  // 403 for a missing or wrong PIN: the caller is known (its key is good) but the nasabah has not agreed. These
  // count toward the client's failure limit; a locked account's 429 does not (it is the account's state).
  PIN_WAJIB: 403,
  PIN_SALAH: 403,
  PIN_TERKUNCI: 429,
  // The account's state, not the request, stands in the way: 409, as for a key used for another request.
  PIN_BELUM_ADA: 409,
  IDEMPOTENCY_KEY_LIMIT: 429,
  STORAGE_UNAVAILABLE: 503,
  QUEUE_FULL: 503,
};

/** Errors a client may simply retry after a moment: they say when. */
const RETRY_AFTER_SECONDS: Partial<Record<NotDecidedCode, number>> = { QUEUE_FULL: 1 };

/** body-parser marks its errors with a `type`; these are the client's fault and say so. */
export const BODY_PARSER: Readonly<Record<string, HttpError>> = {
  'entity.parse.failed': new HttpError(400, 'body bukan JSON yang valid'),
  'entity.too.large': new HttpError(413, 'body terlalu besar, maksimum 100 kB'),
  'encoding.unsupported': new HttpError(415, 'Content-Encoding tidak didukung'),
  'charset.unsupported': new HttpError(415, 'charset tidak didukung, gunakan utf-8'),
  'request.aborted': new HttpError(400, 'permintaan terputus sebelum selesai'),
  // Our only verify hook is the UTF-8 check in json-body.ts.
  'entity.verify.failed': new HttpError(400, 'body harus berupa teks UTF-8 yang valid'),
};

/**
 * Other client errors that Express and its parsers raise (a path with a broken %-escape, a compressed body that
 * does not decode) carry a 4xx `status`. Their messages are English and may quote the input, so the remark is
 * ours.
 */
const CLIENT_ERROR_REMARK: Record<number, string> = {
  400: 'permintaan tidak dapat dibaca (misalnya %-escape di path yang rusak, atau body terkompresi yang rusak)',
};

/** A request whose body has not all arrived: a bodiless GET is not complete either while it is being routed. */
function hasBodyStillToCome(req: Request): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `tidak ada endpoint ${req.method} ${req.path}`));
};

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      // A streamed answer failed part-way: its status is gone, and the connection was cut so the client knows.
      logger.error({ err: error }, 'request failed after its answer began');
      res.destroy();
      return;
    }
    const { status, remark, headers } = toAnswer(error);
    if (status >= 500) logger.error({ err: error }, 'request failed');
    // Answered before its body was read (a 401 on a POST, say): Node would then read and discard the rest to
    // keep the connection, and a client trickling a 100 kB body would hold a connection slot for 30 s with it.
    if (hasBodyStillToCome(req)) res.setHeader('Connection', 'close');
    res.status(status).set(headers).json({ remark });
  };
}

/** What a client is sent for an error: its status, remark and headers. */
export interface Answer {
  status: number;
  remark: string;
  headers: Readonly<Record<string, string>>;
}

/** The status, remark and headers an error becomes; the OpenAPI document shows its examples through it too. */
export function toAnswer(error: unknown): Answer {
  if (error instanceof PinTerkunci) {
    const headers = { 'Retry-After': String(error.retryAfterSeconds) };
    return { status: STATUS[error.code], remark: error.remark, headers };
  }
  if (error instanceof DomainError) return { status: STATUS[error.code], remark: error.remark, headers: {} };
  if (error instanceof NotDecided) {
    const retryAfter = RETRY_AFTER_SECONDS[error.code];
    return {
      status: STATUS[error.code],
      remark: error.remark,
      headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    };
  }
  if (error instanceof HttpError) return error;
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  const bodyParserError = typeof type === 'string' ? BODY_PARSER[type] : undefined;
  if (bodyParserError) return bodyParserError;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, remark: CLIENT_ERROR_REMARK[status] ?? 'permintaan ditolak', headers: {} };
  }
  return { status: 500, remark: 'terjadi kesalahan pada server; coba lagi nanti', headers: {} };
}
