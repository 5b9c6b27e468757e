// The use cases of a savings account, in the words of the business; no HTTP, no files.
import type { Store } from '../store/store';
import { RekeningTidakDikenali } from './errors';
import type {
  DaftarRequest,
  DaftarResponse,
  GerakDanaRequest,
  KodeTransaksi,
  MutasiResponse,
  SaldoResponse,
} from './schemas';

export interface TabunganDeps {
  store: Store;
  /** The time a mutasi is stamped with; injected so tests can pin it. */
  clock: () => Date;
}

export type Tabungan = ReturnType<typeof createTabungan>;

export function createTabungan({ store, clock }: TabunganDeps) {
  function catat(kode_transaksi: KodeTransaksi, { no_rekening, nominal }: GerakDanaRequest) {
    return store.catatMutasi(no_rekening, { waktu: clock().toISOString(), kode_transaksi, nominal });
  }

  return {
    async daftar(nasabahBaru: DaftarRequest): Promise<DaftarResponse> {
      return { no_rekening: await store.daftar(nasabahBaru) };
    },

    async tabung(setoran: GerakDanaRequest): Promise<SaldoResponse> {
      return { saldo: await catat('C', setoran) };
    },

    async tarik(penarikan: GerakDanaRequest): Promise<SaldoResponse> {
      return { saldo: await catat('D', penarikan) };
    },

    async saldo(noRekening: string): Promise<SaldoResponse> {
      const saldo = await store.saldo(noRekening);
      if (saldo === null) throw new RekeningTidakDikenali(noRekening);
      return { saldo };
    },

    async mutasi(noRekening: string): Promise<MutasiResponse> {
      const mutasi = await store.mutasi(noRekening);
      if (mutasi === null) throw new RekeningTidakDikenali(noRekening);
      return { mutasi: [...mutasi] };
    },
  };
}
