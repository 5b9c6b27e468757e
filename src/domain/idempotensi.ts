// Idempotent retries: a client that repeats a request with the same Idempotency-Key gets the first answer
// again, and nothing moves twice. The store keeps the key and its answer in the same atomic write as the move.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, IdempotencyKeyBentrok, KodeKesalahan } from './errors';

/** How long a key is remembered. Retries come within minutes; a day is the common promise (Stripe). */
export const MASA_SIMPAN_IDEMPOTENSI_MS = 24 * 60 * 60 * 1000;

const aturanKunci = { error: 'Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat' };
export const IdempotencyKey = z.string(aturanKunci).regex(/^[\x21-\x7e]{1,255}$/, aturanKunci);
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
export interface Idempotensi {
  client: string;
  kunci: string;
  sidik: string;
}

/**
 * `<client> <key>`: a space cannot occur in an Idempotency-Key (visible ASCII only) nor in a client name, so the
 * scoped form is unambiguous and still a valid stored key.
 */
export function scopedIdempotencyKey(client: string, idempotencyKey: string): string {
  return client === OPEN_MODE_CLIENT ? idempotencyKey : `${client} ${idempotencyKey}`;
}

/** The client a stored key belongs to; unprefixed keys are open mode's. */
export function clientOfStoredKey(kunci: string): string {
  const space = kunci.indexOf(' ');
  return space === -1 ? OPEN_MODE_CLIENT : kunci.slice(0, space);
}

/** Errors that are not the request's answer, only a reason it could not be decided now: never stored. */
const NOT_AN_ANSWER: ReadonlySet<KodeKesalahan> = new Set([
  'PENYIMPANAN_TIDAK_TERSEDIA',
  'IDEMPOTENCY_KEY_LIMIT',
  'QUEUE_FULL',
]);

/** Whether a failure is a decision (a refusal to store and replay) rather than "try again later". */
export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && !NOT_AN_ANSWER.has(error.kode);
}

/** The fingerprint of one use case called with one (validated) request; retries give the same one. */
export function sidikPermintaan(operasi: string, data: unknown): string {
  return createHash('sha256')
    .update(`${operasi}\n${JSON.stringify(data)}`)
    .digest('base64url');
}

/** The first answer to a keyed request, as stored: its value, or the domain error it ended in. */
export const CatatanIdempotensi = z.object({
  sidik: z.string().min(1),
  waktu: z.iso.datetime(),
  hasil: z.union([
    z.object({ nilai: z.union([z.string(), z.number()]) }),
    z.object({ kode: KodeKesalahan, remark: z.string() }),
  ]),
});
export type CatatanIdempotensi = z.infer<typeof CatatanIdempotensi>;

/**
 * The answer to a request whose key already has a record: the first answer again (its value, or its domain
 * error) for the same request, IdempotencyKeyBentrok for a different one.
 */
export function jawabanUlang(catatan: CatatanIdempotensi, sidik: string): string | number | DomainError {
  if (catatan.sidik !== sidik) return new IdempotencyKeyBentrok();
  if ('nilai' in catatan.hasil) return catatan.hasil.nilai;
  return new DomainError(catatan.hasil.kode, catatan.hasil.remark);
}

/** A first answer as it is stored: its value, or the domain error it ended in. */
export function hasilDisimpan(jawaban: string | number | DomainError): CatatanIdempotensi['hasil'] {
  return jawaban instanceof DomainError ? { kode: jawaban.kode, remark: jawaban.remark } : { nilai: jawaban };
}
