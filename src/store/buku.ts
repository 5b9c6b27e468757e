// The in-memory ledger behind the JSON file: parsing and checking the file, and writing it back cheaply.
import { z } from 'zod';
import { saldoDariMutasi } from '../domain/rekening';
import { Nasabah, NoRekening } from '../domain/schemas';

/**
 * The file as people may seed it by hand. Loose objects keep fields a later version adds, so an older
 * server that rewrites the file does not silently drop them.
 */
const BerkasData = z.looseObject({
  nasabah: z.record(z.string(), z.looseObject(Nasabah.shape), 'nasabah harus berupa objek'),
});

/** The file cannot be used; the message names the account and the rule that failed. */
export class BerkasTidakValid extends Error {
  override readonly name = 'BerkasTidakValid';
}

function lokasi(path: readonly PropertyKey[]): string {
  const [bagian, noRekening, ...field] = path.map(String);
  if (bagian !== 'nasabah' || noRekening === undefined) return path.join('.') || 'isi berkas';
  return field.length > 0 ? `rekening ${noRekening}, ${field.join('.')}` : `rekening ${noRekening}`;
}

/** A line of the file: one account, so an edit by hand or a diff shows one account per line. */
function barisNasabah(noRekening: string, nasabah: Nasabah): string {
  return `    ${JSON.stringify(noRekening)}: ${JSON.stringify(nasabah)}`;
}

export class Buku {
  private readonly nasabah = new Map<string, Nasabah>();
  /** Each account's serialised line, so a write re-serialises only the accounts that changed. */
  private readonly baris = new Map<string, string>();
  private readonly pemilikNik = new Map<string, string>();
  private readonly pemilikNoHp = new Map<string, string>();

  /** Top-level fields this version does not know, written back as they were read. */
  private constructor(private readonly lainnya: Record<string, unknown>) {}

  static kosong(): Buku {
    return new Buku({});
  }

  /** Parses and checks a whole file; never returns a ledger that breaks a rule. */
  static dariTeks(teks: string): Buku {
    let json: unknown;
    try {
      json = JSON.parse(teks);
    } catch (error) {
      throw new BerkasTidakValid(`bukan JSON yang valid (${(error as Error).message})`);
    }
    const hasil = BerkasData.safeParse(json);
    if (!hasil.success) {
      const [issue] = hasil.error.issues;
      throw new BerkasTidakValid(
        issue ? `${lokasi(issue.path)}: ${issue.message}` : 'isi berkas tidak valid',
      );
    }
    const { nasabah, ...lainnya } = hasil.data;
    const buku = new Buku(lainnya);
    for (const [noRekening, data] of Object.entries(nasabah)) {
      buku.periksaDanSimpan(noRekening, data);
    }
    return buku;
  }

  private periksaDanSimpan(noRekening: string, data: Nasabah): void {
    const tolak = (aturan: string) => new BerkasTidakValid(`rekening ${noRekening}: ${aturan}`);
    if (!NoRekening.safeParse(noRekening).success) throw tolak('no_rekening harus berupa 10 digit angka');
    const pemilikNik = this.pemilikNik.get(data.nik);
    if (pemilikNik !== undefined) throw tolak(`nik ${data.nik} sudah dipakai rekening ${pemilikNik}`);
    const pemilikNoHp = this.pemilikNoHp.get(data.no_hp);
    if (pemilikNoHp !== undefined) throw tolak(`no_hp ${data.no_hp} sudah dipakai rekening ${pemilikNoHp}`);
    const saldoSeharusnya = saldoDariMutasi(data.mutasi);
    if (data.saldo !== saldoSeharusnya) {
      throw tolak(`saldo ${data.saldo} tidak sama dengan jumlah mutasi (ΣC − ΣD = ${saldoSeharusnya})`);
    }
    this.simpan(noRekening, data);
  }

  cari(noRekening: string): Nasabah | undefined {
    return this.nasabah.get(noRekening);
  }

  nikTerdaftar(nik: string): boolean {
    return this.pemilikNik.has(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
    return this.pemilikNoHp.has(noHp);
  }

  /** Makes a draft's changes part of the ledger; call only once they are durable. */
  terapkan(draft: Draft): void {
    for (const [noRekening, nasabah] of draft.berubah)
      this.simpan(noRekening, nasabah, draft.baris(noRekening));
  }

  private simpan(noRekening: string, nasabah: Nasabah, baris = barisNasabah(noRekening, nasabah)): void {
    this.nasabah.set(noRekening, nasabah);
    this.baris.set(noRekening, baris);
    this.pemilikNik.set(nasabah.nik, noRekening);
    this.pemilikNoHp.set(nasabah.no_hp, noRekening);
  }

  /** The whole file as it will be once the draft is applied: one account per line, in a stable order. */
  teks(draft: Draft = new Draft(this)): string {
    const semuaBaris: string[] = [];
    for (const [noRekening, baris] of this.baris) semuaBaris.push(draft.baris(noRekening) ?? baris);
    for (const noRekening of draft.berubah.keys()) {
      const barisBaru = draft.baris(noRekening);
      if (!this.baris.has(noRekening) && barisBaru !== undefined) semuaBaris.push(barisBaru);
    }
    const isiNasabah = semuaBaris.length > 0 ? `{\n${semuaBaris.join(',\n')}\n  }` : '{}';
    const bagianLain = Object.entries(this.lainnya).map(
      ([kunci, nilai]) => `,\n  ${JSON.stringify(kunci)}: ${JSON.stringify(nilai)}`,
    );
    return `{\n  "nasabah": ${isiNasabah}${bagianLain.join('')}\n}\n`;
  }
}

/**
 * The changes of one batch, kept apart from the ledger until they are on disk, so that readers never see a
 * saldo that a failed write would take back.
 */
export class Draft {
  readonly berubah = new Map<string, Nasabah>();
  private readonly barisBaru = new Map<string, string>();
  private readonly nikBaru = new Set<string>();
  private readonly noHpBaru = new Set<string>();

  constructor(private readonly buku: Buku) {}

  get adaPerubahan(): boolean {
    return this.berubah.size > 0;
  }

  cari(noRekening: string): Nasabah | undefined {
    return this.berubah.get(noRekening) ?? this.buku.cari(noRekening);
  }

  nikTerdaftar(nik: string): boolean {
    return this.nikBaru.has(nik) || this.buku.nikTerdaftar(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
    return this.noHpBaru.has(noHp) || this.buku.noHpTerdaftar(noHp);
  }

  simpan(noRekening: string, nasabah: Nasabah): void {
    this.berubah.set(noRekening, nasabah);
    this.barisBaru.set(noRekening, barisNasabah(noRekening, nasabah));
    this.nikBaru.add(nasabah.nik);
    this.noHpBaru.add(nasabah.no_hp);
  }

  /** The changed account's new line, or undefined when the draft leaves it alone. */
  baris(noRekening: string): string | undefined {
    return this.barisBaru.get(noRekening);
  }
}
