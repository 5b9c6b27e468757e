// The data file's lines (one per account or idempotency record), grouped in blocks whose joined bytes are cached.
// A write hands about n/64 buffers to one writev and re-joins only the blocks its batch touched, instead of
// re-serialising (or even re-visiting) every line: the cost of a write stops growing with the ledger. Re-joining
// a block encodes only its changed lines; the others are copied from the block's bytes as they were (a block's
// lines are kept as views into them). A long line (an account with a long history) is never joined: its pieces
// go to writev as they are, so a write next to it does not copy it either.

import { setImmediate } from 'node:timers/promises';
import { concatOwned } from './buffers';

const LINES_PER_BLOCK = 64;
/**
 * How long a rendering in turns works before it lets the event loop serve others: a fold's rendering at 100,000
 * accounts takes 60-230 ms of the loop, which every request waited for when it was done in one go.
 */
const TURN_MS = 1;
/** Lines up to this size are copied into their block's bytes; longer ones are passed on as their pieces. */
const JOINED_LINE_BYTES = 64 * 1024;
const SEPARATOR = Buffer.from(',\n');
/** Blocks joined per turn of the event loop while warming up: about 5 ms of work at 64 accounts a block. */
const BLOCKS_PER_TURN = 8;

/** A line in pieces, to be written one after another; null for a line that is gone (an expired record). */
export type Line = readonly Buffer[] | null;

/**
 * A block's bytes: what writev gets, and where each line is in them, to reuse when the block is re-joined. The
 * places are kept as numbers, per line in the order of the block's keys, not as a view per line: views cost
 * about 300 bytes a line, 30 MB at 100,000 accounts.
 */
interface Joined {
  /** The block's lines, each followed by SEPARATOR. */
  pieces: Buffer[];
  /** The piece a line was joined into, or -1 for a long line passed on as its own pieces. */
  pieceOf: Int32Array;
  startOf: Int32Array;
  endOf: Int32Array;
}

/** The bytes of the block's `index`-th line as they were joined; undefined for a long one. */
function joinedLine(joined: Joined, index: number): Line | undefined {
  const piece = joined.pieces[joined.pieceOf[index] ?? -1];
  if (piece === undefined) return undefined;
  return [piece.subarray(joined.startOf[index], joined.endOf[index])];
}

interface Block {
  keys: string[];
  /** Null until needed after a change. */
  joined: Joined | null;
}

export interface Rendering {
  /** The lines of the whole file, in order and separated: write them one after another (writev). */
  pieces: Buffer[];
  /** How many bytes this rendering copied or encoded anew: what the write cost beyond reusing what it had. */
  builtBytes: number;
  /** Blocks rebuilt with the changed lines, to keep once those lines are durable. */
  rejoinedBlocks: Map<number, Joined>;
  /** Lines that were not in any block, in order, and lines that are gone. */
  newKeys: string[];
  deletedKeys: string[];
  /** The deferrals it rendered: those made later (while it was rendered in turns) stay for the next one. */
  generation: number;
}

/**
 * For a rendering in turns: the lines of `keys` as they are now, taken at once (the ledger goes on changing
 * between the turns), and how to get each of them later, as it was.
 */
export type CaptureLines = (keys: readonly string[]) => (key: string) => Line;

/** Where a rendering gets its lines: as they are whenever it asks (at once), or captured when it begins (in turns). */
type LineSource = { lineOf: (key: string) => Line } | { captureLines: CaptureLines };

export class LineBlocks {
  private readonly blockOf = new Map<string, number>();
  private readonly blocks: Block[] = [];
  /**
   * Lines changed by batches that went to the journal instead of the file (journal.ts): the next rendering
   * renders them anew, as if its own batch had changed them, and those among them `movedToEnd`. Each with the
   * generation it was deferred in: a rendering in turns renders those deferred before it began, and a batch
   * deferred meanwhile stays deferred when that rendering is adopted.
   */
  private readonly deferred = new Map<string, number>();
  private readonly deferredToEnd = new Map<string, number>();
  private generation = 0;

  /** Adds a line's key at the end; its block is joined at the next rendering. */
  add(key: string): void {
    let block = this.blocks.at(-1);
    if (block === undefined || block.keys.length >= LINES_PER_BLOCK) {
      block = { keys: [], joined: null };
      this.blocks.push(block);
    }
    block.keys.push(key);
    block.joined = null;
    this.blockOf.set(key, this.blocks.length - 1);
  }

