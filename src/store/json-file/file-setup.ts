// What opening the data file takes before the first request: follow a symlink, clear a crashed writer's temp
// files, create the file when it is missing, and make it readable by its owner only.
import { chmod, lstat, mkdir, readdir, readlink, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../error-code';
import { tempFileOwner, writeAtomic, type FileSystem } from './atomic-file';
import type { FileLock } from './file-lock';
import { Ledger } from './ledger';

/**
 * The file a DATA_FILE path stands for: itself, or the target its symlinks lead to (which may not exist yet).
 * Followed once, at open: writes then replace the target, temp files and the lock sit beside it, so the rename
 * stays within one directory and the symlink itself is never replaced.
 */
export async function resolveSymlink(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  const info = await lstat(file).catch(() => null);
  if (info === null || !info.isSymbolicLink()) return path.resolve(file);
  // A dangling symlink: the file is created where it points.
  return resolveSymlink(path.resolve(path.dirname(file), await readlink(file)));
}

/** Creates the directory, removes dead writers' temp files, and writes an empty ledger when there is no file. */
export async function prepareDataFile(file: string, lock: FileLock, fileSystem?: FileSystem): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await removeOrphanedTempFiles(file);
  if (await exists(file)) return;
  const release = await lock.acquire();
  try {
    // Another process may have created it while we waited for the lock.
    if (!(await exists(file)))
      await writeAtomic(file, Ledger.empty().prepareWrite().chunks, undefined, fileSystem);
  } finally {
    await release();
  }
}

/**
 * The data file holds personal data (nik, no_hp) and money: only its owner may read it. A file copied in by hand
 * with 0644 is tightened at start; the store's own writes always create 0600. Returns the mode it had when it
 * was tightened.
 */
export async function tightenMode(file: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const { mode } = await stat(file);
  if ((mode & 0o077) === 0) return undefined;
  await chmod(file, 0o600);
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/**
 * Removes temp files left by a process that died mid-write (the rename never happened, so they hold nothing that
 * was acknowledged). A live process's temp file is left alone: it may be renamed in a moment.
 */
async function removeOrphanedTempFiles(file: string): Promise<void> {
  for (const name of await readdir(path.dirname(file))) {
    const pid = tempFileOwner(file, name);
    if (pid === null || isAlive(pid)) continue;
    await unlink(path.join(path.dirname(file), name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}
