// writeAtomic on each platform's answers: which directory-fsync errors mean "not available" and which are
// real, and how long a rename that Windows refuses is retried.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  nodeFileSystem,
  RENAME_RETRY_MS,
  writeAtomic,
  type FileSystem,
} from '../src/store/json-file/atomic-file';
import { tempDataFile } from './helpers';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** The real file calls on `platform`, with a directory fsync that fails with `code`. */
function fsyncFailsWith(platform: NodeJS.Platform, code: string): FileSystem {
  return {
    ...nodeFileSystem,
    platform,
    openDirectory: () =>
      Promise.resolve({ sync: () => Promise.reject(systemError(code)), close: () => Promise.resolve() }),
  };
}

/** The real file calls on `platform`, with a rename that fails with `code` the first `refusals` times. */
function renameRefused(platform: NodeJS.Platform, code: string, refusals: number): FileSystem {
  let left = refusals;
  return {
    ...nodeFileSystem,
    platform,
    rename: (from, to) => (left-- > 0 ? Promise.reject(systemError(code)) : rename(from, to)),
  };
}

/** A data file holding "lama", and a write that would replace it with "baru". */
async function fileToReplace(): Promise<{
  file: string;
  write: (fileSystem: FileSystem) => Promise<unknown>;
}> {
  const file = await tempDataFile();
  await writeFile(file, 'lama');
  return { file, write: (fileSystem) => writeAtomic(file, [Buffer.from('baru')], undefined, fileSystem) };
}

async function tempFiles(file: string): Promise<string[]> {
  return (await readdir(path.dirname(file))).filter((name) => name.endsWith('.tmp'));
}

describe('writeAtomic', () => {
  describe('when the directory fsync fails', () => {
    it.each([
      ['win32', 'EPERM'],
      ['win32', 'EISDIR'],
      ['darwin', 'ENOTSUP'],
      ['darwin', 'EINVAL'],
      ['freebsd', 'EISDIR'],
    ] as const)('on %s with %s, treats it as not available and succeeds', async (platform, code) => {
      const { file, write } = await fileToReplace();

      await write(fsyncFailsWith(platform, code));

      expect(await readFile(file, 'utf8')).toBe('baru');
    });

    it.each([
      ['linux', 'EINVAL'],
      ['linux', 'ENOTSUP'],
      ['linux', 'EIO'],
      ['darwin', 'EIO'],
    ] as const)(
      'on %s with %s, fails with that error (the file is already replaced)',
      async (platform, code) => {
        const { file, write } = await fileToReplace();

        await expect(write(fsyncFailsWith(platform, code))).rejects.toMatchObject({ code });

        expect(await readFile(file, 'utf8')).toBe('baru');
      },
    );
  });

  describe('when the rename is refused', () => {
    it.each(['EPERM', 'EACCES', 'EBUSY'])(
      'on win32 with %s a few times, retries and succeeds',
      async (code) => {
        const { file, write } = await fileToReplace();

        await write(renameRefused('win32', code, 3));

        expect(await readFile(file, 'utf8')).toBe('baru');
        expect(await tempFiles(file)).toEqual([]);
      },
    );

    it('on win32, gives up after the retry bound, keeps the old file and removes the temp file', async () => {
      const { file, write } = await fileToReplace();
      const start = Date.now();

      await expect(write(renameRefused('win32', 'EBUSY', Infinity))).rejects.toMatchObject({ code: 'EBUSY' });

      const waitedMs = Date.now() - start;
      expect(waitedMs).toBeGreaterThan(RENAME_RETRY_MS / 2);
      expect(waitedMs).toBeLessThan(RENAME_RETRY_MS * 2);
      expect(await readFile(file, 'utf8')).toBe('lama');
      expect(await tempFiles(file)).toEqual([]);
    });

    it.each([
      ['win32', 'ENOENT'],
      ['linux', 'EPERM'],
      ['darwin', 'EACCES'],
    ] as const)('on %s with %s, fails at once and keeps the old file', async (platform, code) => {
      const { file, write } = await fileToReplace();

      await expect(write(renameRefused(platform, code, 1))).rejects.toMatchObject({ code });

      expect(await readFile(file, 'utf8')).toBe('lama');
      expect(await tempFiles(file)).toEqual([]);
    });
  });
});
