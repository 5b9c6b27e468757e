// The one place that decides which status and remark an error becomes. Remarks of 5xx never carry internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError, type KodeKesalahan } from '../domain/errors';

/** An answer decided by the HTTP layer itself (unknown route, wrong media type). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly remark: string,
  ) {
    super(remark);
  }
}

const STATUS: Record<KodeKesalahan, number> = {
  DATA_TIDAK_VALID: 400,
  REKENING_TIDAK_DIKENALI: 400,
  NIK_SUDAH_TERDAFTAR: 400,
  NO_HP_SUDAH_TERDAFTAR: 400,
  SALDO_TIDAK_CUKUP: 400,
  SALDO_MELEBIHI_BATAS: 400,
  IDEMPOTENCY_KEY_BENTROK: 409,
  PENYIMPANAN_TIDAK_TERSEDIA: 503,
};

/** body-parser marks its errors with a `type`; these are the client's fault and say so. */
const BODY_PARSER: Record<string, HttpError> = {
  'entity.parse.failed': new HttpError(400, 'body bukan JSON yang valid'),
  'entity.too.large': new HttpError(413, 'body terlalu besar, maksimum 100 kB'),
  'encoding.unsupported': new HttpError(415, 'Content-Encoding tidak didukung'),
  'charset.unsupported': new HttpError(415, 'charset tidak didukung, gunakan utf-8'),
  'request.aborted': new HttpError(400, 'permintaan terputus sebelum selesai'),
  // Our only verify hook is the UTF-8 check in json-body.ts.
  'entity.verify.failed': new HttpError(400, 'body harus berupa teks UTF-8 yang valid'),
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `tidak ada endpoint ${req.method} ${req.path}`));
};

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const { status, remark } = toAnswer(error);
    if (status >= 500) logger.error({ err: error }, 'permintaan gagal');
    res.status(status).json({ remark });
  };
}

function toAnswer(error: unknown): { status: number; remark: string } {
  if (error instanceof DomainError) return { status: STATUS[error.kode], remark: error.remark };
  if (error instanceof HttpError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  const bodyParserError = typeof type === 'string' ? BODY_PARSER[type] : undefined;
  if (bodyParserError) return bodyParserError;
  return { status: 500, remark: 'terjadi kesalahan pada server; coba lagi nanti' };
}
