// The in-memory ledger behind the JSON file: parsing and checking the file, and writing it back cheaply.
import { saldoDariMutasi } from '../domain/rekening';
import { Nasabah, NoRekening, type Mutasi } from '../domain/schemas';

/** The file cannot be used; the message names the account and the rule that failed. */
export class BerkasTidakValid extends Error {
  override readonly name = 'BerkasTidakValid';
}

function isObjekJson(nilai: unknown): nilai is Record<string, unknown> {
  return typeof nilai === 'object' && nilai !== null && !Array.isArray(nilai);
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

  /**
   * Parses and checks a whole file; never returns a ledger that breaks a rule. Keys are walked on the raw
   * JSON.parse output, never through an object built by assignment, where a `__proto__` key would vanish.
   */
  static dariTeks(teks: string): Buku {
    let json: unknown;
    try {
      json = JSON.parse(teks);
    } catch (error) {
      throw new BerkasTidakValid(`bukan JSON yang valid (${(error as Error).message})`);
    }
    if (!isObjekJson(json)) throw new BerkasTidakValid('isi berkas harus berupa objek JSON');
    const { nasabah, ...lainnya } = json;
    if (!isObjekJson(nasabah)) throw new BerkasTidakValid('field nasabah harus berupa objek JSON');
    const buku = new Buku(lainnya);
    for (const [noRekening, data] of Object.entries(nasabah)) buku.periksaDanSimpan(noRekening, data);
    return buku;
  }

  private periksaDanSimpan(noRekening: string, isi: unknown): void {
    const tolak = (aturan: string) => new BerkasTidakValid(`rekening ${noRekening}: ${aturan}`);
    if (!NoRekening.safeParse(noRekening).success) throw tolak('no_rekening harus berupa 10 digit angka');
    const hasil = Nasabah.safeParse(isi);
    if (!hasil.success) {
      const [issue] = hasil.error.issues;
      throw new BerkasTidakValid(
        `rekening ${noRekening}, ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      );
    }
    // Fields this version does not know (added by a later one) ride along, so a rewrite never drops them.
    const data: Nasabah = { ...(isi as object), ...hasil.data };
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
 * saldo that a failed write would take back. A changed account is copied once per batch and then edited in
 * place, so a burst on one busy account costs one copy, not one per request.
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

  cari(noRekening: string): Readonly<Nasabah> | undefined {
    return this.berubah.get(noRekening) ?? this.buku.cari(noRekening);
  }

  nikTerdaftar(nik: string): boolean {
    return this.nikBaru.has(nik) || this.buku.nikTerdaftar(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
    return this.noHpBaru.has(noHp) || this.buku.noHpTerdaftar(noHp);
  }

  tambahNasabah(noRekening: string, nasabah: Nasabah): void {
    this.berubah.set(noRekening, nasabah);
    this.nikBaru.add(nasabah.nik);
    this.noHpBaru.add(nasabah.no_hp);
  }

  /** Appends a mutasi the caller has already checked, with the saldo it leads to. */
  catatMutasi(noRekening: string, mutasi: Mutasi, saldo: number): void {
    let salinan = this.berubah.get(noRekening);
    if (salinan === undefined) {
      const asli = this.buku.cari(noRekening);
      if (asli === undefined) throw new Error(`rekening ${noRekening} tidak ada di buku`);
      salinan = { ...asli, mutasi: [...asli.mutasi] };
      this.berubah.set(noRekening, salinan);
    }
    salinan.mutasi.push(mutasi);
    salinan.saldo = saldo;
    this.barisBaru.delete(noRekening);
  }

  /** The changed account's new line (serialised once per batch), or undefined when the draft leaves it alone. */
  baris(noRekening: string): string | undefined {
    const nasabah = this.berubah.get(noRekening);
    if (nasabah === undefined) return undefined;
    let baris = this.barisBaru.get(noRekening);
    if (baris === undefined) {
      baris = barisNasabah(noRekening, nasabah);
      this.barisBaru.set(noRekening, baris);
    }
    return baris;
  }
}
