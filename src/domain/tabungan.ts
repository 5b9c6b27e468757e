// The use cases of a savings account, in the words of the business; no HTTP, no files.
import type { Store } from './store';
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

    /** The history, oldest first; optionally only [dari, sampai], and of that only the newest `limit`. */
    async mutasi(noRekening: string, { dari, sampai, limit }: MutasiQuery = {}): Promise<MutasiResponse> {
      const semua = await store.mutasi(noRekening);
      if (semua === null) throw new RekeningTidakDikenali(noRekening);
      const dalamRentang =
        dari === undefined && sampai === undefined
          ? semua
          : semua.filter(({ waktu }) => {
              const saat = Date.parse(waktu);
              return (dari === undefined || saat >= dari) && (sampai === undefined || saat <= sampai);
            });
      const mutasi = limit === undefined ? dalamRentang : dalamRentang.slice(-limit);
      // Only the contract's fields: a hand-edited file may carry more, and they are not the API's to show.
      return {
        mutasi: mutasi.map(({ waktu, kode_transaksi, nominal, no_rekening_lawan }) =>
          no_rekening_lawan === undefined
            ? { waktu, kode_transaksi, nominal }
            : { waktu, kode_transaksi, nominal, no_rekening_lawan },
        ),
      };
    },
  };
}
