// The use cases of a savings account, in the words of the business; no HTTP, no files.
import type { Batches, Rentang, Store } from './store';
import { RekeningTidakDikenali } from './errors';
import { scopedIdempotencyKey, fingerprintOf, type Idempotency } from './idempotency';
import type {
  DaftarRequest,
  DaftarResponse,
  GerakDanaRequest,
  KodeTransaksi,
  MutasiQuery,
  MutasiResponse,
  SaldoResponse,
  TransferRequest,
} from './schemas';
import { MUTASI_PER_PAGE_MAX, type Mutasi } from './schemas';
import { decodeCursor, encodeCursor } from './paging';

export interface TabunganDeps {
  store: Store;
  /** The time a mutasi is stamped with; injected so tests can pin it. */
  clock: () => Date;
}

export type Tabungan = ReturnType<typeof createTabungan>;

/** Who asks for a change (a client name from the HTTP edge) and, optionally, under which Idempotency-Key. */
export interface Caller {
  client: string;
  idempotencyKey?: string | undefined;
}

/**
 * A retry is the same client asking for the same operation with the same validated data; the key alone does not
 * make it one, and another client's equal key is another request.
 */
function idempotencyOf(
  operation: string,
  data: unknown,
  { client, idempotencyKey }: Caller,
): Idempotency | undefined {
  if (idempotencyKey === undefined) return undefined;
  return {
    client,
    key: scopedIdempotencyKey(client, idempotencyKey),
    fingerprint: fingerprintOf(operation, data),
  };
}

/** Only the contract's fields: a hand-edited file may carry more, and they are not the API's to show. */
function contractFields({ waktu, kode_transaksi, nominal, no_rekening_lawan }: Mutasi): Mutasi {
  return no_rekening_lawan === undefined
    ? { waktu, kode_transaksi, nominal }
    : { waktu, kode_transaksi, nominal, no_rekening_lawan };
}

async function* contractBatches(batches: Batches<Mutasi>): AsyncGenerator<Mutasi[]> {
  for await (const batch of batches) yield batch.map(contractFields);
}

export function createTabungan({ store, clock }: TabunganDeps) {
  function catat(kode_transaksi: KodeTransaksi, gerak: GerakDanaRequest, caller: Caller) {
    const mutasi = { waktu: clock().toISOString(), kode_transaksi, nominal: gerak.nominal };
    return store.catatMutasi(gerak.no_rekening, mutasi, idempotencyOf(kode_transaksi, gerak, caller));
  }

  return {
    async daftar(nasabahBaru: DaftarRequest, caller: Caller): Promise<DaftarResponse> {
      return { no_rekening: await store.daftar(nasabahBaru, idempotencyOf('daftar', nasabahBaru, caller)) };
    },

    async tabung(setoran: GerakDanaRequest, caller: Caller): Promise<SaldoResponse> {
      return { saldo: await catat('C', setoran, caller) };
    },

    async tarik(penarikan: GerakDanaRequest, caller: Caller): Promise<SaldoResponse> {
      return { saldo: await catat('D', penarikan, caller) };
    },

    /** Ready when the ledger can be read; the store's StorageUnavailable says why not. */
    async health(): Promise<{ status: 'ok' }> {
      await store.ping();
      return { status: 'ok' };
    },

    /** Both sides or neither: asal's saldo afterwards, as /tarik answers. */
    async transfer(transfer: TransferRequest, caller: Caller): Promise<SaldoResponse> {
      const { no_rekening_asal, no_rekening_tujuan, nominal } = transfer;
      const waktu = clock().toISOString();
      const move = { noRekeningAsal: no_rekening_asal, noRekeningTujuan: no_rekening_tujuan, nominal, waktu };
      return { saldo: await store.transfer(move, idempotencyOf('transfer', transfer, caller)) };
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
      const page = await store.mutasiPage(noRekening, {
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
