import fc from 'fast-check';
import { Draft } from '../src/store/json-file/draft';
import { encodeJournalEntry, parseJournal, replayJournal } from '../src/store/json-file/journal';
import { Ledger } from '../src/store/json-file/ledger';

/** The file as a naive writer would produce it: every account re-serialised, in insertion order. */
function naive(accounts: Map<string, object>): string {
  const lines = [...accounts].map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const nasabah = lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n  }`;
  return `{\n  "nasabah": ${nasabah},\n  "idempotensi": {}\n}\n`;
}

describe('Ledger: writing the file incrementally', () => {
  it('always writes exactly what a full re-serialisation would, across batches, failed batches included', () => {
    const batch = fc.array(
      fc.record({ account: fc.nat({ max: 300 }), nominal: fc.integer({ min: 1, max: 1_000 }) }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(batch, fc.boolean()), { maxLength: 20 }), (batches) => {
        let buku = Ledger.empty();
        const expected = new Map<
          string,
          { nama: string; nik: string; no_hp: string; saldo: number; mutasi: object[] }
        >();
        let registered = 0;
        for (const [moves, durable] of batches) {
          const draft = new Draft(buku);
          const shadow = structuredClone(expected);
          for (const { account, nominal } of moves) {
            const noRekening = String(account).padStart(10, '0');
            const existing = draft.saldo(noRekening);
            const mutasi = { waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C' as const, nominal };
            if (existing === undefined) {
              registered += 1;
              const fields = {
                nama: `N${account}`,
                nik: String(registered).padStart(16, '0'),
                no_hp: `08${String(registered).padStart(10, '0')}`,
                saldo: 0,
              };
              draft.daftar(noRekening, fields);
              shadow.set(noRekening, { ...fields, mutasi: [] });
            } else {
              draft.catat(noRekening, mutasi, existing + nominal);
              const s = shadow.get(noRekening);
              if (s) {
                s.saldo += nominal;
                s.mutasi.push(mutasi);
              }
            }
          }
          const tulisan = buku.prepareWrite(draft);
          expect(Buffer.concat(tulisan.chunks).toString('utf8')).toBe(naive(shadow));
          if (durable) {
            tulisan.apply();
            for (const [k, v] of shadow) expected.set(k, v);
          }
          // What is committed must still render as the committed state alone.
          expect(Buffer.concat(buku.prepareWrite().chunks).toString('utf8')).toBe(naive(expected));
        }
        // And a fresh load of the file gives the same bytes back.
        buku = Ledger.parse(naive(expected));
        expect(Buffer.concat(buku.prepareWrite().chunks).toString('utf8')).toBe(naive(expected));
      }),
      { numRuns: 60 },
    );
  });
});

describe('Ledger: an account whose history outgrows a chunk and a joined line', () => {
  it('still writes exactly what a full re-serialisation would, around it and after failed batches', () => {
    let buku = Ledger.empty();
    const expected = new Map<
      string,
      { nama: string; nik: string; no_hp: string; saldo: number; mutasi: object[] }
    >();
    const first = new Draft(buku);
    for (let account = 0; account < 100; account += 1) {
      const noRekening = String(account).padStart(10, '0');
      const fields = {
        nama: `N${account}`,
        nik: String(account + 1).padStart(16, '0'),
        no_hp: `08${String(account + 1).padStart(10, '0')}`,
        saldo: 0,
      };
      first.daftar(noRekening, fields);
      expected.set(noRekening, { ...fields, mutasi: [] });
    }
    buku.prepareWrite(first).apply();
    // Account 0 reaches about 3,000 mutasi (over 200 kB): many sealed chunks, and a line too long to be joined.
    for (let batch = 0; batch < 60; batch += 1) {
      const draft = new Draft(buku);
      const shadow = structuredClone(expected);
      for (let move = 0; move < 51; move += 1) {
        const noRekening = String(move === 50 ? (batch * 7) % 100 : 0).padStart(10, '0');
        const mutasi = {
          waktu: `2026-11-29T00:00:${String(move).padStart(2, '0')}.000Z`,
          kode_transaksi: 'C' as const,
          nominal: batch + 1,
        };
        const s = shadow.get(noRekening);
        if (s === undefined) throw new Error('unknown account');
        draft.catat(noRekening, mutasi, s.saldo + mutasi.nominal);
        s.saldo += mutasi.nominal;
        s.mutasi.push(mutasi);
      }
      const tulisan = buku.prepareWrite(draft);
      expect(Buffer.concat(tulisan.chunks).toString('utf8')).toBe(naive(shadow));
      if (batch % 5 !== 4) {
        tulisan.apply();
        for (const [k, v] of shadow) expected.set(k, v);
      }
      expect(Buffer.concat(buku.prepareWrite().chunks).toString('utf8')).toBe(naive(expected));
    }
    expect(expected.get('0000000000')?.mutasi.length).toBeGreaterThan(2_000);
    buku = Ledger.parse(naive(expected));
    expect(Buffer.concat(buku.prepareWrite().chunks).toString('utf8')).toBe(naive(expected));
  });
});

describe('Ledger: an idempotency key used again after it expired', () => {
  const record = (waktu: string) => ({ sidik: 'sidik', waktu, hasil: { nilai: 1 } });

  it('goes last, in memory and in the file, so pruning is not held up behind it', () => {
    let buku = Ledger.empty();
    const first = new Draft(buku);
    first.save('kasir a', record('2026-01-01T00:00:00.000Z'));
    first.save('kasir b', record('2026-01-01T01:00:00.000Z'));
    first.save('kasir c', record('2026-01-01T02:00:00.000Z'));
    buku.prepareWrite(first).apply();

    // A day later `a` has expired, is forgotten, and the same key is used again in the same batch.
    const renewal = new Draft(buku);
    renewal.forgetRecordsBefore('2026-01-01T00:30:00.000Z');
    renewal.save('kasir a', record('2026-01-02T00:00:00.000Z'));
    const tulisan = buku.prepareWrite(renewal);
    tulisan.apply();

    // Once b and c have expired too, pruning must find them; `a` (renewed) is not due yet.
    const due = '2026-01-01T12:00:00.000Z';
    expect([...buku.keysRecordedBefore(due)]).toEqual(['kasir b', 'kasir c']);
    const text = Buffer.concat(buku.prepareWrite().chunks).toString('utf8');
    expect(text).toBe(Buffer.concat(tulisan.chunks).toString('utf8'));
    expect(Object.keys((JSON.parse(text) as { idempotensi: object }).idempotensi)).toEqual([
      'kasir b',
      'kasir c',
      'kasir a',
    ]);
    buku = Ledger.parse(text);
    expect([...buku.keysRecordedBefore(due)]).toEqual(['kasir b', 'kasir c']);
    expect(buku.keyCount('kasir')).toBe(3);
  });
});

describe('Ledger: warming up the blocks after a load', () => {
  it('writes exactly what a full re-serialisation would, with writes landing while it runs', async () => {
    const expected = new Map<
      string,
      { nama: string; nik: string; no_hp: string; saldo: number; mutasi: object[] }
    >();
    for (let account = 0; account < 3_000; account += 1) {
      expected.set(String(account).padStart(10, '0'), {
        nama: `N${account}`,
        nik: String(account + 1).padStart(16, '0'),
        no_hp: `08${String(account + 1).padStart(10, '0')}`,
        saldo: 0,
        mutasi: [],
      });
    }
    const buku = Ledger.parse(naive(expected));
    const warming = buku.warmUp();
    for (let write = 0; write < 20; write += 1) {
      const draft = new Draft(buku);
      const noRekening = String((write * 149) % 3_000).padStart(10, '0');
      const mutasi = { waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C' as const, nominal: write + 1 };
      const s = expected.get(noRekening);
      if (s === undefined) throw new Error('unknown account');
      draft.catat(noRekening, mutasi, s.saldo + mutasi.nominal);
      s.saldo += mutasi.nominal;
      s.mutasi.push(mutasi);
      buku.prepareWrite(draft).apply();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await warming;
    expect(Buffer.concat(buku.prepareWrite().chunks).toString('utf8')).toBe(naive(expected));
  });
});

describe('Ledger: batches that went to the journal instead of the file', () => {
  type Move =
    | { kind: 'catat'; account: number; nominal: number }
    | { kind: 'record'; key: number }
    | { kind: 'forget' };
  const move: fc.Arbitrary<Move> = fc.oneof(
    fc.record({
      kind: fc.constant('catat' as const),
      account: fc.nat({ max: 12 }),
      nominal: fc.integer({ min: 1, max: 1_000 }),
    }),
    fc.record({ kind: fc.constant('record' as const), key: fc.nat({ max: 6 }) }),
    fc.record({ kind: fc.constant('forget' as const) }),
  );
  /** An hour per batch: a forget drops the records of two batches back, so keys expire and are used again. */
  const hour = (batch: number) => new Date(Date.UTC(2026, 0, 1, batch)).toISOString();

  /** The batch's moves on a draft of `ledger`: the same moves make the same draft on equal ledgers. */
  function decide(ledger: Ledger, moves: readonly Move[], batch: number): Draft {
    const draft = new Draft(ledger);
    for (const change of moves) {
      if (change.kind === 'forget') draft.forgetRecordsBefore(hour(batch - 2));
      else if (change.kind === 'record') {
        const key = `kasir k${change.key}`;
        if (draft.find(key) === undefined) {
          draft.save(key, { sidik: 'sidik', waktu: hour(batch), hasil: { nilai: change.key } });
        }
      } else {
        const noRekening = String(change.account).padStart(10, '0');
        const saldo = draft.saldo(noRekening);
        if (saldo === undefined) {
          const digits = String(change.account).padStart(10, '0');
          draft.daftar(noRekening, {
            nama: `N${change.account}`,
            nik: `320101${digits}`,
            no_hp: `08${digits}`,
            saldo: 0,
          });
        } else {
          const mutasi = { waktu: hour(batch), kode_transaksi: 'C' as const, nominal: change.nominal };
          draft.catat(noRekening, mutasi, saldo + change.nominal);
        }
      }
    }
    return draft;
  }

  const text = (ledger: Ledger) => Buffer.concat(ledger.prepareWrite().chunks).toString('utf8');

  it('writes the same file as a write per batch would, and replaying the journal on the file before it does too', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(move, { maxLength: 10 }), fc.boolean()), { maxLength: 16 }),
        (batches) => {
          const perBatch = Ledger.empty();
          const journaled = Ledger.empty();
          /** The file as the last whole-file write left it, and the journal lines written since. */
          let file = text(journaled);
          let lines: Buffer[] = [];
          for (const [index, [moves, toJournal]] of batches.entries()) {
            perBatch.prepareWrite(decide(perBatch, moves, index)).apply();
            const draft = decide(journaled, moves, index);
            if (toJournal) {
              lines.push(encodeJournalEntry(journaled, draft));
              journaled.applyDeferred(draft);
            } else {
              const write = journaled.prepareWrite(draft);
              write.apply();
              file = Buffer.concat(write.chunks).toString('utf8');
              lines = [];
            }
            expect(text(journaled)).toBe(text(perBatch));
          }
          const replayed = Ledger.parse(file);
          replayJournal(replayed, parseJournal(Buffer.concat(lines)).entries);
          expect(text(replayed)).toBe(text(perBatch));
          // A file that already holds the journal (a crash after the fold's rename) is left as it is.
          const folded = Ledger.parse(text(perBatch));
          replayJournal(folded, parseJournal(Buffer.concat(lines)).entries);
          expect(text(folded)).toBe(text(perBatch));
        },
      ),
    );
  });
});

describe('Ledger: a fold rendered in turns while batches go on', () => {
  // The same moves as above, smaller: accounts, idempotency records, and their expiry.
  const moves = fc.array(
    fc.oneof(
      fc.record({ account: fc.nat({ max: 150 }), key: fc.constant(null) }),
      fc.record({ account: fc.constant(null), key: fc.nat({ max: 6 }) }),
    ),
    { maxLength: 40 },
  );
  const hour = (batch: number) => new Date(Date.UTC(2026, 0, 1, batch)).toISOString();
  function decide(
    ledger: Ledger,
    batch: readonly { account: number | null; key: number | null }[],
    index: number,
  ) {
    const draft = new Draft(ledger);
    draft.forgetRecordsBefore(hour(index - 2));
    for (const { account, key } of batch) {
      if (key !== null) {
        const stored = `kasir k${key}`;
        if (draft.find(stored) === undefined)
          draft.save(stored, { sidik: 's', waktu: hour(index), hasil: { nilai: key } });
        continue;
      }
      const noRekening = String(account).padStart(10, '0');
      const saldo = draft.saldo(noRekening);
      if (saldo === undefined) {
        draft.daftar(noRekening, {
          nama: `N${account}`,
          nik: `32${noRekening}`,
          no_hp: `08${noRekening}`,
          saldo: 0,
        });
      } else draft.catat(noRekening, { waktu: hour(index), kode_transaksi: 'C', nominal: 5 }, saldo + 5);
    }
    return draft;
  }
  const text = (ledger: Ledger) => Buffer.concat(ledger.prepareWrite().chunks).toString('utf8');

  it('writes the ledger as it was when the fold began, and keeps what came meanwhile for the next write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(moves, { maxLength: 6 }),
        fc.array(moves, { maxLength: 6 }),
        fc.array(moves, { maxLength: 4 }),
        async (before, during, after) => {
          const folded = Ledger.empty();
          const perBatch = Ledger.empty();
          let index = 0;
          const apply = (batch: (typeof before)[number]) => {
            folded.applyDeferred(decide(folded, batch, index));
            perBatch.prepareWrite(decide(perBatch, batch, index)).apply();
            index += 1;
          };
          before.forEach(apply);
          const atStart = text(perBatch);
          // Batches applied once the fold began, before it ends: between its turns.
          const folding = folded.prepareFold();
          during.forEach(apply);
          const fold = await folding;
          expect(Buffer.concat(fold.chunks).toString('utf8')).toBe(atStart);
          fold.apply();
          after.forEach(apply);
          expect(text(folded)).toBe(text(perBatch));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Ledger: warming up after a journal forgot a record', () => {
  it('leaves the block of a forgotten record to the next write, which writes every other record in place', async () => {
    const record = (waktu: string) => ({ sidik: 's', waktu, hasil: { nilai: 1 } });
    const file = {
      nasabah: {},
      idempotensi: {
        k1: record('2020-01-01T00:00:00.000Z'),
        k2: record('2020-01-01T00:00:01.000Z'),
        k3: record('2030-01-01T00:00:00.000Z'),
      },
    };
    const buku = Ledger.parse(JSON.stringify(file));
    // A journal's batch that forgot k1 (it expired), as a load replays it, before warmUp joins the blocks.
    replayJournal(buku, [{ nasabah: [], idempotensi: [['k1', null]], renewed: [] }]);
    await buku.warmUp();

    for (const chunks of [buku.prepareWrite().chunks, (await buku.prepareFold()).chunks]) {
      const written = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { idempotensi: object };
      expect(written.idempotensi).toEqual({ k2: file.idempotensi.k2, k3: file.idempotensi.k3 });
    }
  });
});