  /**
   * The file's lines as they will be with the `changed` keys rendered anew through `lineOf` (replaced lines in
   * place, new ones and those `movedToEnd` at the end), without changing anything a failed write would have to
   * undo: the batch may still fail to reach the disk. (Blocks it did not touch are cached as they are, which
   * holds either way.) `lineOf` gives every line as the batch will leave it.
   */
  render(
    changed: Iterable<string>,
    lineOf: (key: string) => Line,
    movedToEndNow: ReadonlySet<string> = new Set(),
  ): Rendering {
    const steps = this.rendering(changed, movedToEndNow, { lineOf });
    for (;;) {
      const step = steps.next();
      if (step.done === true) return step.value;
    }
  }

  /**
   * Each part's lines with every deferred line rendered anew, as they are when it is called, rendered TURN_MS at
   * a time so that the event loop serves others in between, while batches go on changing (and deferring) lines.
   * Each rendering takes the lines it reads at once (`CaptureLines`), all parts at the same moment (so that an
   * idempotency record is never from a later state than its account), and the blocks as they were joined then.
   */
  static async renderInTurns(parts: readonly (readonly [LineBlocks, CaptureLines])[]): Promise<Rendering[]> {
    const renderings = parts.map(([blocks, captureLines]) =>
      blocks.rendering([], new Set(), { captureLines }),
    );
    // Each one's first step captures its lines and yields: no other code runs until all have. Then the loop
    // serves others before any line is joined.
    for (const steps of renderings) steps.next();
    await setImmediate();
    const rendered: Rendering[] = [];
    for (const steps of renderings) {
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done === true) {
          rendered.push(step.value);
          break;
        }
        await setImmediate();
      }
    }
    return rendered;
  }

  /**
   * A rendering, yielding whenever it has worked TURN_MS. In turns, it reads what it renders before its first
   * yield, and yields right after.
   */
  private *rendering(
    changed: Iterable<string>,
    movedToEndNow: ReadonlySet<string>,
    source: LineSource,
  ): Generator<void, Rendering> {
    const generation = this.generation;
    this.generation += 1;
    const touchedBlocks = new Set<number>();
    const changedKeys = new Set<string>();
    const newKeys: string[] = [];
    const deletedKeys: string[] = [];
    const movedToEnd =
      this.deferredToEnd.size === 0
        ? movedToEndNow
        : new Set([...this.deferredToEnd.keys(), ...movedToEndNow]);
    // Deferred lines first, but for those this rendering moves to the end: they come there in its order.
    const deferred = [...this.deferred.keys()].filter((key) => !movedToEndNow.has(key));
    for (const key of deferred.length === 0 ? changed : [...deferred, ...changed]) {
      if (changedKeys.has(key)) continue;
      changedKeys.add(key);
      const index = this.blockOf.get(key);
      if (index !== undefined) touchedBlocks.add(index);
      if (index === undefined || movedToEnd.has(key)) newKeys.push(key);
    }
    // The blocks as they are now: another rendering is adopted only after this one (the ledger's writes are in
    // order), but warmUp may join a block meanwhile, from lines as they are by then.
    const blocks = this.blocks.map(({ keys, joined }) => ({ keys, joined }));
    let lineOf: (key: string) => Line;
    if ('lineOf' in source) lineOf = source.lineOf;
    else {
      lineOf = source.captureLines(linesRead(changedKeys, blocks));
      yield;
    }

    const built = { bytes: 0 };
    const rejoinedBlocks = new Map<number, Joined>();
    const pieces: Buffer[] = [];
    let turnEnds = performance.now() + TURN_MS;
    for (const [index, block] of blocks.entries()) {
      if (performance.now() >= turnEnds) {
        yield;
        turnEnds = performance.now() + TURN_MS;
      }
      // Untouched blocks render as the ledger already is (in turns: was, when the rendering began; a line changed
      // since is deferred, and rendered anew by the next rendering), so a block joined here may be kept at once.
      if (!touchedBlocks.has(index)) {
        block.joined ??= joinLines(block.keys, lineOf, built);
        const kept = this.blocks[index];
        if (kept !== undefined) kept.joined ??= block.joined;
      } else {
        const before = block.joined;
        // A line moved to the end is gone from its block, and new at the end; an unchanged one is as it was.
        const lineInBlock = (key: string, index: number): Line => {
          if (movedToEnd.has(key)) return null;
          if (changedKeys.has(key) || before === null) return lineOf(key);
          return joinedLine(before, index) ?? lineOf(key);
        };
        rejoinedBlocks.set(index, joinLines(block.keys, lineInBlock, built, deletedKeys));
      }
      pieces.push(...((rejoinedBlocks.get(index) ?? block.joined)?.pieces ?? []));
    }
    const goneNewKeys: string[] = [];
    pieces.push(...joinLines(newKeys, lineOf, built, goneNewKeys).pieces);
    // The last line takes no separator: cut it off with a view, not a copy.
    const last = pieces.pop();
    if (last !== undefined && last.length > SEPARATOR.length) {
      pieces.push(last.subarray(0, last.length - SEPARATOR.length));
    }
    const added = goneNewKeys.length === 0 ? newKeys : newKeys.filter((key) => !goneNewKeys.includes(key));
    return { pieces, builtBytes: built.bytes, rejoinedBlocks, newKeys: added, deletedKeys, generation };
  }

  /**
   * Joins the blocks not joined yet, `BLOCKS_PER_TURN` at a time, yielding to the event loop in between. A block
   * with a deferred line is left to the next rendering: the line may be gone (a forgotten record), and a block
   * joined without it would no longer have its places in the order of its keys.
   */
  async warmUp(lineOf: (key: string) => Line): Promise<void> {
    const isDeferred = (key: string) => this.deferred.has(key) || this.deferredToEnd.has(key);
    for (const [index, block] of this.blocks.entries()) {
      if (block.joined === null && !block.keys.some(isDeferred)) {
        block.joined = joinLines(block.keys, lineOf, { bytes: 0 });
      }
      if (index % BLOCKS_PER_TURN === BLOCKS_PER_TURN - 1) await setImmediate();
    }
  }

  /**
   * Lines a batch changed without a rendering (it went to the journal), as `render` takes them: the next
   * rendering renders them with its own.
   */
  defer(changed: Iterable<string>, movedToEnd: ReadonlySet<string> = new Set()): void {
    // A line an earlier batch changed and this one moves to the end comes there in this batch's order, as it
    // would have had each batch been rendered.
    for (const key of movedToEnd) this.deferred.delete(key);
    for (const key of changed) this.deferred.set(key, this.generation);
    for (const key of movedToEnd) this.deferredToEnd.set(key, this.generation);
  }

  /**
   * Keeps a rendering's re-joined blocks and its new and deleted lines. Lines deferred after it began stay
   * deferred: their blocks now hold them as they were then, and the next rendering renders them anew.
   */
  adopt({ rejoinedBlocks, newKeys, deletedKeys, generation }: Rendering): void {
    for (const deferrals of [this.deferred, this.deferredToEnd]) {
      for (const [key, deferredIn] of deferrals) if (deferredIn <= generation) deferrals.delete(key);
    }
    for (const [index, joined] of rejoinedBlocks) {
      const block = this.blocks[index];
      if (block) block.joined = joined;
    }
    for (const key of deletedKeys) {
      const block = this.blocks[this.blockOf.get(key) ?? -1];
      block?.keys.splice(block.keys.indexOf(key), 1);
      this.blockOf.delete(key);
    }
    for (const key of newKeys) this.add(key);
  }
}

