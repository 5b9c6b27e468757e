// The embedded store: one JSON file, made safe for parallel requests, several processes and hand edits.
//
// Every change follows the same path, batch by batch (group commit):
//   lock the file → reload it if anyone changed it → apply the queued changes to a draft →
//   temp file + fsync + rename + directory fsync → make the draft visible → unlock → answer.
// The lock (proper-lockfile) is held across the whole read-modify-write, so a second server process on the
// same file can neither lose our update nor have its own lost. Within this process the batches run one at a
// time, and changes that arrive during a write wait for the next one: one fsync then serves many requests.
import { chmod, lstat, mkdir, readdir, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import {
  DomainError,
  IdempotencyKeyLimit,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  StorageUnavailable,
  QueueFull,
  RekeningTidakDikenali,
} from '../../domain/errors';
import {
  IDEMPOTENCY_KEYS_PER_CLIENT,
  IDEMPOTENCY_KEY_TTL_MS,
  toStoredAnswer,
  isRefusal,
  replay,
  type Idempotency,
} from '../../domain/idempotency';
import { buatNoRekening as buatNoRekeningAcak, saldoSetelah } from '../../domain/rekening';
import type { DaftarRequest, Mutasi } from '../../domain/schemas';
import { readWithVersion, fileVersionOf, tempFileOwner, writeAtomic, type FileVersion } from './atomic-file';
import type { FileSystem } from './atomic-file';
import { DataFileInvalid, Ledger, Draft } from './ledger';

export { DataFileInvalid };
import { errorCode } from '../error-code';
import type { Store } from '../../domain/store';

export interface JsonFileStoreOptions {
  /**
   * After this long without a refresh, another process may take our lock over. It must stay well above the
   * slowest write (see BENCHMARKS.md), and it bounds how long a crashed process's lock blocks a restart.
   */
  staleMs?: number;
  buatNoRekening?: () => string;
  /** Where lock trouble is reported; it can happen in a timer, where throwing would kill the process. */
  onLockCompromised?: (error: Error) => void;
  /** The time idempotency keys are stamped with, to know when they may be forgotten. */
  clock?: () => Date;
  /** Told after every durable write: how many changes it carried, its size and how long it took. */
  onWrite?: (write: { perubahan: number; bytes: number; durasiMs: number }) => void;
  /** The platform's file calls (rename, directory fsync); tests pass fakes to play Windows or macOS. */
  fileSystem?: FileSystem;
  /** Told when the file was readable by others at start and has been made owner-only (0600). */
  onModeTightened?: (change: { file: string; mode: string }) => void;
  /** Changes that may wait for the disk at once; beyond it a change is refused with QueueFull. */
  maxQueuedChanges?: number;
  /** Idempotency keys one client may have stored; beyond it a new key is refused with IdempotencyKeyLimit. */
  idempotencyKeysPerClient?: number;
}

/** Changes that may wait for the disk at once, unless configured otherwise (MAX_QUEUED_CHANGES). */
export const MAX_QUEUED_CHANGES = 1_000;

interface Perubahan {
  terapkan: (draft: Draft) => unknown;
  selesai: (hasil: unknown) => void;
  gagal: (error: unknown) => void;
}

type Keadaan =
  | { jenis: 'siap'; buku: Ledger; identitas: FileVersion }
  /** The file on disk is not one we can read; we answer 503 until its identity changes. */
  | { jenis: 'rusak'; identitas: FileVersion | null; remark: string; detail?: string | undefined }
  /** A write may or may not have reached the disk; the next operation must reload before trusting memory. */
  | { jenis: 'perluDibaca' };

const DEFAULT_STALE_MS = 10_000;

export async function openJsonFileStore(
  dataFile: string,
  options: JsonFileStoreOptions = {},
): Promise<Store> {
  // A symlinked DATA_FILE is followed once, here: writes replace its target, and temp files and the lock sit
  // beside the target, so the rename stays within one directory and the symlink itself is never replaced.
  const file = await resolveSymlink(dataFile);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const maxQueuedChanges = options.maxQueuedChanges ?? MAX_QUEUED_CHANGES;
  const idempotencyKeysPerClient = options.idempotencyKeysPerClient ?? IDEMPOTENCY_KEYS_PER_CLIENT;
  const buatNoRekening = options.buatNoRekening ?? buatNoRekeningAcak;
  const clock = options.clock ?? (() => new Date());
  const lockOptions: lockfile.LockOptions = {
    realpath: false,
    stale: staleMs,
    onCompromised: (error) => {
      lockDicuri = true;
      options.onLockCompromised?.(error);
    },
  };

  let keadaan: Keadaan = { jenis: 'perluDibaca' };
  let lockDicuri = false;
  let memegangLock = false;
  let pemuatan: Promise<void> | null = null;
  const antrean: Perubahan[] = [];
  /** Changes in the batch being written now: they count against the queue's bound until answered. */
  let sedangDitulis = 0;
  let penulisan: Promise<void> | null = null;
  let ditutup = false;

  await mkdir(path.dirname(file), { recursive: true });
  await hapusTempYatim(file);
  await buatJikaBelumAda();
  await tightenMode(file, options.onModeTightened);
  try {
    await bukuTerkini();
  } catch (error) {
    // Refuse to start rather than serve (or later overwrite) a file we could not read; it stays untouched.
    // The operator's console may see the detail (digits masked); clients only ever get the remark.
    if (error instanceof StorageUnavailable) {
      const detail = error.detail === undefined ? '' : ` (${error.detail})`;
      throw new DataFileInvalid(`${file}: ${error.remark}${detail}`);
    }
    throw error;
  }

  async function buatJikaBelumAda(): Promise<void> {
    if (await ada(file)) return;
    const release = await kunci();
    try {
      // Another process may have created it while we waited for the lock.
      if (!(await ada(file))) await writeAtomic(file, Ledger.empty().prepareWrite().isi);
    } finally {
      await release();
    }
  }

  /** The identity of the file now, or null when it is gone. */
  function identitasSekarang(): FileVersion | null {
    // Synchronous on purpose: one cached metadata lookup is far cheaper than a trip through the thread pool.
    const info = statSync(file, { throwIfNoEntry: false });
    return info ? fileVersionOf(info) : null;
  }

  /** The ledger as it is on disk now: memory when the file is unchanged, otherwise a fresh, checked load. */
  async function bukuTerkini(): Promise<Ledger> {
    // A loop, because a load that was already under way may have read a version that is older by now.
    for (;;) {
      const identitas = identitasSekarang();
      if (keadaan.jenis === 'siap' && keadaan.identitas === identitas) return keadaan.buku;
      if (keadaan.jenis === 'rusak' && keadaan.identitas === identitas) {
        // The detail (digits masked) goes to the log; the remark alone reaches the client.
        throw new StorageUnavailable(keadaan.remark, { detail: keadaan.detail });
      }
      pemuatan ??= muatUlang().finally(() => (pemuatan = null));
      await pemuatan;
    }
  }

  /** Reads the file into `keadaan`: a checked ledger, or the reason it cannot be used. */
  async function muatUlang(): Promise<void> {
    const isi = await readWithVersion(file);
    if (isi === null) {
      keadaan = {
        jenis: 'rusak',
        identitas: null,
        remark: 'berkas data tidak ditemukan; kembalikan berkasnya',
      };
      return;
    }
    try {
      keadaan = { jenis: 'siap', buku: Ledger.parse(isi.teks), identitas: isi.identitas };
    } catch (error) {
      if (!(error instanceof DataFileInvalid)) throw error;
      const remark = `berkas data tidak valid, perbaiki dulu: ${error.message}`;
      keadaan = { jenis: 'rusak', identitas: isi.identitas, remark, detail: error.detail };
    }
  }

  /** What a reader may see: committed state only, never a batch that is still being written. */
  async function bukuUntukDibaca(): Promise<Ledger> {
    // While we hold the lock no other process can change the file, and memory is the last durable state; the
    // check is skipped so that our own rename does not send readers to reload what they already have.
    if (memegangLock && keadaan.jenis === 'siap') return keadaan.buku;
    return bukuTerkini();
  }

  function jalankan<T extends string | number>(
    ubah: (draft: Draft) => T,
    idempotensi?: Idempotency,
  ): Promise<T> {
    const terapkan =
      idempotensi === undefined
        ? ubah
        : (draft: Draft) => ingatJawaban(draft, idempotensi, () => ubah(draft));
    if (ditutup)
      return Promise.reject(new StorageUnavailable('server sedang berhenti; ulangi sebentar lagi'));
    // Refused before it queues, so memory stays bounded however fast requests come.
    if (antrean.length + sedangDitulis >= maxQueuedChanges) return Promise.reject(new QueueFull());
    return new Promise<T>((selesai, gagal) => {
      antrean.push({ terapkan, selesai: selesai as (hasil: unknown) => void, gagal });
      penulisan ??= kurasAntrean().finally(() => (penulisan = null));
    });
  }

  /** Runs a keyed change once: a retry (same key, same sidik) gets the first answer, recorded with the change. */
  function ingatJawaban<T extends string | number>(
    draft: Draft,
    { client, key: kunci, fingerprint: sidik }: Idempotency,
    ubah: () => T,
  ): T {
    const catatan = draft.cariIdempotensi(kunci);
    if (catatan !== undefined) {
      const jawaban = replay(catatan, sidik);
      if (jawaban instanceof DomainError) throw jawaban;
      // The sidik names the operation, so a stored answer has the type this operation returns.
      return jawaban as T;
    }
    // Checked before the change: a client at its limit moves nothing, and a key is never forgotten early.
    if (draft.idempotencyKeyCount(client) >= idempotencyKeysPerClient) {
      throw new IdempotencyKeyLimit(idempotencyKeysPerClient);
    }
    const waktu = clock().toISOString();
    try {
      const nilai = ubah();
      draft.catatIdempotensi(kunci, { sidik, waktu, hasil: toStoredAnswer(nilai) });
      return nilai;
    } catch (error) {
      // A refusal is an answer too; a storage failure is not (nothing was decided, the retry should run).
      if (isRefusal(error)) draft.catatIdempotensi(kunci, { sidik, waktu, hasil: toStoredAnswer(error) });
      throw error;
    }
  }

  async function kurasAntrean(): Promise<void> {
    while (antrean.length > 0) await tulisSatuBatch();
  }

  /**
   * Takes the file lock, waiting while another process holds it: long enough to outwait a crashed owner's
   * stale lock, in short steps so a busy peer costs little latency. Any other failure (a read-only or full
   * disk) is final at once; retrying would only make every request wait for the same answer.
   */
  async function kunci(): Promise<() => Promise<void>> {
    const batas = Date.now() + staleMs + 5_000;
    for (let jeda = 2; ; jeda = Math.min(jeda * 2, 50)) {
      try {
        const release = await lockfile.lock(file, lockOptions);
        lockDicuri = false;
        return release;
      } catch (error) {
        if (errorCode(error) !== 'ELOCKED' || Date.now() + jeda > batas) throw error;
        await setTimeout(jeda);
      }
    }
  }

  async function tulisSatuBatch(): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await kunci();
    } catch (error) {
      const remark =
        errorCode(error) === 'ELOCKED'
          ? 'berkas data sedang dikunci proses lain; ulangi sebentar lagi'
          : `gagal mengunci berkas data (${errorCode(error)}), tidak ada yang berubah`;
      tolakSemua(antrean.splice(0), new StorageUnavailable(remark, { cause: error }));
      return;
    }
    memegangLock = true;
    // Everything that queued while we waited for the lock joins this batch.
    const batch = antrean.splice(0);
    sedangDitulis = batch.length;
    try {
      const buku = await bukuTerkini();
      const draft = new Draft(buku);
      // Expired keys go first, so that they no longer count against their client's limit in this batch.
      draft.lupakanKunciSebelum(new Date(clock().getTime() - IDEMPOTENCY_KEY_TTL_MS).toISOString());
      const jawaban = batch.map((perubahan) => cobaTerapkan(perubahan, draft));
      if (draft.adaPerubahan) {
        const mulai = performance.now();
        const tulisan = buku.prepareWrite(draft);
        const identitas = await writeAtomic(
          file,
          tulisan.isi,
          () => {
            if (lockDicuri)
              throw Object.assign(new Error('lock taken over by another process'), { code: 'ECOMPROMISED' });
          },
          options.fileSystem,
        );
        tulisan.terapkan();
        keadaan = { jenis: 'siap', buku, identitas };
        options.onWrite?.({
          perubahan: batch.length,
          bytes: tulisan.isi.reduce((total, bagian) => total + bagian.length, 0),
          durasiMs: performance.now() - mulai,
        });
      }
      for (const jawab of jawaban) jawab();
    } catch (error) {
      // Memory may no longer match the disk (the rename may or may not have happened): read it again.
      if (keadaan.jenis === 'siap') keadaan = { jenis: 'perluDibaca' };
      const remark = `gagal menyimpan berkas data (${errorCode(error)}), tidak ada yang berubah`;
      tolakSemua(
        batch,
        error instanceof DomainError ? error : new StorageUnavailable(remark, { cause: error }),
      );
    } finally {
      memegangLock = false;
      sedangDitulis = 0;
      await release().catch(() => undefined);
    }
  }

  /**
   * Applies one change to the draft and returns how to answer it once the batch is durable. A rule the
   * change breaks fails that request alone; every change checks before it touches the draft.
   */
  function cobaTerapkan(perubahan: Perubahan, draft: Draft): () => void {
    try {
      const nilai = perubahan.terapkan(draft);
      return () => perubahan.selesai(nilai);
    } catch (error) {
      return () => perubahan.gagal(error);
    }
  }

  function tolakSemua(batch: Perubahan[], error: unknown): void {
    for (const perubahan of batch) perubahan.gagal(error);
  }

  return {
    daftar(data: DaftarRequest, idempotensi?: Idempotency) {
      return jalankan((draft) => {
        if (draft.nikTerdaftar(data.nik)) throw new NikSudahTerdaftar();
        if (draft.noHpTerdaftar(data.no_hp)) throw new NoHpSudahTerdaftar();
        let noRekening: string;
        do noRekening = buatNoRekening();
        while (draft.cari(noRekening) !== undefined);
        draft.tambahNasabah(noRekening, {
          nama: data.nama,
          nik: data.nik,
          no_hp: data.no_hp,
          saldo: 0,
          mutasi: [],
        });
        return noRekening;
      }, idempotensi);
    },

    catatMutasi(noRekening: string, mutasi: Mutasi, idempotensi?: Idempotency) {
      return jalankan((draft) => {
        const nasabah = draft.cari(noRekening);
        if (nasabah === undefined) throw new RekeningTidakDikenali(noRekening);
        const saldo = saldoSetelah(nasabah.saldo, mutasi);
        draft.catatMutasi(noRekening, mutasi, saldo);
        return saldo;
      }, idempotensi);
    },

    async saldo(noRekening: string) {
      return (await bukuUntukDibaca()).cari(noRekening)?.saldo ?? null;
    },

    async mutasi(noRekening: string) {
      return (await bukuUntukDibaca()).cari(noRekening)?.mutasi ?? null;
    },

    async ping() {
      await bukuUntukDibaca();
    },

    async close() {
      ditutup = true;
      await penulisan;
    },
  };
}

/** The file a DATA_FILE path stands for: itself, or the target its symlinks lead to (which may not exist yet). */
async function resolveSymlink(file: string): Promise<string> {
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

/**
 * The data file holds personal data (nik, no_hp) and money: only its owner may read it. A file copied in by hand
 * with 0644 is tightened at start; the store's own writes always create 0600.
 */
async function tightenMode(
  file: string,
  onModeTightened: JsonFileStoreOptions['onModeTightened'],
): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) === 0) return;
  await chmod(file, 0o600);
  onModeTightened?.({ file, mode: (mode & 0o777).toString(8).padStart(4, '0') });
}

/**
 * Removes temp files left by a process that died mid-write (the rename never happened, so they hold nothing
 * that was acknowledged). A live process's temp file is left alone: it may be renamed in a moment.
 */
async function hapusTempYatim(file: string): Promise<void> {
  for (const nama of await readdir(path.dirname(file))) {
    const pid = tempFileOwner(file, nama);
    if (pid === null || prosesHidup(pid)) continue;
    await unlink(path.join(path.dirname(file), nama)).catch(() => undefined);
  }
}

function prosesHidup(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

async function ada(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}
