// Who is asking, as the use cases receive it: a client name, the server's request id, an Idempotency-Key, and
// the nasabah's PIN. PINs travel only in headers (X-PIN, X-PIN-Baru), never in a body or a query string, so that
// no access log, stored idempotency answer or proxy ever holds one.
import type { Request } from 'express';
import { IdempotencyKey } from '../domain/idempotency';
import { pinHeader } from '../domain/schemas';
import type { Caller } from '../domain/tabungan';
import { clientOf } from './auth';
import { requestIdOf } from './request-log';
import { validate } from './validate';

/** The client requireClient let through, and the optional Idempotency-Key header, checked like any field. */
export function callerOf(req: Request): Caller {
  const client = clientOf(req);
  if (client === undefined) throw new Error('a protected route was reached without a client');
  return {
    client: client.name,
    requestId: requestIdOf(req),
    idempotencyKey: validate(IdempotencyKey.optional(), req.get('Idempotency-Key')),
    pin: validate(PIN_HEADER, req.get('X-PIN')),
  };
}

const PIN_HEADER = pinHeader('X-PIN').optional();
const NEW_PIN_HEADER = pinHeader('X-PIN-Baru').optional();

/** The new PIN of POST /pin and /pin/reset, from X-PIN-Baru. */
export function newPinOf(req: Request): string | undefined {
  return validate(NEW_PIN_HEADER, req.get('X-PIN-Baru'));
}

/** The new PIN of POST /pin, which cannot do without one. */
export function requiredNewPinOf(req: Request): string {
  return validate(pinHeader('X-PIN-Baru'), req.get('X-PIN-Baru'));
}
