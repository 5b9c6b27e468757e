// A nasabah's consent: the PIN a call carries, checked against the account's before money leaves it or its data
// is read. Every attempt is counted, durably and under the store's lock, before the PIN is compared, so guesses
// from any number of requests or processes stay within PIN_ATTEMPTS per lockout; the comparison itself (scrypt,
// tens of milliseconds) runs outside the store's decisions, which must stay synchronous.
import { PinSalah, PinTerkunci, PinWajib, QueueFull } from './errors';
import { lockedUntil, type PinHasher } from './pin';
import { PIN_ATTEMPTS } from './schemas';
import type { RekeningTersimpan, Store, View } from './store';

/** What a checked PIN agreed to: the account, and the hash its PIN matched (none: the account has no PIN). */
export interface Consent {
  noRekening: string;
  hash: string | undefined;
  /** The count this attempt left: attempts counted after it (another caller's guesses) are not its to forgive. */
  gagal: number;
  /** The account as read when the consent was asked for (null: no such account), so a read need not read again. */
  rekening: RekeningTersimpan | null;
}

export interface ConsentDeps {
  store: Store;
  clock: () => Date;
  pinHasher: PinHasher;
  pinLockoutMs: number;
}

export type Consents = ReturnType<typeof createConsents>;

export function createConsents({ store, clock, pinHasher, pinLockoutMs }: ConsentDeps) {
  const lockoutMinutes = Math.round(pinLockoutMs / 60_000);

  /** Counts one attempt on the account's PIN; answers its hash and the count, or nothing when it has no PIN. */
  function countAttempt(noRekening: string): Promise<{ hash: string; gagal: number } | undefined> {
    const now = clock();
    return store.change({ rekening: [noRekening], now }, (view) => {
      const pin = view.pin(noRekening);
      if (pin === undefined) return undefined;
      const until = lockedUntil(pin, now);
      if (until !== undefined) throw new PinTerkunci(until, now);
      // A lockout that has ended starts the count afresh.
      // Bounded, so a count a hand edit left at the limit without a lock cannot step past what the stores keep.
      const gagal = Math.min(PIN_ATTEMPTS, (pin.terkunci_sampai === undefined ? pin.gagal : 0) + 1);
      const locks = gagal >= PIN_ATTEMPTS;
      const terkunci = locks ? { terkunci_sampai: new Date(now.getTime() + pinLockoutMs).toISOString() } : {};
      view.simpanPin(noRekening, { hash: pin.hash, gagal, ...terkunci });
      return { hash: pin.hash, gagal };
    });
  }

  return {
    /**
     * The consent for a call on `noRekening`, or the refusal: no PIN given, a wrong one, or a locked account. An
     * account without a PIN (or an unknown one, which the call's own decision refuses) needs none. The attempt
     * stays counted until a change spends the consent: a right PIN resets the count there, in the same step as
     * what it agreed to.
     */
    async obtain(noRekening: string, pin: string | undefined): Promise<Consent> {
      const rekening = await store.rekening(noRekening);
      if (rekening === null || rekening.pin === undefined) {
        return { noRekening, hash: undefined, gagal: 0, rekening };
      }
      if (pin === undefined) throw new PinWajib(noRekening);
      // A locked account is refused from a read, without a change: a guesser gets nothing for the asking.
      const until = lockedUntil(rekening.pin, clock());
      if (until !== undefined) throw new PinTerkunci(until, clock());
      // Refused before the attempt is counted: an attempt the hasher never compared must not count as a wrong PIN.
      if (pinHasher.isSaturated()) throw new QueueFull();
      const attempt = await countAttempt(noRekening);
      // Reset by an operator in between: the account has no PIN now.
      if (attempt === undefined) return { noRekening, hash: undefined, gagal: 0, rekening };
      if (!(await pinHasher.verify(pin, attempt.hash))) {
        throw new PinSalah(PIN_ATTEMPTS - attempt.gagal, lockoutMinutes);
      }
      return { noRekening, hash: attempt.hash, gagal: attempt.gagal, rekening };
    },

    /** Whether the consent still stands in this view: the account's PIN is the one that was checked. */
    holds(view: View, consent: Consent): boolean {
      return view.pin(consent.noRekening)?.hash === consent.hash;
    },

    /**
     * Uses a consent that holds: a right PIN forgives the wrong ones counted up to and including its own attempt.
     * Guesses counted while it was being compared stay counted, and keep a lockout they brought about, so an
     * owner's reads never wipe out a guesser's tries.
     */
    spend(view: View, consent: Consent): void {
      const pin = view.pin(consent.noRekening);
      if (pin === undefined || (pin.gagal === 0 && pin.terkunci_sampai === undefined)) return;
      const gagal = Math.max(0, pin.gagal - consent.gagal);
      view.simpanPin(consent.noRekening, gagal >= PIN_ATTEMPTS ? pin : { hash: pin.hash, gagal });
    },

    /** Spends a consent in a change of its own: for a read, or a change that failed after the PIN was right. */
    async spendAlone(consent: Consent): Promise<void> {
      if (consent.hash === undefined) return;
      await store.change({ rekening: [consent.noRekening], now: clock() }, (view) => {
        if (this.holds(view, consent)) this.spend(view, consent);
      });
    },
  };
}
