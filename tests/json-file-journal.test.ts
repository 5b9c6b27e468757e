// The journal beside the data file: batches of several changes are appended to it and folded into the file when
// the write session ends. What a crash can leave (a journal not folded, a torn last line, a journal the file
// already holds) is read back exactly; a hand edit the journal cannot follow is refused, never guessed at.
import { existsSync } from 'node:fs';
import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import request from 'supertest';
import type { Express } from 'express';
import { DataFileInvalid } from '../src/store/json-file';
import { nodeFileSystem, type FileSystem } from '../src/store/json-file/atomic-file';
import { Draft } from '../src/store/json-file/draft';
import {
  encodeJournalEntry,
  journalFileOf,
  nextJournalFileOf,
  parseJournal,
} from '../src/store/json-file/journal';
import { Ledger } from '../src/store/json-file/ledger';
import type { WriteReport } from '../src/store/json-file/json-file-store';
import { daftarNasabah, makeTestApp, saldo, tempDataFile } from './helpers';

async function fileSaldo(dataFile: string, noRekening: string): Promise<number | undefined> {
  const file = JSON.parse(await readFile(dataFile, 'utf8')) as { nasabah: Record<string, { saldo: number }> };
  return file.nasabah[noRekening]?.saldo;
}

/** `count` deposits of `nominal` sent at once, so that they queue into batches of several. */
async function depositsAtOnce(app: Express, noRekening: string, count: number, nominal: number) {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      request(app).post('/tabung').send({ no_rekening: noRekening, nominal }),
    ),
  );
  expect(answers.map((res) => res.status)).toEqual(Array<number>(count).fill(200));
}

/** A file system whose renames that `isHeld` picks wait while `hold` is set, so a test can copy what a crash leaves. */
function heldRenames(isHeld: (to: string) => boolean) {
  const state = { hold: false, waiting: [] as (() => void)[] };
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    rename: async (from, to) => {
      if (state.hold && isHeld(to)) await new Promise<void>((resolve) => state.waiting.push(resolve));
      await rename(from, to);
    },
  };
  return {
    fileSystem,
    hold: () => (state.hold = true),
    get waiting() {
      return state.waiting.length;
    },
    release: () => {
      state.hold = false;
      for (const go of state.waiting.splice(0)) go();
    },
  };
}

/**
 * Renames that fold `dataFile`'s journal into it wait while `hold` is set, once deposits are answered from the
 * journal. A lone change's rename (there is no journal then) goes through.
 */
function heldFolds(dataFile: string) {
  return heldRenames(() => existsSync(journalFileOf(dataFile)));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * A store on a fresh file with one account, whose fold waits at its rename once `count` deposits of `nominal`
 * (sent at once, after a lone one of `firstNominal` if given) are answered from the journal: what a crash at
 * that moment would leave is on disk. `release` lets the fold go on.
 */
async function heldAtTheFold(count: number, nominal: number, firstNominal?: number) {
  const dataFile = await tempDataFile();
  const renames = heldFolds(dataFile);
  const { app } = await makeTestApp({ dataFile, store: { fileSystem: renames.fileSystem } });
  const noRekening = await daftarNasabah(app);
  if (firstNominal !== undefined) {
    await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: firstNominal }).expect(200);
  }
  renames.hold();
  await depositsAtOnce(app, noRekening, count, nominal);
  await until(() => renames.waiting > 0, 'the fold at its rename');
  return { app, dataFile, noRekening, release: renames.release };
}

