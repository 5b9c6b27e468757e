// The data file's account lines, kept encoded and grouped in blocks whose joined bytes are cached.
// A write then hands about n/64 buffers to one writev, and re-joins only the few blocks its batch touched, instead of
// re-serialising (or even re-visiting) every account: the cost of a write stops growing with the ledger.

const BARIS_PER_BLOK = 64;
const PEMISAH = Buffer.from(',\n');

interface Blok {
  kunci: string[];
  /** The block's lines, each followed by PEMISAH; null until needed after a change. */
  isi: Buffer | null;
}

export interface Rendering {
  /** The account lines of the whole file, in order and separated: write them one after another (writev). */
  bagian: Buffer[];
  /** Blocks rebuilt with the changed lines, to keep once those lines are durable. */
  blokBaru: Map<number, Buffer>;
}

export class LineBlocks {
  private readonly baris = new Map<string, Buffer>();
  private readonly letak = new Map<string, number>();
  private readonly blok: Blok[] = [];

  /** Adds or replaces a line; its block is re-joined on the next rendering. */
  set(kunci: string, baris: Buffer): void {
    this.baris.set(kunci, baris);
    let indeks = this.letak.get(kunci);
    if (indeks === undefined) {
      const terakhir = this.blok.at(-1);
      if (terakhir === undefined || terakhir.kunci.length >= BARIS_PER_BLOK)
        this.blok.push({ kunci: [], isi: null });
      indeks = this.blok.length - 1;
      this.letak.set(kunci, indeks);
      this.blok[indeks]?.kunci.push(kunci);
    }
    const blok = this.blok[indeks];
    if (blok) blok.isi = null;
  }

  /** Removes a line without touching the block's cached bytes (adopt installs the re-joined block). */
  private hapusDariBlok(kunci: string): void {
    const indeks = this.letak.get(kunci);
    const blok = indeks === undefined ? undefined : this.blok[indeks];
    if (blok === undefined) return;
    this.baris.delete(kunci);
    this.letak.delete(kunci);
    blok.kunci.splice(blok.kunci.indexOf(kunci), 1);
  }

  /**
   * The file's lines as they will be with `berubah` applied (replaced lines in place, new ones at the end),
   * without changing anything here: the batch may still fail to reach the disk.
   */
  render(berubah: ReadonlyMap<string, Buffer | null>): Rendering {
    const blokTersentuh = new Set<number>();
    const kunciBaru: string[] = [];
    for (const [kunci, baris] of berubah) {
      const indeks = this.letak.get(kunci);
      if (indeks !== undefined) blokTersentuh.add(indeks);
      else if (baris !== null) kunciBaru.push(kunci);
    }
    // null marks a deleted line: it is left out.
    const barisDengan = (kunci: string) => (berubah.has(kunci) ? berubah.get(kunci) : this.baris.get(kunci));
    const blokBaru = new Map<number, Buffer>();
    const bagian = this.blok.map((blok, indeks) => {
      if (!blokTersentuh.has(indeks)) return (blok.isi ??= gabung(blok.kunci, barisDengan));
      const isi = gabung(blok.kunci, barisDengan);
      blokBaru.set(indeks, isi);
      return isi;
    });
    if (kunciBaru.length > 0) bagian.push(gabung(kunciBaru, barisDengan));
    // The last line takes no separator: drop emptied blocks, then cut it off with a view, not a copy.
    const terisi = bagian.filter((isi) => isi.length > 0);
    const terakhir = terisi.pop();
    if (terakhir !== undefined) terisi.push(terakhir.subarray(0, terakhir.length - PEMISAH.length));
    return { bagian: terisi, blokBaru };
  }

  /** Keeps a rendering's changed lines and re-joined blocks, once they are on disk. */
  adopt(berubah: ReadonlyMap<string, Buffer | null>, { blokBaru }: Rendering): void {
    // Replaced and deleted lines first, so the re-joined blocks match them; new lines last, as they grow a block.
    for (const [kunci, baris] of berubah) {
      if (!this.letak.has(kunci)) continue;
      if (baris === null) this.hapusDariBlok(kunci);
      else this.baris.set(kunci, baris);
    }
    for (const [indeks, isi] of blokBaru) {
      const blok = this.blok[indeks];
      if (blok) blok.isi = isi;
    }
    for (const [kunci, baris] of berubah)
      if (baris !== null && !this.letak.has(kunci)) this.set(kunci, baris);
  }
}

function gabung(kunci: readonly string[], baris: (kunci: string) => Buffer | null | undefined): Buffer {
  const bagian: Buffer[] = [];
  for (const k of kunci) {
    const isi = baris(k);
    if (isi) bagian.push(isi, PEMISAH);
  }
  return Buffer.concat(bagian);
}
