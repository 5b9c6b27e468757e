// A data directory whose writes can be made to fail for real: read-only, or (tmpfs) full.
// Root ignores permission bits, so as root the directory is a tiny tmpfs that is remounted read-only instead.
// Neither works on Windows (its chmod sets a read-only flag that directories ignore); tmpfs is Linux's.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface FaultDir {
  dir: string;
  readOnly(): Promise<void>;
  writable(): Promise<void>;
  cleanup(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

function mountWorks(): boolean {
  if (!isRoot || process.platform !== 'linux') return false;
  const probe = execFileSync('mktemp', ['-d']).toString().trim();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rmdir', [probe]);
  }
}

const canMount = mountWorks();
/** Whether this machine can make a directory refuse writes (non-root: chmod, not on Windows; root: a tmpfs). */
export const canMakeReadOnly = isRoot ? canMount : process.platform !== 'win32';
/** Whether this machine can give a directory a size limit (a tmpfs mount, which needs Linux and root). */
export const canFillDisk = canMount;

/** A fresh directory; with `sizeKb` it is a tmpfs of that size, so writes past it fail with ENOSPC. */
export async function faultDir(sizeKb = 1024): Promise<FaultDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabungan-fault-'));
  if (canMount) {
    const mount = (options: string) => execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mount(`size=${sizeKb}k`);
    const remount = (mode: string): Promise<void> => {
      execFileSync('mount', ['-o', `remount,${mode}`, dir]);
      return Promise.resolve();
    };
    return {
      dir,
      readOnly: () => remount('ro'),
      writable: () => remount('rw'),
      cleanup: async () => {
        execFileSync('umount', [dir]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  return {
    dir,
    readOnly: () => chmod(dir, 0o555),
    writable: () => chmod(dir, 0o755),
    cleanup: async () => {
      await chmod(dir, 0o755);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
