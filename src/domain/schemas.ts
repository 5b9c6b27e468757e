// The one definition of every field the API, the data file and (later) the OpenAPI document speak of.
import { z } from 'zod';

/** The largest single tabung or tarik: one trillion rupiah. */
export const NOMINAL_MAKSIMUM = 1_000_000_000_000;

/** Builds the remark for a field: "wajib diisi" when it is missing, the field's rule otherwise. */
function aturan(field: string, penjelasan: string) {
  const pesan = `${field} ${penjelasan}`;
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? `${field} wajib diisi` : pesan),
  };
}

const aturanNama = aturan('nama', 'harus berupa teks 1 sampai 100 karakter');
export const Nama = z.string(aturanNama).trim().min(1, aturanNama).max(100, aturanNama);

const aturanNik = aturan('nik', 'harus berupa teks 16 digit angka');
export const Nik = z.string(aturanNik).regex(/^[0-9]{16}$/, aturanNik);

const aturanNoHp = aturan(
  'no_hp',
  'harus berupa nomor ponsel Indonesia: 08 diikuti 8 sampai 11 digit (boleh +628 atau 628)',
);
/** A mobile number as clients may write it; always stored in its 08… form, so +62 and 0 spellings collide. */
export const NoHp = z
  .string(aturanNoHp)
  .regex(/^(?:\+62|62|0)8[0-9]{8,11}$/, aturanNoHp)
  .transform((noHp) => noHp.replace(/^(?:\+62|62|0)/, '0'));
/** The stored form of NoHp. */
export const NoHpTersimpan = z
  .string()
  .regex(/^08[0-9]{8,11}$/, 'no_hp harus diawali 08 diikuti 8 sampai 11 digit');

const aturanNoRekening = aturan('no_rekening', 'harus berupa teks 10 digit angka');
export const NoRekening = z.string(aturanNoRekening).regex(/^[0-9]{10}$/, aturanNoRekening);

const aturanNominal = aturan(
  'nominal',
  `harus berupa bilangan bulat rupiah dari 1 sampai ${NOMINAL_MAKSIMUM}`,
);
export const Nominal = z.int(aturanNominal).min(1, aturanNominal).max(NOMINAL_MAKSIMUM, aturanNominal);

/** Saldo may never go negative and must stay exactly representable. */
export const Saldo = z.int('saldo harus bilangan bulat yang aman').min(0, 'saldo tidak boleh negatif');

export const KodeTransaksi = z.enum(['C', 'D'], 'kode_transaksi harus C (tabung) atau D (tarik)');

export const Mutasi = z.object({
  waktu: z.iso.datetime('waktu harus berupa tanggal-waktu ISO-8601 UTC'),
  kode_transaksi: KodeTransaksi,
  nominal: Nominal,
});

/** A nasabah as it is kept: the registration data (no_hp in its 08… form), saldo and history, oldest first. */
export const Nasabah = z.object({
  nama: Nama,
  nik: Nik,
  no_hp: NoHpTersimpan,
  saldo: Saldo,
  mutasi: z.array(Mutasi),
});

const aturanBody = { error: 'body harus berupa objek JSON' };

export const DaftarRequest = z.object({ nama: Nama, nik: Nik, no_hp: NoHp }, aturanBody);
export const GerakDanaRequest = z.object({ no_rekening: NoRekening, nominal: Nominal }, aturanBody);
export const NoRekeningParams = z.object({ no_rekening: NoRekening });

export const DaftarResponse = z.object({ no_rekening: NoRekening });
export const SaldoResponse = z.object({ saldo: Saldo });
export const MutasiResponse = z.object({ mutasi: z.array(Mutasi) });
export const RemarkResponse = z.object({ remark: z.string() });

export type NoRekening = z.infer<typeof NoRekening>;
export type KodeTransaksi = z.infer<typeof KodeTransaksi>;
export type Mutasi = z.infer<typeof Mutasi>;
export type Nasabah = z.infer<typeof Nasabah>;
export type DaftarRequest = z.infer<typeof DaftarRequest>;
export type GerakDanaRequest = z.infer<typeof GerakDanaRequest>;
export type DaftarResponse = z.infer<typeof DaftarResponse>;
export type SaldoResponse = z.infer<typeof SaldoResponse>;
export type MutasiResponse = z.infer<typeof MutasiResponse>;