describe('the journal beside the data file', () => {
  it('takes batches of several changes, answers them once appended, and folds them into the file at the session end', async () => {
    const writes: WriteReport[] = [];
    const { app, dataFile } = await makeTestApp({ store: { onWrite: (write) => writes.push(write) } });
    const noRekening = await daftarNasabah(app);

    await depositsAtOnce(app, noRekening, 40, 10);

    expect(writes.some((write) => write.to === 'journal' && write.changes > 1)).toBe(true);
    await until(() => writes.some((write) => write.to === 'fold'), 'the fold');
    expect(existsSync(journalFileOf(dataFile))).toBe(false);
    expect(await fileSaldo(dataFile, noRekening)).toBe(400);
    expect(await saldo(app, noRekening)).toBe(400);
  });

  it('writes a lone change to the file itself, with no journal', async () => {
    const writes: WriteReport[] = [];
    const { app, dataFile } = await makeTestApp({ store: { onWrite: (write) => writes.push(write) } });
    const noRekening = await daftarNasabah(app);

    await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 5 }).expect(200);

    expect(writes.map((write) => write.to)).toEqual(['file', 'file']);
    expect(await fileSaldo(dataFile, noRekening)).toBe(5);
    expect(existsSync(journalFileOf(dataFile))).toBe(false);
  });

  it('after a crash before the fold, starts with every answered change and folds the journal into the file', async () => {
    const { dataFile, noRekening, release } = await heldAtTheFold(30, 100);
    // What a kill -9 now leaves: the file before the deposits, and the journal that answered them.
    const crashed = await tempDataFile();
    await copyFile(dataFile, crashed);
    await copyFile(journalFileOf(dataFile), journalFileOf(crashed));
    release();
    // The first deposit may have gone to the file alone; the rest were answered from the journal.
    expect(await fileSaldo(crashed, noRekening)).toBeLessThan(3_000);

    const restarted = await makeTestApp({ dataFile: crashed });

    expect(await saldo(restarted.app, noRekening)).toBe(3_000);
    expect(await fileSaldo(crashed, noRekening)).toBe(3_000);
    expect(existsSync(journalFileOf(crashed))).toBe(false);
  });

  it('after a crash between the fold and the removal of the journal, counts nothing twice', async () => {
    const { dataFile, noRekening, release } = await heldAtTheFold(30, 100);
    const journal = await readFile(journalFileOf(dataFile));
    release();
    await until(() => !existsSync(journalFileOf(dataFile)), 'the journal removed');
    // The fold's rename happened; its removal of the journal did not.
    const crashed = await tempDataFile();
    await copyFile(dataFile, crashed);
    await writeFile(journalFileOf(crashed), journal);

    const restarted = await makeTestApp({ dataFile: crashed });

    expect(await saldo(restarted.app, noRekening)).toBe(3_000);
    expect(await fileSaldo(crashed, noRekening)).toBe(3_000);
    expect(existsSync(journalFileOf(crashed))).toBe(false);
    // And writes go on from there.
    await depositsAtOnce(restarted.app, noRekening, 10, 1);
    expect(await saldo(restarted.app, noRekening)).toBe(3_010);
  });

  type Account = { nama: string; saldo: number; mutasi: unknown[] };
  const edits: [string, (account: Account) => Account][] = [
    ['its first deposit removed', (account) => ({ ...account, saldo: 0, mutasi: [] })],
    ['its nama changed, as many mutasi', (account) => ({ ...account, nama: 'Nama Diubah' })],
  ];

  it.each(edits)(
    'refuses to start on a file edited by hand (%s) while its journal held batches, and changes neither',
    async (_edit, edit) => {
      const { dataFile, noRekening, release } = await heldAtTheFold(20, 100, 7);
      const crashed = await tempDataFile();
      await copyFile(journalFileOf(dataFile), journalFileOf(crashed));
      release();
      // An operator removes the first deposit by hand, not knowing of the journal.
      const edited = JSON.parse(await readFile(dataFile, 'utf8')) as { nasabah: Record<string, Account> };
      const account = edited.nasabah[noRekening];
      if (account === undefined) throw new Error('the account is missing');
      edited.nasabah[noRekening] = edit(account);
      const text = JSON.stringify(edited);
      await writeFile(crashed, text);
      const journal = await readFile(journalFileOf(crashed));

      await expect(makeTestApp({ dataFile: crashed })).rejects.toThrow(DataFileInvalid);
      await expect(makeTestApp({ dataFile: crashed })).rejects.toThrow(
        /berkas data tidak cocok dengan jurnalnya/,
      );
      expect(await readFile(crashed, 'utf8')).toBe(text);
      expect(await readFile(journalFileOf(crashed))).toEqual(journal);
    },
  );
});

