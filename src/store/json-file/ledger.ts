// The in-memory ledger behind the JSON file: parsing and checking the file, and writing it back cheaply.
import { saldoDariMutasi } from '../../domain/rekening';
import { Nasabah, NoRekening, type Mutasi } from '../../domain/schemas';
import { IdempotencyRecord, StoredIdempotencyKey, clientOfStoredKey } from '../../domain/idempotency';
import { LineBlocks } from './line-blocks';

/**
 * The file cannot be used. The message names the account and the rule that failed, and is shown to clients, so
 * it never quotes the file's content; `detail` (for the log only) may, with long digit runs masked.
 */
export class DataFileInvalid extends Error {
  override readonly name = 'DataFileInvalid';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** nik and no_hp are personal data: a message that reaches a client or a log shows only the last 4 digits. */
function samarkan(nilai: string): string {
  return `${'*'.repeat(Math.max(0, nilai.length - 4))}${nilai.slice(-4)}`;
}

/**
 * Masks every run of 5 or more digits in a text quoted from the file: a nik or no_hp, whole or cut short by the
 * quote, keeps only its last 4 digits.
 */
function samarkanAngka(teks: string): string {
  return teks.replace(/[0-9]{5,}/g, samarkan);
}

function isObjekJson(nilai: unknown): nilai is Record<string, unknown> {
  return typeof nilai === 'object' && nilai !== null && !Array.isArray(nilai);
}

/** A line of the file: one account (or key), so an edit by hand or a diff shows one entry per line. */
function barisJson(kunci: string, nilai: Nasabah | IdempotencyRecord): Buffer {
  return Buffer.from(`    ${JSON.stringify(kunci)}: ${JSON.stringify(nilai)}`, 'utf8');
}

/** `"nama": {` + lines + `}`: one top-level section of the file, as pieces ready for writev. */
function bagianBerkas(nama: string, baris: Buffer[], penutup: ',' | ''): Buffer[] {
  if (baris.length === 0) return [Buffer.from(`  ${JSON.stringify(nama)}: {}${penutup}\n`)];
  return [Buffer.from(`  ${JSON.stringify(nama)}: {\n`), ...baris, Buffer.from(`\n  }${penutup}\n`)];
}

/** A write ready to go to disk, and how to make it part of the ledger once it is there. */
export interface PendingWrite {
  /** The file's bytes in pieces, written with one writev: joining them would copy the whole file again. */
  isi: Buffer[];
  terapkan: () => void;
}

export class Ledger {
  private readonly nasabah = new Map<string, Nasabah>();
  /** Each account's serialised line: a write re-serialises only the accounts that changed. */
  private readonly baris = new LineBlocks();
  private readonly pemilikNik = new Map<string, string>();
  private readonly pemilikNoHp = new Map<string, string>();
  /** Idempotency keys and their first answers, oldest first (insertion order), with their own lines. */
  private readonly idempotensi = new Map<string, IdempotencyRecord>();
  private readonly barisKunci = new LineBlocks();
  /** Stored keys per client, so a client at its limit is found without a scan. */
  private readonly idempotencyKeysPerClient = new Map<string, number>();

  /** Top-level fields this version does not know, written back as they were read. */
  private constructor(private readonly lainnya: Record<string, unknown>) {}

  static empty(): Ledger {
    return new Ledger({});
  }

  /**
   * Parses and checks a whole file; never returns a ledger that breaks a rule. Keys are walked on the raw
   * JSON.parse output, never through an object built by assignment, where a `__proto__` key would vanish.
   */
  static parse(teks: string): Ledger {
    let json: unknown;
    try {
      json = JSON.parse(teks);
    } catch (error) {
      // JSON.parse quotes the bytes around the fault: the log may see them, masked; a client never does.
      throw new DataFileInvalid('bukan JSON yang valid', samarkanAngka((error as Error).message));
    }
    if (!isObjekJson(json)) throw new DataFileInvalid('isi berkas harus berupa objek JSON');
    const { nasabah, idempotensi = {}, ...lainnya } = json;
    if (!isObjekJson(nasabah)) throw new DataFileInvalid('field nasabah harus berupa objek JSON');
    if (!isObjekJson(idempotensi)) throw new DataFileInvalid('field idempotensi harus berupa objek JSON');
    const buku = new Ledger(lainnya);
    for (const [urutan, [noRekening, data]] of Object.entries(nasabah).entries())
      buku.periksaDanSimpan(urutan + 1, noRekening, data);
    for (const [urutan, [kunci, data]] of Object.entries(idempotensi).entries())
      buku.periksaKunci(urutan + 1, kunci, data);
    return buku;
  }