/** The lines a rendering reads: those it renders anew, and every line of a block not joined yet. */
function linesRead(changedKeys: ReadonlySet<string>, blocks: readonly Block[]): string[] {
  const keys = [...changedKeys];
  for (const block of blocks) if (block.joined === null) keys.push(...block.keys);
  return keys;
}

/**
 * A block's pieces: consecutive short lines joined into one buffer, long ones passed on as they are, each line
 * followed by SEPARATOR; and where each line is in them. `lineOf` is given each key's index among `keys`. Lines
 * that are gone are left out (and listed in `gone`), so the places are those of the lines kept, in order.
 */
function joinLines(
  keys: readonly string[],
  lineOf: (key: string, index: number) => Line,
  built: { bytes: number },
  gone: string[] = [],
): Joined {
  const pieces: Buffer[] = [];
  const pieceOf = new Int32Array(keys.length);
  const startOf = new Int32Array(keys.length);
  const endOf = new Int32Array(keys.length);
  let kept = 0;
  let run: Buffer[] = [];
  let runBytes = 0;
  const closeRun = () => {
    if (run.length === 0) return;
    const joined = concatOwned(run);
    built.bytes += joined.length;
    pieces.push(joined);
    run = [];
    runBytes = 0;
  };
  for (const [index, key] of keys.entries()) {
    const line = lineOf(key, index);
    if (line === null) {
      gone.push(key);
      continue;
    }
    const length = line.reduce((total, piece) => total + piece.length, 0);
    if (length <= JOINED_LINE_BYTES) {
      pieceOf[kept] = pieces.length;
      startOf[kept] = runBytes;
      endOf[kept] = runBytes + length;
      run.push(...line, SEPARATOR);
      runBytes += length + SEPARATOR.length;
    } else {
      closeRun();
      pieceOf[kept] = -1;
      pieces.push(...line, SEPARATOR);
    }
    kept += 1;
  }
  closeRun();
  return { pieces, pieceOf, startOf, endOf };
}
