// A nasabah's PIN: how it is kept (a salted scrypt hash, never the PIN; its form is in schemas.ts) and the
// lockout rule. The use cases (tabungan.ts) decide with these; the stores only keep what they are given.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { QueueFull } from './errors';
import { PIN_HASH, type PinTersimpan } from './schemas';

/** How long an account refuses PIN-checked calls after PIN_ATTEMPTS wrong PINs, unless configured otherwise. */
export const DEFAULT_PIN_LOCKOUT_MS = 15 * 60 * 1000;

export interface PinHasher {
  /** A new PIN's hash; refused with QueueFull while as many PINs as may wait are waiting. */
  hash(pin: string): Promise<string>;
  /** Whether `pin` is the one `hash` was made from; in constant time, whatever the answer. Never refused. */
  verify(pin: string, hash: string): Promise<boolean>;
  /** Whether as many PINs as may wait are waiting: a caller asks before it counts an attempt it would verify. */
  isSaturated(): boolean;
}

export interface PinHasherOptions {
  log2Cost?: number;
  /** PINs hashed at once: few, so that libuv's 4 threads stay free for the file store's reads and fsyncs. */
  concurrency?: number;
  /** PINs that may wait for a turn; beyond them a new PIN is refused (503) rather than queued without bound. */
  queueLimit?: number;
}

const KEY_BYTES = 32;

/**
 * At most `concurrency` tasks at once, the rest in arrival order. Waiting is not bounded here: callers ask
 * isSaturated() first, so that a verify whose attempt is already counted is never the one turned away.
 */
function createLimiter(concurrency: number, queueLimit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    isSaturated: () => waiting.length >= queueLimit,
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < concurrency) running += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        // The turn passes to the next waiting task, or is given back.
        const next = waiting.shift();
        if (next === undefined) running -= 1;
        else next();
      }
    },
  };
}

function deriveKey(pin: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * `log2Cost` 14 (N = 16384, r = 8, p = 1): about 16 MiB and 50 ms of one thread-pool thread per PIN on this
 * machine. A 6-digit PIN has only a million values, so no cost makes a stolen hash safe for ever: it makes
 * guessing one account's PIN offline take hours of a core, and the lockout is what guards the API.
 */
export function createPinHasher({
  log2Cost = 14,
  concurrency = 2,
  queueLimit = 64,
}: PinHasherOptions = {}): PinHasher {
  const r = 8;
  const p = 1;
  const limiter = createLimiter(concurrency, queueLimit);
  return {
    async hash(pin) {
      if (limiter.isSaturated()) throw new QueueFull();
      const salt = randomBytes(16);
      const options = { N: 2 ** log2Cost, r, p, maxmem: 256 * 2 ** log2Cost * r };
      const key = await limiter.run(() => deriveKey(pin, salt, options));
      return ['scrypt', log2Cost, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
    },
    async verify(pin, hash) {
      const [, log2N = '', rText = '', pText = '', salt = '', expected = ''] = PIN_HASH.exec(hash) ?? [];
      const N = 2 ** Number(log2N);
      const options = { N, r: Number(rText), p: Number(pText), maxmem: 256 * N * Number(rText) };
      const key = await limiter.run(() => deriveKey(pin, Buffer.from(salt, 'base64url'), options));
      return timingSafeEqual(key, Buffer.from(expected, 'base64url'));
    },
    isSaturated: limiter.isSaturated,
  };
}

/** Until when the PIN refuses every attempt, if it does at `now`. */
export function lockedUntil(pin: PinTersimpan, now: Date): Date | undefined {
  if (pin.terkunci_sampai === undefined) return undefined;
  const until = new Date(pin.terkunci_sampai);
  return until > now ? until : undefined;
}
