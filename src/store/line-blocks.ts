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

  /**
   * The file's lines as they will be with `berubah` applied (replaced lines in place, new ones at the end),
   * without changing anything here: the batch may still fail to reach the disk.
   */
  render(berubah: ReadonlyMap<string, Buffer>): Rendering {
    const blokTersentuh = new Set<number>();
    const kunciBaru: string[] = [];
    for (const kunci of berubah.keys()) {
      const indeks = this.letak.get(kunci);
      if (indeks === undefined) kunciBaru.push(kunci);
      else blokTersentuh.add(indeks);
    }
    const barisDengan = (kunci: string) => berubah.get(kunci) ?? this.baris.get(kunci);
    const blokBaru = new Map<number, Buffer>();
    const bagian = this.blok.map((blok, indeks) => {
      if (!blokTersentuh.has(indeks)) return (blok.isi ??= gabung(blok.kunci, barisDengan));
      const isi = gabung(blok.kunci, barisDengan);
      blokBaru.set(indeks, isi);
      return isi;
    });
    if (kunciBaru.length > 0) bagian.push(gabung(kunciBaru, barisDengan));
    // The last line of the file takes no separator; a view, not a copy, so the cached block stays whole.
    const terakhir = bagian.pop();
    if (terakhir !== undefined) bagian.push(terakhir.subarray(0, terakhir.length - PEMISAH.length));
    return { bagian, blokBaru };
  }

  /** Keeps a rendering's changed lines and re-joined blocks, once they are on disk. */
  adopt(berubah: ReadonlyMap<string, Buffer>, { blokBaru }: Rendering): void {
    // Replaced lines first, so the re-joined blocks match them; new lines last, since they grow a block.
    for (const [kunci, baris] of berubah) if (this.letak.has(kunci)) this.baris.set(kunci, baris);
    for (const [indeks, isi] of blokBaru) {
      const blok = this.blok[indeks];
      if (blok) blok.isi = isi;
    }
    for (const [kunci, baris] of berubah) if (!this.letak.has(kunci)) this.set(kunci, baris);
  }
}

function gabung(kunci: readonly string[], baris: (kunci: string) => Buffer | undefined): Buffer {
  const bagian: Buffer[] = [];
  for (const k of kunci) {
    const isi = baris(k);
    if (isi !== undefined) bagian.push(isi, PEMISAH);
  }
  return Buffer.concat(bagian);
}
