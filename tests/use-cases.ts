// The domain's use cases over one store handle, in short call shapes, for the tests of the stores: a store only
// runs decisions, so what it must get right is what these calls show (saldo, history, refusals, retries).
import { createTabungan, type Caller } from '../src/domain/tabungan';
import type { DaftarRequest, KodeTransaksi, MutasiTercatat } from '../src/domain/schemas';
import type { Store } from '../src/domain/store';
import { readMutasi } from './helpers';

export interface UseCaseOptions {
  /** The time of each change (its mutasi's waktu, and what its keys expire by); the real time by default. */
  clock?: () => Date;
  /** Who calls: the client that the mutasi and the idempotency keys belong to (open mode's by default). */
  client?: string;
  /** Draws of no_rekening, to make two collide. */
  newNoRekening?: () => string;
  idempotencyKeysPerClient?: number;
}

let requestCounter = 0;

/** The calls the store tests make; `key` is an Idempotency-Key, as a client would send it. */
export function useCases(store: Store, options: UseCaseOptions = {}) {
  const tabungan = createTabungan({
    store,
    clock: options.clock ?? (() => new Date()),
    ...(options.newNoRekening ? { newNoRekening: options.newNoRekening } : {}),
    ...(options.idempotencyKeysPerClient
      ? { idempotencyKeysPerClient: options.idempotencyKeysPerClient }
      : {}),
  });
  const caller = (key?: string): Caller => {
    requestCounter += 1;
    return { client: options.client ?? 'open', requestId: `req-${requestCounter}`, idempotencyKey: key };
  };
  return {
    daftar: async (data: DaftarRequest, key?: string) =>
      (await tabungan.daftar(data, caller(key))).no_rekening,
    /** The saldo a tabung answers: these accounts have no PIN, so it always does. */
    async tabung(noRekening: string, nominal: number, key?: string): Promise<number> {
      const answer = await tabungan.tabung({ no_rekening: noRekening, nominal }, caller(key));
      if (!('saldo' in answer)) throw new Error(`a tabung on ${noRekening} answered no saldo`);
      return answer.saldo;
    },
    tarik: async (noRekening: string, nominal: number, key?: string) =>
      (await tabungan.tarik({ no_rekening: noRekening, nominal }, caller(key))).saldo,
    /** A tabung (C) or a tarik (D). */
    catat(noRekening: string, kode: KodeTransaksi, nominal: number, key?: string): Promise<number> {
      return kode === 'C' ? this.tabung(noRekening, nominal, key) : this.tarik(noRekening, nominal, key);
    },
    transfer: async (asal: string, tujuan: string, nominal: number, key?: string) =>
      (await tabungan.transfer({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal }, caller(key)))
        .saldo,
    saldo: (noRekening: string) => store.saldo(noRekening),
    /** The whole history as stored, who made each mutasi included; null for an unknown account. */
    mutasi: (noRekening: string): Promise<MutasiTercatat[] | null> => readMutasi(store, noRekening),
  };
}

export type UseCases = ReturnType<typeof useCases>;
