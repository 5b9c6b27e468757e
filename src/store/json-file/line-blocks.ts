// The data file's account lines, kept encoded and grouped in blocks whose joined bytes are cached.
// A write then hands about n/64 buffers to one writev, and re-joins only the few blocks its batch touched, instead of
// re-serialising (or even re-visiting) every account: the cost of a write stops growing with the ledger.

const LINES_PER_BLOCK = 64;
const SEPARATOR = Buffer.from(',\n');

interface Block {
  keys: string[];
  /** The block's lines, each followed by SEPARATOR; null until needed after a change. */
  bytes: Buffer | null;
}

export interface Rendering {
  /** The account lines of the whole file, in order and separated: write them one after another (writev). */
  lines: Buffer[];
  /** Blocks rebuilt with the changed lines, to keep once those lines are durable. */
  rejoinedBlocks: Map<number, Buffer>;
}

export class LineBlocks {
  private readonly lineByKey = new Map<string, Buffer>();
  private readonly blockOf = new Map<string, number>();
  private readonly blocks: Block[] = [];

  /** Adds or replaces a line; its block is re-joined on the next rendering. */
  set(key: string, line: Buffer): void {
    this.lineByKey.set(key, line);
    let index = this.blockOf.get(key);
    if (index === undefined) {
      const last = this.blocks.at(-1);
      if (last === undefined || last.keys.length >= LINES_PER_BLOCK)
        this.blocks.push({ keys: [], bytes: null });
      index = this.blocks.length - 1;
      this.blockOf.set(key, index);
      this.blocks[index]?.keys.push(key);
    }
    const block = this.blocks[index];
    if (block) block.bytes = null;
  }

  /** Removes a line without touching the block's cached bytes (adopt installs the re-joined block). */
  private removeFromBlock(key: string): void {
    const index = this.blockOf.get(key);
    const block = index === undefined ? undefined : this.blocks[index];
    if (block === undefined) return;
    this.lineByKey.delete(key);
    this.blockOf.delete(key);
    block.keys.splice(block.keys.indexOf(key), 1);
  }

  /**
   * The file's lines as they will be with `changed` applied (replaced lines in place, new ones at the end),
   * without changing anything here: the batch may still fail to reach the disk.
   */
  render(changed: ReadonlyMap<string, Buffer | null>): Rendering {
    const touchedBlocks = new Set<number>();
    const newKeys: string[] = [];
    for (const [key, line] of changed) {
      const index = this.blockOf.get(key);
      if (index !== undefined) touchedBlocks.add(index);
      else if (line !== null) newKeys.push(key);
    }
    // null marks a deleted line: it is left out.
    const lineOf = (key: string) => (changed.has(key) ? changed.get(key) : this.lineByKey.get(key));
    const rejoinedBlocks = new Map<number, Buffer>();
    const lines = this.blocks.map((block, index) => {
      if (!touchedBlocks.has(index)) return (block.bytes ??= joinLines(block.keys, lineOf));
      const bytes = joinLines(block.keys, lineOf);
      rejoinedBlocks.set(index, bytes);
      return bytes;
    });
    if (newKeys.length > 0) lines.push(joinLines(newKeys, lineOf));
    // The last line takes no separator: drop emptied blocks, then cut it off with a view, not a copy.
    const nonEmpty = lines.filter((bytes) => bytes.length > 0);
    const last = nonEmpty.pop();
    if (last !== undefined) nonEmpty.push(last.subarray(0, last.length - SEPARATOR.length));
    return { lines: nonEmpty, rejoinedBlocks };
  }

  /** Keeps a rendering's changed lines and re-joined blocks, once they are on disk. */
  adopt(changed: ReadonlyMap<string, Buffer | null>, { rejoinedBlocks }: Rendering): void {
    // Replaced and deleted lines first, so the re-joined blocks match them; new lines last, as they grow a block.
    for (const [key, line] of changed) {
      if (!this.blockOf.has(key)) continue;
      if (line === null) this.removeFromBlock(key);
      else this.lineByKey.set(key, line);
    }
    for (const [index, bytes] of rejoinedBlocks) {
      const block = this.blocks[index];
      if (block) block.bytes = bytes;
    }
    for (const [key, line] of changed) if (line !== null && !this.blockOf.has(key)) this.set(key, line);
  }
}

function joinLines(keys: readonly string[], lineOf: (key: string) => Buffer | null | undefined): Buffer {
  const lines: Buffer[] = [];
  for (const key of keys) {
    const bytes = lineOf(key);
    if (bytes) lines.push(bytes, SEPARATOR);
  }
  return Buffer.concat(lines);
}
