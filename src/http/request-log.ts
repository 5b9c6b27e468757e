// One JSON log line per request: method, path, status, duration and a request id, and never a body, so
// personal data (nik, no_hp) stays out of the logs.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** A caller's own request id is kept when it is a sane token, so logs line up across services. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const diberikan = req.headers['x-request-id'];
  const id = typeof diberikan === 'string' && REQUEST_ID.test(diberikan) ? diberikan : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

function ringkasan(req: IncomingMessage & { id?: unknown }, res: ServerResponse, durasiMs: number) {
  return {
    request_id: req.id,
    method: req.method,
    // The path only: a query string is the client's, and need not be kept.
    path: (req.url ?? '').split('?')[0],
    status: res.statusCode,
    duration_ms: durasiMs,
  };
}

export function createRequestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: requestId,
    quietReqLogger: true,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'permintaan selesai',
    customErrorMessage: () => 'permintaan gagal',
    customSuccessObject: (req, res, val: { responseTime: number }) => ringkasan(req, res, val.responseTime),
    customErrorObject: (req, res, error, val: { responseTime: number }) => ({
      ...ringkasan(req, res, val.responseTime),
      err: error,
    }),
  });
}
