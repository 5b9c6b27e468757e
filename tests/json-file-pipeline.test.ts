// The file store's overlapping batches: the next batch is decided and its temp file written while the one
// before it is still being made durable; renames stay in order, each answer waits for its own batch, readers
// see only what is durable, a failure takes the batches decided on it along, and a hand edit is never
// overwritten by a batch decided before it.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { nodeFileSystem, type FileSystem } from '../src/store/json-file/atomic-file';
import { daftarNasabah, makeTestApp, saldo } from './helpers';

/** A gate a fake file call waits at while it is closed; `reached` says whether a call is waiting there. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const state = { isClosed: false, reached: 0 };
  return {
    close: () => (state.isClosed = true),
    open: () => {
      state.isClosed = false;
      open();
    },
    get reached() {
      return state.reached;
    },
    /** Waits at the gate if it is closed (once: a call after it opened goes straight through). */
    async pass(): Promise<void> {
      if (!state.isClosed) return;
      state.reached += 1;
      await opened;
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function tempFiles(dataFile: string): Promise<string[]> {
  return (await readdir(path.dirname(dataFile))).filter((name) => name.endsWith('.tmp'));
}

async function fileSaldo(dataFile: string, noRekening: string): Promise<number | undefined> {
  const file = JSON.parse(await readFile(dataFile, 'utf8')) as { nasabah: Record<string, { saldo: number }> };
  return file.nasabah[noRekening]?.saldo;
}

/** A tabung, started at once; its answer is kept, and `isAnswered` says whether it came. */
function startTabung(app: Parameters<typeof request>[0], noRekening: string, nominal: number) {
  const state = { isAnswered: false };
  const answer = request(app)
    .post('/tabung')
    .send({ no_rekening: noRekening, nominal })
    .then((res) => {
      state.isAnswered = true;
      return res;
    });
  return {
    answer,
    get isAnswered() {
      return state.isAnswered;
    },
  };
}

describe('overlapping batches on the data file', () => {
  it('writes the next batch beside the one being renamed, answers each after its own rename, and shows neither before', async () => {
    const renames = gate();
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      rename: async (from, to) => {
        await renames.pass();
        await rename(from, to);
      },
    };
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);

    renames.close();
    const first = startTabung(app, noRekening, 100);
    await until(() => renames.reached === 1, 'the first batch at its rename');
    const second = startTabung(app, noRekening, 200);
    // The second batch was decided on the first's saldo, and its temp file is written, the first's still there.
    await until(async () => (await tempFiles(dataFile)).length === 2, 'the second temp file');
    expect(await saldo(app, noRekening)).toBe(0);
    expect(first.isAnswered || second.isAnswered).toBe(false);

    renames.open();
    expect((await first.answer).body).toEqual({ saldo: 100 });
    expect((await second.answer).body).toEqual({ saldo: 300 });
    expect(await saldo(app, noRekening)).toBe(300);
    expect(await fileSaldo(dataFile, noRekening)).toBe(300);
    expect(await tempFiles(dataFile)).toEqual([]);
  });

  it('decides again the batch decided on one that could not be renamed: the first 503, the second on the file', async () => {
    const renames = gate();
    let failures = 0;
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      rename: async (from, to) => {
        await renames.pass();
        if (failures > 0) {
          failures -= 1;
          throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
        }
        await rename(from, to);
      },
    };
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);

    renames.close();
    failures = 1;
    const first = startTabung(app, noRekening, 100);
    await until(() => renames.reached === 1, 'the first batch at its rename');
    const second = startTabung(app, noRekening, 200);
    await until(async () => (await tempFiles(dataFile)).length === 2, 'the second temp file');
    expect(await saldo(app, noRekening)).toBe(0);
    renames.open();

    const refused = await first.answer;
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ remark: 'gagal menyimpan berkas data (EIO), tidak ada yang berubah' });
    // Decided on a saldo of 100 that never reached the disk, it was decided again on the file's 0.
    expect((await second.answer).body).toEqual({ saldo: 200 });
    expect(await saldo(app, noRekening)).toBe(200);
    expect(await fileSaldo(dataFile, noRekening)).toBe(200);
    await until(async () => (await tempFiles(dataFile)).length === 0, 'the temp files to be removed');
  });

  it('never overwrites a hand edit made while the batch before was being made durable: it decides again on it', async () => {
    const directoryFsyncs = gate();
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      openDirectory: async (directory) => {
        await directoryFsyncs.pass();
        return nodeFileSystem.openDirectory(directory);
      },
    };
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);

    directoryFsyncs.close();
    const first = startTabung(app, noRekening, 100);
    await until(() => directoryFsyncs.reached === 1, 'the first batch renamed');
    const second = startTabung(app, noRekening, 200);
    await until(async () => (await tempFiles(dataFile)).length === 1, 'the second temp file');
    // An operator's edit, with the first deposit in the file: a field of their own.
    const edited = { ...(JSON.parse(await readFile(dataFile, 'utf8')) as object), catatan: 'diperiksa' };
    await writeFile(dataFile, JSON.stringify(edited));
    directoryFsyncs.open();

    expect((await first.answer).body).toEqual({ saldo: 100 });
    expect((await second.answer).body).toEqual({ saldo: 300 });
    expect(JSON.parse(await readFile(dataFile, 'utf8'))).toMatchObject({ catatan: 'diperiksa' });
    expect(await fileSaldo(dataFile, noRekening)).toBe(300);
    expect(await tempFiles(dataFile)).toEqual([]);
  });
});
