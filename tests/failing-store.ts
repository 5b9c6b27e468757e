// A Store whose every call fails unexpectedly (not a DomainError), for the tests of what a 500 shows and logs.
import type { Store } from '../src/domain/store';

/** Rejects every read and change with `error`; close() succeeds, so the test's clean-up does too. */
export function failingStore(error: Error): Store {
  const fail = () => Promise.reject(error);
  return {
    change: fail,
    saldo: fail,
    rekening: fail,
    mutasi: fail,
    historyPage: fail,
    ping: fail,
    close: () => Promise.resolve(),
  };
}
