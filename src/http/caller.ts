// Who is asking, as the use cases receive it: a client name, the server's request id, an Idempotency-Key.
import type { Request } from 'express';
import { IdempotencyKey } from '../domain/idempotency';
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
  };
}
