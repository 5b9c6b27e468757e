// Idempotent retries: a client that repeats a request with the same Idempotency-Key gets the first answer
// again, and nothing moves twice. The store keeps the key and its answer in the same atomic write as the move.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError, IdempotencyKeyBentrok, KodeKesalahan } from './errors';

/** How long a key is remembered. Retries come within minutes; a day is the common promise (Stripe). */
export const MASA_SIMPAN_IDEMPOTENSI_MS = 24 * 60 * 60 * 1000;

const aturanKunci = { error: 'Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat' };
export const IdempotencyKey = z.string(aturanKunci).regex(/^[\x21-\x7e]{1,255}$/, aturanKunci);

/** What a store needs to recognise a retry: the key, and a fingerprint of what the request asked for. */
export interface Idempotensi {
  kunci: string;
  sidik: string;
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