describe('a fold while batches go on', () => {
  it('folds the journal in whenever it holds enough, with deposits coming all the while, and loses none', async () => {
    const dataFile = await tempDataFile();
    const renames = heldRenames((to) => to === dataFile);
    const writes: WriteReport[] = [];
    const { app } = await makeTestApp({
      dataFile,
      // A fold as soon as the journal holds a batch.
      store: { fileSystem: renames.fileSystem, foldJournalBytes: 1, onWrite: (write) => writes.push(write) },
    });
    const noRekening = await daftarNasabah(app);
    for (let round = 0; round < 6; round += 1) await depositsAtOnce(app, noRekening, 10, 100);
    // Folded while the deposits came, not only once they stopped: batches were journaled after a fold.
    await until(() => writes.some((write) => write.to === 'fold'), 'a fold');
    const firstFold = writes.findIndex((write) => write.to === 'fold');
    expect(writes.slice(firstFold).some((write) => write.to === 'journal')).toBe(true);

    // What a kill -9 leaves while a fold waits at its rename: every deposit answered by then is there.
    renames.hold();
    let answered = 0;
    const deposits = Array.from({ length: 40 }, () =>
      request(app)
        .post('/tabung')
        .send({ no_rekening: noRekening, nominal: 100 })
        .then((res) => {
          expect(res.status).toBe(200);
          answered += 1;
        }),
    );
    await until(() => renames.waiting > 0, 'a fold at its rename');
    const answeredAtCrash = answered;
    const crashed = await tempDataFile();
    await copyFile(dataFile, crashed);
    for (const journalOf of [journalFileOf, nextJournalFileOf]) {
      if (existsSync(journalOf(dataFile))) await copyFile(journalOf(dataFile), journalOf(crashed));
    }
    renames.release();
    await Promise.all(deposits);

    expect(await saldo(app, noRekening)).toBe(10_000);
    // The session ends once nothing comes: everything is in the file, and no journal is left.
    await until(
      () => !existsSync(journalFileOf(dataFile)) && !existsSync(nextJournalFileOf(dataFile)),
      'the journals folded in',
    );
    expect(await fileSaldo(dataFile, noRekening)).toBe(10_000);
    const restarted = await makeTestApp({ dataFile: crashed });
    const saldoAfterCrash = await saldo(restarted.app, noRekening);
    expect(saldoAfterCrash).toBeGreaterThanOrEqual(6_000 + answeredAtCrash * 100);
    expect(saldoAfterCrash % 100).toBe(0);
  });

  const moments: [string, 'before' | 'after'][] = [
    ['before its rename', 'before'],
    ["after its rename, before the next journal takes the first one's place", 'after'],
  ];

  it.each(moments)(
    'after a crash in a fold %s, starts with the batches of both journals, each once',
    async (_moment, which) => {
      // The file before a fold and after it, and the journal it folds in.
      const { dataFile, noRekening, release } = await heldAtTheFold(20, 100);
      const before = await readFile(dataFile);
      const journal = await readFile(journalFileOf(dataFile));
      release();
      await until(() => !existsSync(journalFileOf(dataFile)), 'the fold');
      const after = await readFile(dataFile);
      // A batch that came meanwhile, decided on what the file holds once the journal is folded in.
      const ledger = Ledger.parse(after.toString('utf8'));
      const draft = new Draft(ledger);
      const saldo7 = (ledger.entry(noRekening)?.fields.saldo ?? 0) + 7;
      draft.catat(noRekening, { waktu: new Date().toISOString(), kode_transaksi: 'C', nominal: 7 }, saldo7);
      const crashed = await tempDataFile();
      await writeFile(crashed, which === 'before' ? before : after);
      await writeFile(journalFileOf(crashed), journal);
      await writeFile(nextJournalFileOf(crashed), encodeJournalEntry(ledger, draft));

      const restarted = await makeTestApp({ dataFile: crashed });

      expect(await saldo(restarted.app, noRekening)).toBe(2_007);
      expect(await fileSaldo(crashed, noRekening)).toBe(2_007);
      expect(existsSync(journalFileOf(crashed)) || existsSync(nextJournalFileOf(crashed))).toBe(false);
    },
  );

  const failures: [string, 'rename' | 'fsync'][] = [
    ['its rename in place', 'rename'],
    ["the directory's fsync after the journals' rename", 'fsync'],
  ];

  it.each(failures)(
    'after a fold that failed at %s, goes on, and what a crash then leaves has every answered deposit',
    async (_failure, kind) => {
      const dataFile = await tempDataFile();
      const state = {
        armed: false,
        failed: false,
        failDirectory: false,
        hold: false,
        held: [] as (() => void)[],
      };
      const isFold = (from: string, to: string) =>
        from.endsWith('.tmp') && to === dataFile && existsSync(journalFileOf(dataFile));
      const fileSystem: FileSystem = {
        ...nodeFileSystem,
        rename: async (from, to) => {
          if (state.armed && kind === 'rename' && isFold(from, to)) {
            state.armed = false;
            state.failed = true;
            throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
          }
          if (state.armed && kind === 'fsync' && to === journalFileOf(dataFile)) {
            state.armed = false;
            state.failDirectory = true;
          }
          if (state.hold && isFold(from, to)) await new Promise<void>((resolve) => state.held.push(resolve));
          await rename(from, to);
        },
        openDirectory: async (directory) => {
          if (state.failDirectory) {
            state.failDirectory = false;
            state.failed = true;
            throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          }
          return nodeFileSystem.openDirectory(directory);
        },
      };
      const { app } = await makeTestApp({ dataFile, store: { fileSystem, foldJournalBytes: 1 } });
      const noRekening = await daftarNasabah(app);
      state.armed = true;
      for (let round = 0; round < 6; round += 1) await depositsAtOnce(app, noRekening, 10, 100);
      expect(state.failed).toBe(true);

      // Deposits after the failure, then a crash while a fold of them waits at its rename.
      state.hold = true;
      const deposits = Array.from({ length: 10 }, () =>
        request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 1 }),
      );
      await until(() => state.held.length > 0, 'a fold at its rename');
      const crashed = await tempDataFile();
      await copyFile(dataFile, crashed);
      for (const journalOf of [journalFileOf, nextJournalFileOf]) {
        if (existsSync(journalOf(dataFile))) await copyFile(journalOf(dataFile), journalOf(crashed));
      }
      state.hold = false;
      for (const go of state.held.splice(0)) go();
      await Promise.all(deposits);

      expect(await saldo(app, noRekening)).toBe(6_010);
      // The last ten wait for the fold's rename (appends take turns with it): none of them was answered yet.
      const restarted = await makeTestApp({ dataFile: crashed });
      expect(await saldo(restarted.app, noRekening)).toBeGreaterThanOrEqual(6_000);
      expect(await saldo(restarted.app, noRekening)).toBeLessThanOrEqual(6_010);
    },
  );
});

describe('reading a journal', () => {
  it('ignores a torn last line, the append a crash cut short, and says where the good lines end', async () => {
    const { dataFile, release } = await heldAtTheFold(20, 1);
    const journal = await readFile(journalFileOf(dataFile));
    release();

    const torn = Buffer.concat([journal, journal.subarray(0, journal.length - 10)]);
    const parsed = parseJournal(torn);
    expect(parsed.validBytes).toBe(journal.length);
    expect(parsed.entries.length).toBe(parseJournal(journal).entries.length);
    expect(
      parseJournal(Buffer.concat([journal, Buffer.from('0123456789abcdef {"nasabah"')])).validBytes,
    ).toBe(journal.length);
  });

  it('refuses a bad line with good ones after it: that is damage, not a torn append', () => {
    const bad = Buffer.from('0000000000000000 {"nasabah":[],"idempotensi":[],"renewed":[]}\n');
    expect(parseJournal(bad).validBytes).toBe(0);
    expect(() => parseJournal(Buffer.concat([bad, bad]))).toThrow(DataFileInvalid);
  });
});
