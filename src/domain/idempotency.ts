// Idempotent retries: a client that repeats a request with the same Idempotency-Key gets the first answer
// again, and nothing moves twice. The store keeps the key and its answer in the same atomic write as the move.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, ErrorCode, IdempotencyKeyConflict, IdempotencyKeyLimit } from './errors';

/** How long a key is remembered. Retries come within minutes; a day is the common promise (Stripe). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

const keyRule = { error: 'Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat' };
export const IdempotencyKey = z.string(keyRule).regex(/^[\x21-\x7e]{1,255}$/, keyRule);
/** A key as stored: a client's key, prefixed with the client's name unless it is open mode's. */
export const StoredIdempotencyKey = z.string().regex(/^(?:[A-Za-z0-9_.-]{1,64} )?[\x21-\x7e]{1,255}$/);

/** How many keys one client may have stored at once, unless configured otherwise (README, "Keamanan"). */
export const IDEMPOTENCY_KEYS_PER_CLIENT = 10_000;

/**
 * The one client of open mode (no API_KEYS). Its keys are stored unprefixed, exactly as files written before
 * keys were per client stored them, so those keep replaying.
 */
export const OPEN_MODE_CLIENT = 'open';

/**
 * What a store needs to recognise a retry: the client, the key as stored (scoped to that client, so two clients'
 * equal keys are two requests), and a fingerprint of what the request asked for.
 */
export interface Idempotency {
  client: string;
  /** The Idempotency-Key as stored: scoped to the client (scopedIdempotencyKey). */
  key: string;
  fingerprint: string;
}

/**
 * `<client> <key>`: a space cannot occur in an Idempotency-Key (visible ASCII only) nor in a client name, so the
 * scoped form is unambiguous and still a valid stored key.
 */
export function scopedIdempotencyKey(client: string, idempotencyKey: string): string {
  return client === OPEN_MODE_CLIENT ? idempotencyKey : `${client} ${idempotencyKey}`;
}

/** The client a stored key belongs to; unprefixed keys are open mode's. */
export function clientOfStoredKey(storedKey: string): string {
  const space = storedKey.indexOf(' ');
  return space === -1 ? OPEN_MODE_CLIENT : storedKey.slice(0, space);
}

/** Errors that are not the request's answer, only a reason it could not be decided now: never stored. */
const NOT_AN_ANSWER: ReadonlySet<ErrorCode> = new Set([
  'PENYIMPANAN_TIDAK_TERSEDIA',
  'IDEMPOTENCY_KEY_LIMIT',
  'QUEUE_FULL',
]);

/** Whether a failure is a decision (a refusal to store and replay) rather than "try again later". */
export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && !NOT_AN_ANSWER.has(error.code);
}

/** The fingerprint of one use case called with one (validated) request; retries give the same one. */
export function fingerprintOf(operasi: string, data: unknown): string {
  return createHash('sha256')
    .update(`${operasi}\n${JSON.stringify(data)}`)
    .digest('base64url');
}

/** The first answer to a keyed request, as stored: its value, or the domain error it ended in. */
export const IdempotencyRecord = z.object({
  sidik: z.string().min(1),
  waktu: z.iso.datetime(),
  hasil: z.union([
    z.object({ nilai: z.union([z.string(), z.number()]) }),
    z.object({ kode: ErrorCode, remark: z.string() }),
  ]),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

/** A keyed request's answer: its value (a no_rekening, a saldo), or the domain error it ended in. */
export type Answer = string | number | DomainError;

/**
 * The answer to a request whose key already has a record: the first answer again (its value, or its domain
 * error) for the same request, IdempotencyKeyConflict for a different one.
 */
function replay(record: IdempotencyRecord, fingerprint: string): Answer {
  if (record.sidik !== fingerprint) return new IdempotencyKeyConflict();
  if ('nilai' in record.hasil) return record.hasil.nilai;
  return new DomainError(record.hasil.kode, record.hasil.remark);
}

/** A first answer as it is stored: its value, or the domain error it ended in. */
function toStoredAnswer(answer: Answer): IdempotencyRecord['hasil'] {
  return answer instanceof DomainError ? { kode: answer.code, remark: answer.remark } : { nilai: answer };
}

/**
 * The idempotency records a store sees inside one transaction (or one batch): what it has stored, plus what
 * this transaction has recorded so far.
 */
export interface IdempotencyRecords {
  find(key: string): IdempotencyRecord | undefined;
  save(key: string, record: IdempotencyRecord): void;
  /** Keys `client` has stored, this transaction's included. */
  keyCount(client: string): number;
}

/**
 * The replay rule, before a keyed change: the stored answer again when the key has a record (a 409 when the
 * request differs), IdempotencyKeyLimit when the client may store no more keys, or undefined: run the change, then
 * call recordAnswer. Every store calls it inside its transaction, so that one key's requests take turns.
 */
export function replayOrAdmit(
  records: IdempotencyRecords,
  idempotency: Idempotency,
  keysPerClient: number,
): Answer | undefined {
  const record = records.find(idempotency.key);
  if (record !== undefined) return replay(record, idempotency.fingerprint);
  // Checked before the change: a client at its limit moves nothing, and no key is ever forgotten early.
  if (records.keyCount(idempotency.client) >= keysPerClient) throw new IdempotencyKeyLimit(keysPerClient);
  return undefined;
}

/**
 * After a keyed change, its first answer is recorded: a value, or a refusal (a refusal is an answer too). Any
 * other failure is not (nothing was decided, so a retry must run): it is rethrown and nothing is recorded.
 */
export function recordAnswer(
  records: IdempotencyRecords,
  idempotency: Idempotency,
  outcome: { value: string | number } | { error: unknown },
  now: Date,
): void {
  let answer: Answer;
  if ('value' in outcome) answer = outcome.value;
  else if (isRefusal(outcome.error)) answer = outcome.error;
  else throw outcome.error;
  records.save(idempotency.key, {
    sidik: idempotency.fingerprint,
    waktu: now.toISOString(),
    hasil: toStoredAnswer(answer),
  });
}
