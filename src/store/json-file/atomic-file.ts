// Replacing a file so that a crash at any instant leaves either the old bytes or the new ones, never a mix.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../error-code';

/**
 * The calls whose behaviour differs between Linux, macOS and Windows, so that a test on Linux can play the
 * others. Everything else here is the same on every platform.
 */
export interface FileSystem {
  platform: NodeJS.Platform;
  rename(from: string, to: string): Promise<void>;
  /** Opens a directory only to fsync and close it. */
  openDirectory(directory: string): Promise<Pick<FileHandle, 'sync' | 'close'>>;
}

export const nodeFileSystem: FileSystem = {
  platform: process.platform,
  rename,
  openDirectory: (directory) => open(directory, 'r'),
};

/** The (inode, size, mtime) triple that tells us whether anyone replaced or edited the file since we looked. */
export type FileVersion = string;

export function fileVersionOf(stat: { ino: number; size: number; mtimeMs: number }): FileVersion {
  // mtimeMs keeps sub-microsecond precision here, plenty to tell two writes apart alongside the inode.
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/** `<file>.<pid>.<random>.tmp`: a crash leftover names the process that wrote it. */
function tempFileName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid of the process that wrote temp file `name` (a name in `file`'s directory), or null if it is none. */
export function tempFileOwner(file: string, name: string): number | null {
  const prefix = `${path.basename(file)}.`;
  if (!name.startsWith(prefix)) return null;
  const pid = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length))?.[1];
  return pid === undefined ? null : Number(pid);
}

/** A temp file beside the data file with the new bytes, fsynced: ready to be renamed in place (commitTemp). */
export interface WrittenTemp {
  temp: string;
  /** The identity the file will have once the temp is renamed over it. */
  version: FileVersion;
}

/** Writes the pieces of `chunks`, in order, to a temp file beside `file`, and fsyncs it; on failure, removes it. */
export async function writeTemp(file: string, chunks: readonly Buffer[]): Promise<WrittenTemp> {
  const temp = tempFileName(file);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await writeAll(handle, chunks);
      await handle.sync();
      return { temp, version: fileVersionOf(await handle.stat()) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
}

/** Removes a temp file that will not be renamed in place; a leftover (say, after a crash) is harmless. */
export async function discardTemp(temp: string): Promise<void> {
  await unlink(temp).catch(() => undefined);
}

/**
 * Renames a written temp over `file`, then fsyncs the directory so the rename itself survives a power cut.
 * `beforeRename` may throw to abandon the write at the last moment (the old file then stays, the temp goes).
 * Once the rename is done it never throws for a platform that cannot fsync a directory: the new file is in
 * place, and a failure would tell the caller nothing changed. Returns the identity of the new file.
 */
export async function commitTemp(
  file: string,
  { temp, version }: WrittenTemp,
  beforeRename?: () => void,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<FileVersion> {
  try {
    beforeRename?.();
    await renameWithRetry(fileSystem, temp, file);
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
  await fsyncDirectory(fileSystem, path.dirname(file));
  return version;
}

/** Replaces `file` with `chunks` at once: writeTemp, then commitTemp. */
export async function writeAtomic(
  file: string,
  chunks: readonly Buffer[],
  beforeRename?: () => void,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<FileVersion> {
  return commitTemp(file, await writeTemp(file, chunks), beforeRename, fileSystem);
}

/** How long a rename that Windows refuses for a moment is retried before the write gives up. */
export const RENAME_RETRY_MS = 3_000;

/** How Windows says that another program holds the target open: an error that passes once it lets go. */
const RENAME_REFUSED_FOR_A_MOMENT = new Set(['EPERM', 'EACCES', 'EBUSY']);

/**
 * On Windows a rename over a file that another program (a virus scanner, the search indexer, a backup tool)
 * has open fails until it lets go, usually within milliseconds; graceful-fs and write-file-atomic retry it
 * the same way. Past the bound the error stands, and the old file is still in place. Elsewhere these errors
 * are real (permissions, a read-only mount) and retrying would only delay the 503.
 */
async function renameWithRetry(fileSystem: FileSystem, from: string, to: string): Promise<void> {
  const start = Date.now();
  for (let pauseMs = 10; ; pauseMs = Math.min(pauseMs * 2, 250)) {
    try {
      await fileSystem.rename(from, to);
      return;
    } catch (error) {
      const isMomentary =
        fileSystem.platform === 'win32' && RENAME_REFUSED_FOR_A_MOMENT.has(errorCode(error));
      if (!isMomentary || Date.now() - start + pauseMs > RENAME_RETRY_MS) throw error;
      await sleep(pauseMs);
    }
  }
}

/** writev may stop short (a signal, a huge file); go on from where it stopped until every byte is out. */
async function writeAll(handle: FileHandle, chunks: readonly Buffer[]): Promise<void> {
  let remaining = chunks.filter((chunk) => chunk.length > 0);
  while (remaining.length > 0) {
    const { bytesWritten } = await handle.writev(remaining);
    remaining = chunksAfter(remaining, bytesWritten);
  }
}

/** The pieces still to write once the first `written` bytes are out. */
function chunksAfter(chunks: readonly Buffer[], written: number): Buffer[] {
  let skipBytes = written;
  for (const [index, chunk] of chunks.entries()) {
    if (skipBytes < chunk.length) return [chunk.subarray(skipBytes), ...chunks.slice(index + 1)];
    skipBytes -= chunk.length;
  }
  return [];
}

/** How a platform or file system says it has no directory fsync at all, as opposed to one that failed. */
const DIRECTORY_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR']);

/**
 * Makes the rename itself survive a power cut. Windows cannot open a directory for fsync (Node answers
 * EISDIR, or EPERM at the fsync) and needs none: NTFS journals the rename's metadata. Elsewhere a file system
 * that says it cannot do it leaves the rename as durable as that file system makes it, which a 503 would not
 * improve. On Linux every error counts: its local file systems all fsync directories, so an error is real.
 */
export async function fsyncDirectory(fileSystem: FileSystem, directory: string): Promise<void> {
  if (fileSystem.platform === 'win32') return;
  try {
    const handle = await fileSystem.openDirectory(directory);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (fileSystem.platform === 'linux' || !DIRECTORY_FSYNC_UNSUPPORTED.has(errorCode(error))) throw error;
  }
}

/** Reads a file together with the identity of exactly the bytes read, or null when it does not exist. */
export async function readWithVersion(file: string): Promise<{ text: string; version: FileVersion } | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const version = fileVersionOf(await handle.stat());
    return { text: await handle.readFile('utf8'), version };
  } finally {
    await handle.close();
  }
}