  /** The key is named by its position, not quoted: it is the client's text, and the remark reaches clients. */
  private periksaKunci(urutan: number, kunci: string, isi: unknown): void {
    const hasil = IdempotencyRecord.safeParse(isi);
    if (!hasil.success || !StoredIdempotencyKey.safeParse(kunci).success) {
      const issue = hasil.error?.issues[0];
      const aturan = issue ? `${issue.path.join('.')}: ${issue.message}` : 'kunci tidak valid';
      throw new DataFileInvalid(`idempotensi ke-${urutan}, ${aturan}`);
    }
    this.simpanIdempotensi(kunci, hasil.data);
    this.barisKunci.set(kunci, barisJson(kunci, hasil.data));
  }

  private simpanIdempotensi(kunci: string, catatan: IdempotencyRecord | null): void {
    const existed = this.idempotensi.has(kunci);
    if (catatan === null) this.idempotensi.delete(kunci);
    else this.idempotensi.set(kunci, catatan);
    const change = (catatan === null ? 0 : 1) - (existed ? 1 : 0);
    if (change === 0) return;
    const client = clientOfStoredKey(kunci);
    this.idempotencyKeysPerClient.set(client, (this.idempotencyKeysPerClient.get(client) ?? 0) + change);
  }

  /** How many keys `client` has stored (kept keys, expired ones included until they are pruned). */
  idempotencyKeyCount(client: string): number {
    return this.idempotencyKeysPerClient.get(client) ?? 0;
  }

  cariIdempotensi(kunci: string): IdempotencyRecord | undefined {
    return this.idempotensi.get(kunci);
  }

  /** Keys recorded before `batas` (an ISO time), oldest first. */
  *kunciSebelum(batas: string): Generator<string> {
    for (const [kunci, catatan] of this.idempotensi) {
      if (catatan.waktu >= batas) return;
      yield kunci;
    }
  }

