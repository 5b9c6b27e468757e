// One JSON log line per request: method, path, status, duration and a request id, and never a body, so
// personal data (nik, no_hp) stays out of the logs. Written by hand rather than with pino-http: that one
// builds a child logger and serializers for every request, which halved the throughput of GET /saldo.
import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { whenSettled } from './closing';
import { clientOf } from './auth';

/** A caller's own request id is kept beside ours when it is a sane token, so logs line up across services. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

const requestIds = new WeakMap<Request, string>();

/**
 * The id this server gave the request: in its log line, its X-Request-Id answer header, and every mutasi it
 * writes. Never the caller's, which anyone could choose (or repeat) to muddle the audit trail.
 */
export function requestIdOf(req: Request): string {
  const requestId = requestIds.get(req);
  if (requestId === undefined) throw new Error('a request reached a route without a request id');
  return requestId;
}

/**
 * Request ids of this process: a random prefix drawn at start (48 bits, so two processes or two starts do not
 * share one) and a counter, e.g. `q3Zk8_Ab-1f`. Short on purpose: every mutasi keeps its request's id, and the
 * data file is rewritten whole by every batch, so a UUID's 36 characters cost each write (BENCHMARKS.md).
 */
function createRequestIds(): () => string {
  const prefix = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}-${counter.toString(36)}`;
  };
}

export function createRequestLogger(logger: Logger): RequestHandler {
  const nextRequestId = createRequestIds();
  // The line is built field by field from nothing personal (the redacted paths, such as *.nik, never occur in
  // it), so the logger's redaction would only cost time: 18 µs a line instead of 6 (measured). The test "carry
  // exactly the known fields" (tests/api/logging-health.test.ts) fails on any new field, so that whoever adds one
  // checks it can never hold a body, a header or personal data (or logs it through `logger`).
  const requestLines = logger.child({}, { redact: { paths: [] } });
  return (req, res, next) => {
    const startedAt = performance.now();
    const given = req.get('X-Request-Id');
    const callerRequestId = given !== undefined && REQUEST_ID.test(given) ? given : undefined;
    const requestId = nextRequestId();
    requestIds.set(req, requestId);
    res.setHeader('X-Request-Id', requestId);
    // On close, not finish: an answer cut off part-way (a client that left a long history, a store that failed
    // mid-stream) never finishes, and must still leave its line.
    whenSettled(req, res, () => {
      const completed = res.writableFinished;
      const level = res.statusCode >= 500 ? 'error' : completed ? 'info' : 'warn';
      if (!requestLines.isLevelEnabled(level)) return;
      requestLines[level](
        {
          request_id: requestId,
          caller_request_id: callerRequestId,
          // The API key's name, never the token; absent when the caller was not identified.
          client: clientOf(req)?.name,
          method: req.method,
          // The path only: a query string is the client's, and need not be kept.
          path: req.path,
          status: res.statusCode,
          duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
        },
        completed ? 'request finished' : 'request cut off before its answer was complete',
      );
    });
    next();
  };
}
