// What differs on Windows and macOS (directory fsync, a rename refused for a moment), played here on Linux by
// giving the JSON store a file system that answers the way those platforms do.
import { readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { nodeFileSystem, type FileSystem } from '../src/store/json-file/atomic-file';
import { daftarNasabah, makeTestApp, saldo, tabung } from './helpers';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** The real file calls, with the platform and any of the calls replaced. */
function simulated(platform: NodeJS.Platform, calls: Partial<FileSystem> = {}): FileSystem {
  return { ...nodeFileSystem, platform, ...calls };
}

/** A directory handle whose fsync fails the way `code` says. */
function directoryWhoseFsyncFails(code: string): FileSystem['openDirectory'] {
  return () =>
    Promise.resolve({ sync: () => Promise.reject(systemError(code)), close: () => Promise.resolve() });
}

/** A rename that refuses with `code` while `isRefused()` says so, and then renames for real. */
function renameRefused(code: string, isRefused: () => boolean): FileSystem['rename'] {
  return (from, to) => (isRefused() ? Promise.reject(systemError(code)) : rename(from, to));
}

async function saldoInFile(dataFile: string, noRekening: string): Promise<number | undefined> {
  const file = JSON.parse(await readFile(dataFile, 'utf8')) as { nasabah: Record<string, { saldo: number }> };
  return file.nasabah[noRekening]?.saldo;
}

async function tempFiles(dataFile: string): Promise<string[]> {
  return (await readdir(path.dirname(dataFile))).filter((name) => name.endsWith('.tmp'));
}

describe('on Windows (simulated)', () => {
  describe('when the data directory cannot be fsynced', () => {
    it.each([
      [
        'opening it fails with EISDIR',
        simulated('win32', { openDirectory: () => Promise.reject(systemError('EISDIR')) }),
      ],
      [
        'its fsync fails with EPERM',
        simulated('win32', { openDirectory: directoryWhoseFsyncFails('EPERM') }),
      ],
    ])('when %s, answers 200 and the deposit is in the file', async (_case, fileSystem) => {
      const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
      const noRekening = await daftarNasabah(app);

      const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ saldo: 700 });
      expect(await saldoInFile(dataFile, noRekening)).toBe(700);
    });
  });

  describe('when another program holds the data file open', () => {
    it('retries a rename refused twice (EBUSY), answers 200 and the deposit is in the file', async () => {
      let refusals = 0;
      const fileSystem = simulated('win32', { rename: renameRefused('EBUSY', () => refusals-- > 0) });
      const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
      const noRekening = await daftarNasabah(app);
      refusals = 2;

      const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

      expect(res.status).toBe(200);
      expect(await saldoInFile(dataFile, noRekening)).toBe(700);
      expect(await tempFiles(dataFile)).toEqual([]);
    });

    it('answers 503 once the rename is refused past the retry bound, with the old file intact and no temp file, and recovers', async () => {
      let isHeldOpen = false;
      const fileSystem = simulated('win32', { rename: renameRefused('EPERM', () => isHeldOpen) });
      const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
      const noRekening = await daftarNasabah(app);
      await tabung(app, noRekening, 100);
      const onDisk = await readFile(dataFile, 'utf8');
      isHeldOpen = true;

      const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

      expect(res.status).toBe(503);
      expect(res.body).toEqual({ remark: 'gagal menyimpan berkas data (EPERM), tidak ada yang berubah' });
      expect(await readFile(dataFile, 'utf8')).toBe(onDisk);
      expect(await tempFiles(dataFile)).toEqual([]);
      expect(await saldo(app, noRekening)).toBe(100);

      isHeldOpen = false;
      await tabung(app, noRekening, 5);
      expect(await saldoInFile(dataFile, noRekening)).toBe(105);
    });
  });
});

describe('on macOS (simulated)', () => {
  it('when the file system has no directory fsync (ENOTSUP), answers 200 and the deposit is in the file', async () => {
    const fileSystem = simulated('darwin', { openDirectory: directoryWhoseFsyncFails('ENOTSUP') });
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);

    const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

    expect(res.status).toBe(200);
    expect(await saldoInFile(dataFile, noRekening)).toBe(700);
  });
});

describe('on Linux', () => {
  it('when the directory fsync fails, even with EINVAL, answers 503 as before and serves what the file holds', async () => {
    let isFsyncFailing = false;
    const fileSystem = simulated('linux', {
      openDirectory: (directory) =>
        isFsyncFailing
          ? directoryWhoseFsyncFails('EINVAL')(directory)
          : nodeFileSystem.openDirectory(directory),
    });
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);
    isFsyncFailing = true;

    const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

    expect(res.status).toBe(503);
    // The rename had happened: memory is read again from the file rather than trusted.
    expect(await saldo(app, noRekening)).toBe(await saldoInFile(dataFile, noRekening));
  });

  it('does not retry a refused rename: EPERM answers 503 at once, with the old file intact', async () => {
    let refusals = 0;
    const fileSystem = simulated('linux', { rename: renameRefused('EPERM', () => refusals-- > 0) });
    const { app, dataFile } = await makeTestApp({ store: { fileSystem } });
    const noRekening = await daftarNasabah(app);
    const onDisk = await readFile(dataFile, 'utf8');
    refusals = 1;

    const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 700 });

    expect(res.status).toBe(503);
    expect(await readFile(dataFile, 'utf8')).toBe(onDisk);
    expect(await tempFiles(dataFile)).toEqual([]);
  });
});
