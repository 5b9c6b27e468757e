// The use cases of a savings account, in the words of the business; no HTTP, no files.
import type { Store } from '../store/store';
import { RekeningTidakDikenali } from './errors';
import { sidikPermintaan, type Idempotensi } from './idempotensi';
import type {
  DaftarRequest,
  DaftarResponse,
  GerakDanaRequest,
  KodeTransaksi,
  MutasiQuery,
  MutasiResponse,
  SaldoResponse,
} from './schemas';

export interface TabunganDeps {
  store: Store;
  /** The time a mutasi is stamped with; injected so tests can pin it. */
  clock: () => Date;
}

export type Tabungan = ReturnType<typeof createTabungan>;

/** A retry is the same operation with the same validated data; the key alone does not make it one. */
function idempotensi(operasi: string, data: unknown, kunci: string | undefined): Idempotensi | undefined {
  return kunci === undefined ? undefined : { kunci, sidik: sidikPermintaan(operasi, data) };
}

export function createTabungan({ store, clock }: TabunganDeps) {
  function catat(kode_transaksi: KodeTransaksi, gerak: GerakDanaRequest, kunci: string | undefined) {
    const mutasi = { waktu: clock().toISOString(), kode_transaksi, nominal: gerak.nominal };
    return store.catatMutasi(gerak.no_rekening, mutasi, idempotensi(kode_transaksi, gerak, kunci));
  }

  return {
    async daftar(nasabahBaru: DaftarRequest, kunci?: string): Promise<DaftarResponse> {
      return { no_rekening: await store.daftar(nasabahBaru, idempotensi('daftar', nasabahBaru, kunci)) };
    },

    async tabung(setoran: GerakDanaRequest, kunci?: string): Promise<SaldoResponse> {
      return { saldo: await catat('C', setoran, kunci) };
    },

    async tarik(penarikan: GerakDanaRequest, kunci?: string): Promise<SaldoResponse> {
      return { saldo: await catat('D', penarikan, kunci) };
    },

    /** Ready when the ledger can be read; the store's PenyimpananTidakTersedia says why not. */
    async kesehatan(): Promise<{ status: 'ok' }> {
      await store.periksa();
      return { status: 'ok' };
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
        mutasi: mutasi.map(({ waktu, kode_transaksi, nominal }) => ({ waktu, kode_transaksi, nominal })),
      };
    },
  };
}
