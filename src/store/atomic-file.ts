// Replacing a file so that a crash at any instant leaves either the old bytes or the new ones, never a mix.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { kodeGalat } from './galat';

/** The (inode, size, mtime) triple that tells us whether anyone replaced or edited the file since we looked. */
export type Identitas = string;

export function identitasDari(stat: { ino: number; size: number; mtimeMs: number }): Identitas {
  // mtimeMs keeps sub-microsecond precision here, plenty to tell two writes apart alongside the inode.
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
}

/** `<file>.<pid>.<random>.tmp`: a crash leftover names the process that wrote it. */
function namaTemp(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid of the process that wrote temp file `nama` (a name in `file`'s directory), or null if it is none. */
export function pemilikTemp(file: string, nama: string): number | null {
  const awalan = `${path.basename(file)}.`;
  if (!nama.startsWith(awalan)) return null;
  const pid = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(nama.slice(awalan.length))?.[1];
  return pid === undefined ? null : Number(pid);
}

/**
 * Writes the pieces of `isi`, in order, to a temp file beside `file`, fsyncs it, renames it over `file`, then fsyncs the directory so
 * the rename itself survives a power cut. `sebelumGanti` may throw to abandon the write at the last moment
 * (the old file then stays). Returns the identity of the new file.
 */
export async function tulisAtomik(
  file: string,
  isi: readonly Buffer[],
  sebelumGanti?: () => void,
): Promise<Identitas> {
  const temp = namaTemp(file);
  let identitas: Identitas;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await tulisSemua(handle, isi);
      await handle.sync();
      identitas = identitasDari(await handle.stat());
    } finally {
      await handle.close();
    }
    sebelumGanti?.();
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(file));
  return identitas;
}

/** writev may stop short (a signal, a huge file); go on from where it stopped until every byte is out. */
async function tulisSemua(handle: FileHandle, isi: readonly Buffer[]): Promise<void> {
  let sisa = isi.filter((bagian) => bagian.length > 0);
  while (sisa.length > 0) {
    const { bytesWritten } = await handle.writev(sisa);
    sisa = setelah(sisa, bytesWritten);
  }
}

/** The pieces still to write once the first `terkirim` bytes are out. */
function setelah(bagian: readonly Buffer[], terkirim: number): Buffer[] {
  let sisaBytes = terkirim;
  for (const [indeks, isi] of bagian.entries()) {
    if (sisaBytes < isi.length) return [isi.subarray(sisaBytes), ...bagian.slice(indeks + 1)];
    sisaBytes -= isi.length;
  }
  return [];
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads a file together with the identity of exactly the bytes read, or null when it does not exist. */
export async function bacaDenganIdentitas(
  file: string,
): Promise<{ teks: string; identitas: Identitas } | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (kodeGalat(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const identitas = identitasDari(await handle.stat());
    return { teks: await handle.readFile('utf8'), identitas };
  } finally {
    await handle.close();
  }
}
