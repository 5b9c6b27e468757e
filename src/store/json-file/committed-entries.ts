// What readers see while batches are in flight. A write session applies each batch to the ledger as soon as it
// is decided, so the next batch can be decided on it while this one is written; until a batch is durable,
// readers must still see the accounts it changed as they were, since a failed write would take them back.
import type { Ledger, LedgerEntry } from './ledger';

interface Held {
  /** The account as last made durable; undefined for one registered by a batch still in flight. */
  entry: LedgerEntry | undefined;
  /** In-flight batches that changed it: it is held until the last of them is durable. */
  batches: number;
}

export class CommittedEntries {
  private readonly held = new Map<string, Held>();

  /** An account as last made durable: its held entry while a batch in flight changed it, else the ledger's. */
  entry(ledger: Ledger, noRekening: string): LedgerEntry | undefined {
    const held = this.held.get(noRekening);
    return held === undefined ? ledger.entry(noRekening) : held.entry;
  }

  /** Holds the accounts a batch is about to change in `ledger`, as they are now. */
  hold(noRekening: Iterable<string>, ledger: Ledger): void {
    for (const key of noRekening) {
      const held = this.held.get(key);
      if (held === undefined) this.held.set(key, { entry: ledger.entry(key), batches: 1 });
      else held.batches += 1;
    }
  }

  /** A batch is durable: the entries it wrote are what readers see now, unless a later batch holds them still. */
  release(written: ReadonlyMap<string, LedgerEntry>): void {
    for (const [key, entry] of written) {
      const held = this.held.get(key);
      if (held === undefined) continue;
      held.batches -= 1;
      if (held.batches === 0) this.held.delete(key);
      else held.entry = entry;
    }
  }

  /** A batch failed: the ledger is read again from the file, so nothing is held any more. */
  clear(): void {
    this.held.clear();
  }
}
