// The use cases of a savings account, each told once in the words of the business; no HTTP, no files, no SQL.
// A change is a decision on a view of the accounts it names, run by the store under its lock (store.ts).
import type { z } from 'zod';
import { NikSudahTerdaftar, NoHpSudahTerdaftar, RekeningTidakDikenali } from './errors';
import {
  IDEMPOTENCY_KEYS_PER_CLIENT,
  decideOnce,
  fingerprintOf,
  outcomeOf,
  scopedIdempotencyKey,
  type Idempotency,
  type Outcome,
} from './idempotency';
import { decodeCursor, encodeCursor } from './paging';
import { drawNoRekening, saldoSetelah } from './rekening';
import {
  MUTASI_PER_PAGE_MAX,
  NoRekening,
  Saldo,
  type DaftarRequest,
  type DaftarResponse,
  type GerakDanaRequest,
  type KodeTransaksi,
  type Mutasi,
  type MutasiQuery,
  type MutasiResponse,
  type MutasiTercatat,
  type SaldoResponse,
  type TransferRequest,
} from './schemas';
import type { Names, Rentang, Store, View } from './store';

export interface TabunganDeps {
  store: Store;
  /** The time of every change: its mutasi's waktu, and what its idempotency records expire by. */
  clock: () => Date;
  /** Draws a fresh no_rekening; injected so that tests can make two draws collide. */
  newNoRekening?: () => string;
  /** Idempotency keys one client may have stored; beyond it a new key is refused with IdempotencyKeyLimit. */
  idempotencyKeysPerClient?: number;
}

export type Tabungan = ReturnType<typeof createTabungan>;

/**
 * Who asks for a change: the client (an API key's name, or open mode's), the id the server gave the request,
 * and, optionally, its Idempotency-Key. The first two are kept with every mutasi the change writes.
 */
export interface Caller {
  client: string;
  requestId: string;
  idempotencyKey?: string | undefined;
}

/**
 * A retry is the same client asking for the same operation with the same validated data; the key alone does not
 * make it one, and another client's equal key is another request.
 */
function idempotencyOf(operation: string, data: unknown, caller: Caller): Idempotency | undefined {
  if (caller.idempotencyKey === undefined) return undefined;
  return {
    client: caller.client,
    key: scopedIdempotencyKey(caller.client, caller.idempotencyKey),
    fingerprint: fingerprintOf(operation, data),
  };
}

/** Only the contract's fields: who made a mutasi, and fields a hand edit added, are not the API's to show. */
function contractFields({ waktu, kode_transaksi, nominal, no_rekening_lawan }: MutasiTercatat): Mutasi {
  return no_rekening_lawan === undefined
    ? { waktu, kode_transaksi, nominal }
    : { waktu, kode_transaksi, nominal, no_rekening_lawan };
}

async function* contractBatches(batches: AsyncIterable<readonly MutasiTercatat[]>): AsyncGenerator<Mutasi[]> {
  for await (const batch of batches) yield batch.map(contractFields);
}

/** The answer of a decision that always decides (only a registration may have to draw again). */
function decided<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a decision that always decides answered nothing');
  return value;
}

/** An account's saldo in the view, or the refusal the nasabah gets for a number no account has. */
function saldoOf(view: View, noRekening: string): number {
  const saldo = view.saldo(noRekening);
  if (saldo === undefined) throw new RekeningTidakDikenali(noRekening);
  return saldo;
}

