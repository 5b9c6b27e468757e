// Idempotent retries: a client that repeats a request with the same Idempotency-Key gets the first answer
// again, and nothing moves twice. The rule is written here once and runs inside each change's decision, so the
// key's record is stored in the same durable step as the change it answers.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, IdempotencyKeyConflict, IdempotencyKeyLimit, StoredRefusalCode } from './errors';
import { CLIENT_NAME } from './schemas';
import type { View } from './store';

/** How long a key is remembered. Retries come within minutes; a day is the common promise (Stripe). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

const keyRule = { error: 'Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat' };
export const IdempotencyKey = z.string(keyRule).regex(/^[\x21-\x7e]{1,255}$/, keyRule);
/** A key as stored: a client's key, prefixed with the client's name unless it is open mode's. */
export const StoredIdempotencyKey = z
  .string()
  .regex(new RegExp(`^(?:${CLIENT_NAME.source} )?[\\x21-\\x7e]{1,255}$`));

/** How many keys one client may have stored at once, unless configured otherwise (docs/security.md). */
export const IDEMPOTENCY_KEYS_PER_CLIENT = 10_000;

/**
 * The one client of open mode (no API_KEYS). Its keys are stored unprefixed, exactly as files written before
 * keys were per client stored them, so those keep replaying.
 */
export const OPEN_MODE_CLIENT = 'open';

/**
 * What recognises a retry: the client, the key as stored (scoped to that client, so two clients' equal keys are
 * two requests), and a fingerprint of what the request asked for.
 */
export interface Idempotency {
  client: string;
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

/** The fingerprint of one use case called with one (validated) request; retries give the same one. */
export function fingerprintOf(operation: string, data: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${JSON.stringify(data)}`)
    .digest('base64url');
}

/**
 * The first answer to a keyed request, as stored: its value, or the refusal it ended in. The keys (sidik,
 * waktu, hasil, nilai, kode) are the data file's and the database's format, so they keep their spelling.
 */
export const IdempotencyRecord = z.object({
  sidik: z.string().min(1),
  waktu: z.iso.datetime(),
  hasil: z.union([
    z.object({ nilai: z.union([z.string(), z.number()]) }),
    z.object({ kode: StoredRefusalCode, remark: z.string() }),
  ]),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

/** The time before which records have expired at `now`: what pruning keeps and what the replay rule ignores. */
export function expiryCutoff(now: Date): string {
  return new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString();
}

export function isExpired(record: IdempotencyRecord, now: Date): boolean {
  return record.waktu < expiryCutoff(now);
}

/** A decision's answer: a value, or the refusal for the nasabah it ended in (an answer too, and stored). */
export type Outcome<T> = { value: T } | { refusal: DomainError };

/** Runs a decision that refuses by throwing; undefined means it did not decide (say, a drawn number was taken). */
export function outcomeOf<T>(decide: () => T | undefined): Outcome<T> | undefined {
  try {
    const value = decide();
    return value === undefined ? undefined : { value };
  } catch (error) {
    if (error instanceof DomainError) return { refusal: error };
    throw error;
  }
}

/**
 * A keyed decision, once. A key with a record (not expired) is answered from it: the first answer again for the
 * same request (a value is checked against `answer`, so a stored one has the type this operation returns), 409
 * for a different one. A new key of a client that already stores `keysPerClient` throws IdempotencyKeyLimit:
 * not decided, so nothing is recorded. Otherwise `decide` runs, and what it answered is saved under the key in
 * the same view; when it did not decide, nothing is.
 */
export function decideOnce<T extends string | number>(
  view: View,
  idempotency: Idempotency,
  { now, keysPerClient, answer }: { now: Date; keysPerClient: number; answer: z.ZodType<T> },
  decide: () => Outcome<T> | undefined,
): Outcome<T> | undefined {
  const record = view.record(idempotency.key);
  if (record !== undefined && !isExpired(record, now)) return replay(record, idempotency, answer);
  // Checked before the decision: a client at its limit moves nothing, and no key is ever forgotten early.
  if (view.keyCount(idempotency.client) >= keysPerClient) throw new IdempotencyKeyLimit(keysPerClient);
  const outcome = decide();
  if (outcome === undefined) return undefined;
  view.saveRecord(idempotency.key, {
    sidik: idempotency.fingerprint,
    waktu: now.toISOString(),
    hasil:
      'value' in outcome
        ? { nilai: outcome.value }
        : { kode: outcome.refusal.code, remark: outcome.refusal.remark },
  });
  return outcome;
}

function replay<T>(record: IdempotencyRecord, idempotency: Idempotency, answer: z.ZodType<T>): Outcome<T> {
  if (record.sidik !== idempotency.fingerprint) return { refusal: new IdempotencyKeyConflict() };
  // A stored refusal comes back with its code and its remark, exactly as the client first got them.
  if ('kode' in record.hasil) return { refusal: new DomainError(record.hasil.kode, record.hasil.remark) };
  return { value: answer.parse(record.hasil.nilai) };
}