  /**
   * The remark names the account and the rule, never a value from the file (a saldo, a nik); the values go to
   * `detail`, for the log, masked. An account key that is not a no_rekening is named by its position: it may be
   * anything a hand edit put there.
   */
  private periksaDanSimpan(urutan: number, noRekening: string, isi: unknown): void {
    const isNoRekening = NoRekening.safeParse(noRekening).success;
    const rekening = isNoRekening ? `rekening ${noRekening}` : `rekening ke-${urutan}`;
    const tolak = (aturan: string, detail?: string) => new DataFileInvalid(`${rekening}: ${aturan}`, detail);
    if (!isNoRekening) throw tolak('no_rekening harus berupa 10 digit angka');
    const hasil = Nasabah.safeParse(isi);
    if (!hasil.success) {
      const [issue] = hasil.error.issues;
      throw new DataFileInvalid(`${rekening}, ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
    }
    // Keep the freshly parsed object itself, not zod's copy: fields a later version adds ride along, so a
    // rewrite never drops them, and a large file is not held in memory twice while it loads.
    const data = Object.assign(isi as Nasabah, { nama: hasil.data.nama });
    const pemilikNik = this.pemilikNik.get(data.nik);
    if (pemilikNik !== undefined)
      throw tolak(`nik sudah dipakai rekening ${pemilikNik}`, `nik ${samarkan(data.nik)}`);
    const pemilikNoHp = this.pemilikNoHp.get(data.no_hp);
    if (pemilikNoHp !== undefined) {
      throw tolak(`no_hp sudah dipakai rekening ${pemilikNoHp}`, `no_hp ${samarkan(data.no_hp)}`);
    }
    const saldoSeharusnya = saldoDariMutasi(data.mutasi);
    if (data.saldo !== saldoSeharusnya) {
      throw tolak(
        'saldo tidak sama dengan jumlah mutasi (ΣC − ΣD)',
        `saldo ${data.saldo}, ΣC − ΣD = ${saldoSeharusnya}`,
      );
    }
    this.simpan(noRekening, data);
    this.baris.set(noRekening, barisJson(noRekening, data));
  }

  cari(noRekening: string): Nasabah | undefined {
    return this.nasabah.get(noRekening);
  }

  /** Every account, in file order: for moving the ledger to another store. */
  nasabahEntries(): IterableIterator<[string, Nasabah]> {
    return this.nasabah.entries();
  }

  /** Every remembered idempotency key, oldest first. */
  idempotencyRecords(): IterableIterator<[string, IdempotencyRecord]> {
    return this.idempotensi.entries();
  }

  nikTerdaftar(nik: string): boolean {
    return this.pemilikNik.has(nik);
  }

  noHpTerdaftar(noHp: string): boolean {
    return this.pemilikNoHp.has(noHp);
  }

  private simpan(noRekening: string, nasabah: Nasabah): void {
    this.nasabah.set(noRekening, nasabah);
    this.pemilikNik.set(nasabah.nik, noRekening);
    this.pemilikNoHp.set(nasabah.no_hp, noRekening);
  }

  /**
   * The whole file as it will be once the draft is applied (one account per line, in a stable order), and
   * the step that applies the draft to the ledger: call it only once the file is durable.
   */
  prepareWrite(draft: Draft = new Draft(this)): PendingWrite {
    const barisBerubah = new Map<string, Buffer>();
    for (const [noRekening, nasabah] of draft.berubah)
      barisBerubah.set(noRekening, barisJson(noRekening, nasabah));
    const barisKunciBerubah = new Map<string, Buffer | null>();
    for (const [kunci, catatan] of draft.kunciBerubah) {
      barisKunciBerubah.set(kunci, catatan && barisJson(kunci, catatan));
    }
    const rendering = this.baris.render(barisBerubah);
    const renderingKunci = this.barisKunci.render(barisKunciBerubah);
    const lainnya = Object.entries(this.lainnya).map(
      ([kunci, nilai]) => `  ${JSON.stringify(kunci)}: ${JSON.stringify(nilai)}\n`,
    );
    const isi = [
      Buffer.from('{\n'),
      ...bagianBerkas('nasabah', rendering.bagian, ','),
      ...bagianBerkas('idempotensi', renderingKunci.bagian, lainnya.length > 0 ? ',' : ''),
      Buffer.from(`${lainnya.join(',')}}\n`),
    ];
    return {
      isi,
      terapkan: () => {
        for (const [noRekening, nasabah] of draft.berubah) this.simpan(noRekening, nasabah);
        for (const [kunci, catatan] of draft.kunciBerubah) this.simpanIdempotensi(kunci, catatan);
        this.baris.adopt(barisBerubah, rendering);
        this.barisKunci.adopt(barisKunciBerubah, renderingKunci);
      },
    };
  }
}

/**
 * The changes of one batch, kept apart from the ledger until they are on disk, so that readers never see a
 * saldo that a failed write would take back. A changed account is copied once per batch and then edited in
 * place, so a burst on one busy account costs one copy (and one serialisation), not one per request.
 */
export class Draft {
  readonly berubah = new Map<string, Nasabah>();
  /** Recorded idempotency keys, and (null) the expired ones to forget. */
  readonly kunciBerubah = new Map<string, IdempotencyRecord | null>();
  private readonly nikBaru = new Set<string>();
  private readonly noHpBaru = new Set<string>();
  private readonly keyCountChanges = new Map<string, number>();

  constructor(private readonly buku: Ledger) {}

  get adaPerubahan(): boolean {
    return this.berubah.size > 0 || this.kunciBerubah.size > 0;
  }

  cariIdempotensi(kunci: string): IdempotencyRecord | undefined {
    return this.kunciBerubah.has(kunci)
      ? (this.kunciBerubah.get(kunci) ?? undefined)
      : this.buku.cariIdempotensi(kunci);
  }

  catatIdempotensi(kunci: string, catatan: IdempotencyRecord): void {
    if (this.cariIdempotensi(kunci) === undefined) this.countKeyChange(kunci, 1);
    this.kunciBerubah.set(kunci, catatan);
  }

  /** Forgets the keys recorded before `batas`, so the file does not grow without end. */
  lupakanKunciSebelum(batas: string): void {
    for (const kunci of this.buku.kunciSebelum(batas)) {
      if (this.kunciBerubah.has(kunci)) continue;
      this.kunciBerubah.set(kunci, null);
      this.countKeyChange(kunci, -1);
    }
  }

  /** How many keys `client` will have stored once this draft is written. */
  idempotencyKeyCount(client: string): number {
    return this.buku.idempotencyKeyCount(client) + (this.keyCountChanges.get(client) ?? 0);
  }

  private countKeyChange(kunci: string, change: number): void {
    const client = clientOfStoredKey(kunci);
    this.keyCountChanges.set(client, (this.keyCountChanges.get(client) ?? 0) + change);
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
  }
}