export function createTabungan({
  store,
  clock,
  newNoRekening = drawNoRekening,
  idempotencyKeysPerClient = IDEMPOTENCY_KEYS_PER_CLIENT,
}: TabunganDeps) {
  /**
   * One change: `decide` runs in the store's unit of work, once per Idempotency-Key, and answers a value, a
   * refusal (thrown here once it is durable), or undefined when it could not decide in this view.
   */
  async function change<T extends string | number>(
    operation: { name: string; data: unknown; answer: z.ZodType<T> },
    caller: Caller,
    names: Omit<Names, 'now' | 'idempotency'>,
    decide: (view: View, audit: Pick<MutasiTercatat, 'waktu' | 'client' | 'request_id'>) => T | undefined,
  ): Promise<T | undefined> {
    const now = clock();
    const audit = { waktu: now.toISOString(), client: caller.client, request_id: caller.requestId };
    const idempotency = idempotencyOf(operation.name, operation.data, caller);
    const outcome: Outcome<T> | undefined = await store.change(
      { ...names, now, idempotency: idempotency && { client: idempotency.client, key: idempotency.key } },
      (view) => {
        const run = () => outcomeOf(() => decide(view, audit));
        if (idempotency === undefined) return run();
        const rules = { now, keysPerClient: idempotencyKeysPerClient, answer: operation.answer };
        return decideOnce(view, idempotency, rules, run);
      },
    );
    if (outcome === undefined) return undefined;
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.value;
  }

  /** A tabung or a tarik: one mutasi on one account, and the saldo it leaves. */
  async function gerakDana(kode_transaksi: KodeTransaksi, gerak: GerakDanaRequest, caller: Caller) {
    const { no_rekening, nominal } = gerak;
    // The operation is named by its kode_transaksi, as fingerprints stored by earlier versions name it.
    const operation = { name: kode_transaksi, data: gerak, answer: Saldo };
    const saldo = await change(operation, caller, { rekening: [no_rekening] }, (view, audit) => {
      const mutasi = { ...audit, kode_transaksi, nominal };
      const saldoBaru = saldoSetelah(saldoOf(view, no_rekening), mutasi);
      view.catat(no_rekening, mutasi, saldoBaru);
      return saldoBaru;
    });
    return { saldo: decided(saldo) };
  }

  return {
    /** A new account, saldo 0, under a fresh no_rekening: drawn again in the rare case it is taken. */
    async daftar(nasabahBaru: DaftarRequest, caller: Caller): Promise<DaftarResponse> {
      const operation = { name: 'daftar', data: nasabahBaru, answer: NoRekening };
      const { nik, no_hp } = nasabahBaru;
      for (;;) {
        const drawn = newNoRekening();
        const noRekening = await change(
          operation,
          caller,
          { rekening: [drawn], nik, noHp: no_hp },
          (view) => {
            if (view.saldo(drawn) !== undefined) return undefined;
            if (view.isNikTaken(nik)) throw new NikSudahTerdaftar();
            if (view.isNoHpTaken(no_hp)) throw new NoHpSudahTerdaftar();
            view.daftar(drawn, nasabahBaru);
            return drawn;
          },
        );
        if (noRekening !== undefined) return { no_rekening: noRekening };
      }
    },

    tabung: (setoran: GerakDanaRequest, caller: Caller): Promise<SaldoResponse> =>
      gerakDana('C', setoran, caller),

    tarik: (penarikan: GerakDanaRequest, caller: Caller): Promise<SaldoResponse> =>
      gerakDana('D', penarikan, caller),

    /**
     * Both sides or neither: a D on asal and a C on tujuan, one waktu, each naming the other; asal's saldo
     * afterwards, as /tarik answers. Both are decided before either is recorded; asal is checked first.
     */
    async transfer(transfer: TransferRequest, caller: Caller): Promise<SaldoResponse> {
      const { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal } = transfer;
      const operation = { name: 'transfer', data: transfer, answer: Saldo };
      const saldo = await change(operation, caller, { rekening: [asal, tujuan] }, (view, audit) => {
        const mutasiAsal = { ...audit, kode_transaksi: 'D' as const, nominal, no_rekening_lawan: tujuan };
        const mutasiTujuan = { ...audit, kode_transaksi: 'C' as const, nominal, no_rekening_lawan: asal };
        const saldoAsal = saldoSetelah(saldoOf(view, asal), mutasiAsal);
        const saldoTujuan = saldoSetelah(saldoOf(view, tujuan), mutasiTujuan);
        view.catat(asal, mutasiAsal, saldoAsal);
        view.catat(tujuan, mutasiTujuan, saldoTujuan);
        return saldoAsal;
      });
      return { saldo: decided(saldo) };
    },

    /** Ready when the ledger can be read; the store's StorageUnavailable says why not. */
    async health(): Promise<{ status: 'ok' }> {
      await store.ping();
      return { status: 'ok' };
    },

    async saldo(noRekening: string): Promise<SaldoResponse> {
      const saldo = await store.saldo(noRekening);
      if (saldo === null) throw new RekeningTidakDikenali(noRekening);
      return { saldo };
    },

    /**
     * The whole history, oldest first, optionally only [dari, sampai]: in batches as the store reads them, so the
     * answer to a long history is sent as it is read, never held whole.
     */
    async mutasi(noRekening: string, rentang: Rentang = {}): Promise<AsyncIterable<readonly Mutasi[]>> {
      const batches = await store.mutasi(noRekening, rentang);
      if (batches === null) throw new RekeningTidakDikenali(noRekening);
      return contractBatches(batches);
    },

    /**
     * One page of the history: the newest `limit` before the `sebelum` cursor (and within [dari, sampai]), oldest
     * first, and a cursor to the page before it while older mutasi remain.
     */
    async halamanMutasi(noRekening: string, query: MutasiQuery): Promise<MutasiResponse> {
      const { dari, sampai, limit, sebelum } = query;
      const before = sebelum === undefined ? undefined : decodeCursor(noRekening, sebelum);
      const page = await store.historyPage(noRekening, {
        limit: limit ?? MUTASI_PER_PAGE_MAX,
        before,
        dari,
        sampai,
      });
      if (page === null) throw new RekeningTidakDikenali(noRekening);
      const mutasi = page.entries.map((entry) => contractFields(entry.mutasi));
      const oldest = page.entries[0];
      return page.hasOlder && oldest !== undefined
        ? { mutasi, sebelum: encodeCursor(noRekening, oldest.position) }
        : { mutasi };
    },
  };
}
