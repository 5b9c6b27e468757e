// What each test of the Store contract starts from: a fresh backend, a first handle on it, the use cases over
// that handle on a clock the test moves, and every handle it opened, closed after it.
import type { Mutasi, MutasiTercatat } from '../../src/domain/schemas';
import type { Store } from '../../src/domain/store';
import { dataNasabah } from '../helpers';
import { useCases, type UseCaseOptions, type UseCases } from '../use-cases';

/**
 * One fresh, empty backend (a data file, a database schema). Every store opened on it is one more handle on the
 * same data, as another process's would be.
 */
export interface StoreBackend {
  open(): Promise<Store>;
}

/** Makes a fresh, empty backend; the contract makes one per test. */
export type NewBackend = () => Promise<StoreBackend>;

/** The time every change of a test is made at, moved only by the test, so that each waktu and expiry is known. */
export interface TestClock {
  readonly clock: () => Date;
  /** The waktu of a change made now. */
  readonly waktu: string;
  /** Moves the clock on by `ms` (a second unless told); returns the new waktu. */
  advance(ms?: number): string;
}

export function testClock(): TestClock {
  // From the real time: were a store to expire records by its own clock rather than the change's, the TTL test
  // would catch it, and nothing else would see records expire early.
  let now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    clock: () => now,
    get waktu() {
      return now.toISOString();
    },
    advance(ms = 1000) {
      now = new Date(now.getTime() + ms);
      return now.toISOString();
    },
  };
}

export interface Contract {
  /** The test's first handle on its backend. */
  readonly store: Store;
  /** The use cases over `store`, as open mode's client, on `time`. */
  readonly bank: UseCases;
  readonly time: TestClock;
  /** One more handle on the test's backend (another process's store), closed after the test. */
  openHandle(): Promise<Store>;
  /** The use cases over `handle`, on `time` unless the options bring a clock of their own. */
  bankOn(handle: Store, options?: UseCaseOptions): UseCases;
  /** A new account whose saldo, if any, was paid in by one tabung. */
  rekeningWithSaldo(saldo?: number): Promise<string>;
  /** For a test that closes the handle itself: it is then not closed again after the test. */
  closedByTest(handle: Store): void;
}

/** Registers the hooks that give each test its own backend; the returned contract reads the current test's. */
export function storeContractFixture(newBackend: NewBackend): Contract {
  let backend: StoreBackend;
  let store: Store;
  let bank: UseCases;
  let time: TestClock;
  let handles: Store[] = [];

  async function openHandle(): Promise<Store> {
    const handle = await backend.open();
    handles.push(handle);
    return handle;
  }

  const bankOn = (handle: Store, options: UseCaseOptions = {}) =>
    useCases(handle, { clock: time.clock, ...options });

  beforeEach(async () => {
    backend = await newBackend();
    time = testClock();
    store = await openHandle();
    bank = bankOn(store);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.close()));
  });

  return {
    get store() {
      return store;
    },
    get bank() {
      return bank;
    },
    get time() {
      return time;
    },
    openHandle,
    bankOn,
    async rekeningWithSaldo(saldo = 0) {
      const noRekening = await bank.daftar(dataNasabah());
      if (saldo > 0) await bank.tabung(noRekening, saldo);
      return noRekening;
    },
    closedByTest(handle) {
      handles = handles.filter((other) => other !== handle);
    },
  };
}

/**
 * `count` tabung of `nominal`, in waves below the stores' bound on queued changes (MAX_QUEUED_CHANGES), which
 * would refuse the rest.
 */
export async function tabungInWaves(
  bank: UseCases,
  noRekening: string,
  count: number,
  nominal: number,
): Promise<void> {
  for (let sent = 0; sent < count; sent += 500) {
    const wave = Array.from({ length: Math.min(500, count - sent) }, () => bank.tabung(noRekening, nominal));
    await Promise.all(wave);
  }
}

/** A history's contract fields only: for the tests where who made each mutasi is not the point. */
export function withoutAudit(history: readonly MutasiTercatat[] | null): Mutasi[] | null {
  return (
    history?.map(({ waktu, kode_transaksi, nominal, no_rekening_lawan }) =>
      no_rekening_lawan === undefined
        ? { waktu, kode_transaksi, nominal }
        : { waktu, kode_transaksi, nominal, no_rekening_lawan },
    ) ?? null
  );
}

/** An Idempotency-Key no other test sends. */
export const uniqueKey = (name: string): string => `${name}-${String(Math.random()).slice(2)}`;
