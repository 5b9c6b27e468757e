// An account's mutasi as the data file holds them: JSON bytes in chunks, decoded only when they are read.
// Appending encodes one mutasi and copies only the last, small chunk, so a write costs the same at 200,000 mutasi
// as at 2, and a long history takes about its file bytes in memory instead of an object per mutasi.
import type { MutasiTercatat } from '../../domain/schemas';
import type { Rentang } from '../../domain/store';
import { concatOwned } from './buffers';
import { encodeMutasi } from './data-file';

/** A chunk is sealed once it reaches this size; the last (open) chunk is copied on each append, so keep it small. */
export const CHUNK_BYTES = 16 * 1024;

interface Chunk {
  /** The chunk's mutasi, each preceded by a comma: `,{…},{…}`. */
  bytes: Buffer;
  count: number;
  /**
   * The earliest and latest waktu in it (epoch ms), so a read with dari/sampai skips a chunk without decoding it.
   * Not first and last: a hand-edited file need not be in order.
   */
  earliest: number;
  latest: number;
}

const EMPTY_CHUNK: Chunk = { bytes: Buffer.alloc(0), count: 0, earliest: Infinity, latest: -Infinity };

/** Whether any waktu in the chunk may lie within the rentang. */
function mayHold(chunk: Chunk, { dari, sampai }: Rentang): boolean {
  return (dari === undefined || chunk.latest >= dari) && (sampai === undefined || chunk.earliest <= sampai);
}

/** A chunk with one more mutasi, encoded as `text`. */
function withEntry(chunk: Chunk, text: Buffer, waktu: string): Chunk {
  const saat = Date.parse(waktu);
  return {
    bytes: concatOwned([chunk.bytes, text]),
    count: chunk.count + 1,
    earliest: Math.min(chunk.earliest, saat),
    latest: Math.max(chunk.latest, saat),
  };
}

/**
 * Immutable: an append returns a new history that shares every sealed chunk with the old one, so a draft can
 * append without touching what readers (and a write that may still fail) see.
 */
export class EncodedHistory {
  private constructor(
    /** Full chunks, oldest first; never changed once made, and shared between versions. */
    private readonly sealed: readonly Chunk[],
    private readonly open: Chunk,
    /** How many mutasi the sealed chunks hold. */
    private readonly sealedCount: number,
  ) {}

  static readonly empty = new EncodedHistory([], EMPTY_CHUNK, 0);

  static of(mutasi: readonly MutasiTercatat[]): EncodedHistory {
    let history = EncodedHistory.empty;
    let pending: string[] = [];
    let pendingBytes = 0;
    let earliest = Infinity;
    let latest = -Infinity;
    const cut = (): Chunk => ({
      bytes: Buffer.from(pending.join('')),
      count: pending.length,
      earliest,
      latest,
    });
    // Chunks are cut at the same size as appends cut them, so a loaded history behaves like one built by appends.
    for (const entry of mutasi) {
      const text = `,${encodeMutasi(entry)}`;
      pending.push(text);
      pendingBytes += text.length;
      const saat = Date.parse(entry.waktu);
      earliest = Math.min(earliest, saat);
      latest = Math.max(latest, saat);
      if (pendingBytes >= CHUNK_BYTES) {
        history = history.withSealed(cut());
        pending = [];
        pendingBytes = 0;
        earliest = Infinity;
        latest = -Infinity;
      }
    }
    if (pending.length === 0) return history;
    return new EncodedHistory(history.sealed, cut(), history.sealedCount);
  }

  get length(): number {
    return this.sealedCount + this.open.count;
  }

  /** This history with `mutasi` at its end; `encoded` counts the bytes the append produced. */
  append(mutasi: MutasiTercatat, encoded?: { bytes: number }): EncodedHistory {
    const open = withEntry(this.open, Buffer.from(`,${encodeMutasi(mutasi)}`), mutasi.waktu);
    if (encoded) encoded.bytes += open.bytes.length;
    if (open.bytes.length < CHUNK_BYTES) return new EncodedHistory(this.sealed, open, this.sealedCount);
    return this.withSealed(open);
  }

  private withSealed(chunk: Chunk): EncodedHistory {
    // Copies the list of chunks (one reference per 16 kB), once per sealed chunk: never the bytes.
    return new EncodedHistory([...this.sealed, chunk], EMPTY_CHUNK, this.sealedCount + chunk.count);
  }

  private get chunks(): readonly Chunk[] {
    return this.open.count === 0 ? this.sealed : [...this.sealed, this.open];
  }

  /** The body of the JSON array (`{…},{…}`) in pieces, for the file: views of the chunks, never a copy. */
  arrayBody(): Buffer[] {
    const pieces = this.chunks.map((chunk) => chunk.bytes);
    const first = pieces[0];
    if (first !== undefined) pieces[0] = first.subarray(1);
    return pieces;
  }

  /**
   * The mutasi below position `before` (a mutasi's position is its index), newest first, decoding a chunk only
   * when the walk reaches it: a page of the newest mutasi touches the last chunk or two, whatever the history.
   * Chunks that cannot hold a waktu within `rentang` are passed over undecoded (the caller still checks each
   * mutasi it gets).
   */
  *newestFirst(
    before = this.length,
    rentang: Rentang = {},
  ): Generator<{ position: number; mutasi: MutasiTercatat }> {
    const chunks = this.chunks;
    let end = this.length;
    for (let index = chunks.length - 1; index >= 0; index -= 1) {
      const chunk = chunks[index] ?? EMPTY_CHUNK;
      const start = end - chunk.count;
      if (start < before && mayHold(chunk, rentang)) {
        const mutasi = decode(chunk);
        for (let position = Math.min(before, end) - 1; position >= start; position -= 1) {
          const entry = mutasi[position - start];
          if (entry !== undefined) yield { position, mutasi: entry };
        }
      }
      end = start;
    }
  }

  /**
   * The mutasi, oldest first, a chunk at a time: a reader holds one chunk's objects, not the whole history. Chunks
   * that cannot hold a waktu within `rentang` are passed over undecoded (the caller still checks each mutasi).
   */
  *batches(rentang: Rentang = {}): Generator<MutasiTercatat[]> {
    for (const chunk of this.chunks) if (mayHold(chunk, rentang)) yield decode(chunk);
  }
}

function decode(chunk: Chunk): MutasiTercatat[] {
  // The bytes were checked when the file was loaded, or encoded here from checked mutasi.
  return JSON.parse(`[${chunk.bytes.toString('utf8', 1)}]`) as MutasiTercatat[];
}
