// The PostgreSQL store: the same contract as the JSON file, for several app processes on one database.
// Correctness under concurrency comes from the database itself: a conditional UPDATE cannot spend a rupiah
// twice, UNIQUE constraints decide who registered a nik first, and every change is one transaction.
import pg from 'pg';
import {
  DomainError,
  IdempotencyKeyLimit,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  StorageUnavailable,
  QueueFull,
} from '../../domain/errors';
import {
  IDEMPOTENCY_KEYS_PER_CLIENT,
  IDEMPOTENCY_KEY_TTL_MS,
  toStoredAnswer,
  isRefusal,
  replay,
  type Idempotency,
} from '../../domain/idempotency';
import { buatNoRekening as buatNoRekeningAcak } from '../../domain/rekening';
import type { DaftarRequest, Mutasi } from '../../domain/schemas';
import { errorCode } from '../error-code';
import type { Store } from '../../domain/store';
import { recordKeyedMoves, recordMoves, type Move, type KeyedMove } from './batched-moves';
import { countKeysPerClient, lockAndRead, simpan } from './idempotency-table';
import { createBatcher } from '../batcher';
import { runMigrations } from './migrate';

export interface PostgresStoreOptions {
  buatNoRekening?: () => string;
  /** The time idempotency keys are stamped with. */
  clock?: () => Date;
  /** Connections per process; a batch or a registration holds one only for its own statement or transaction. */
  poolSize?: number;
  /** How long a request waits for a new connection before it is answered 503 (the database is unreachable). */
  connectTimeoutMs?: number;
  /** Changes in flight at once in this process; beyond it a change is refused with QueueFull. */
  maxQueuedChanges?: number;
  /** Idempotency keys one client may have stored; beyond it a new key is refused with IdempotencyKeyLimit. */
  idempotencyKeysPerClient?: number;
}

/** Changes in flight at once, unless configured otherwise (MAX_QUEUED_CHANGES); as the JSON store's. */
const MAX_QUEUED_CHANGES = 1_000;

type Client = pg.PoolClient;

/** A transaction's outcome: the value, or the domain error to throw once the transaction is committed. */
type Hasil<T> = { nilai: T } | { galat: DomainError };

const UNIQUE_VIOLATION = '23505';

export async function openPostgresStore(
  databaseUrl: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const buatNoRekening = options.buatNoRekening ?? buatNoRekeningAcak;
  const clock = options.clock ?? (() => new Date());
  const maxQueuedChanges = options.maxQueuedChanges ?? MAX_QUEUED_CHANGES;
  const idempotencyKeysPerClient = options.idempotencyKeysPerClient ?? IDEMPOTENCY_KEYS_PER_CLIENT;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // Without a limit a request waits forever for a host that is gone; a prompt 503 tells the client to retry.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  await runMigrations(pool);

  const berjalan = new Set<Promise<unknown>>();
  let ditutup = false;

  /** A change: refused once closing, and tracked so close() can wait for it. */
  function lacak<T>(janji: () => Promise<T>): Promise<T> {
    if (ditutup)
      return Promise.reject(new StorageUnavailable('server sedang berhenti; ulangi sebentar lagi'));
    // Refused before it waits for a connection or a batch, so memory stays bounded however fast requests come.
    if (berjalan.size >= maxQueuedChanges) return Promise.reject(new QueueFull());
    const berjalanIni = janji();
    berjalan.add(berjalanIni);
    void berjalanIni.catch(() => undefined).finally(() => berjalan.delete(berjalanIni));
    return berjalanIni;
  }

  /** Runs `kerja` in one transaction. */
  function transaksi<T>(kerja: (client: Client) => Promise<Hasil<T>>): Promise<T> {
    return lacak(() => jalankanTransaksi(kerja));
  }

  /** Domain errors the transaction returns are thrown only after it committed. */
  async function jalankanTransaksi<T>(kerja: (client: Client) => Promise<Hasil<T>>): Promise<T> {
    let client: Client;
    try {
      client = await pool.connect();
    } catch (error) {
      throw tidakTersedia(error);
    }
    let hasil: Hasil<T>;
    try {
      await client.query('BEGIN');
      hasil = await kerja(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof DomainError ? error : tidakTersedia(error);
    } finally {
      client.release();
    }
    if ('galat' in hasil) throw hasil.galat;
    return hasil.nilai;
  }

  /**
   * The change itself, a refusal kept as its answer. No savepoint is needed: daftarkan, the only change run this
   * way, rolls back its own savepoint before it refuses, so the transaction can still record the refusal.
   */
  async function cobaUbah<T>(ubah: () => Promise<T>): Promise<Hasil<T>> {
    try {
      return { nilai: await ubah() };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return { galat: error };
    }
  }

  /** A keyed change runs once: a retry gets the stored first answer, a different request with the key a 409. */
  async function sekaliSaja<T extends string | number>(
    client: Client,
    idempotensi: Idempotency | undefined,
    ubah: () => Promise<T>,
  ): Promise<Hasil<T>> {
    if (idempotensi === undefined) return cobaUbah(ubah);
    const { client: caller, key: kunci, fingerprint: sidik } = idempotensi;
    const tersimpan = (await lockAndRead(client, [kunci], clock())).get(kunci);
    if (tersimpan !== undefined) {
      const jawaban = replay(tersimpan, sidik);
      // The sidik names the operation, so the stored answer has the type this operation returns.
      return jawaban instanceof DomainError ? { galat: jawaban } : { nilai: jawaban as T };
    }
    // Not an answer, so not stored: the client may retry once older keys expire.
    const keyCount = (await countKeysPerClient(client, [caller], clock())).get(caller) ?? 0;
    if (keyCount >= idempotencyKeysPerClient)
      return { galat: new IdempotencyKeyLimit(idempotencyKeysPerClient) };
    const hasil = await cobaUbah(ubah);
    const waktu = clock().toISOString();
    await simpan(client, [
      [kunci, { sidik, waktu, hasil: toStoredAnswer('nilai' in hasil ? hasil.nilai : hasil.galat) }],
    ]);
    return hasil;
  }

  async function daftarkan(client: Client, data: DaftarRequest): Promise<string> {
    for (;;) {
      const noRekening = buatNoRekening();
      await client.query('SAVEPOINT daftar');
      try {
        await client.query('INSERT INTO nasabah (no_rekening, nama, nik, no_hp) VALUES ($1, $2, $3, $4)', [
          noRekening,
          data.nama,
          data.nik,
          data.no_hp,
        ]);
        return noRekening;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT daftar');
        const { code, constraint } = error as { code?: string; constraint?: string };
        if (code !== UNIQUE_VIOLATION) throw error;
        if (constraint === 'nasabah_nik_key') throw new NikSudahTerdaftar();
        if (constraint === 'nasabah_no_hp_key') throw new NoHpSudahTerdaftar();
        // Otherwise the random no_rekening was taken: draw again.
      }
    }
  }

  // Moves in flight together go as one batch: keyless ones as one autocommitted statement, keyed ones as one
  // transaction that also reads and writes their keys' answers.
  const catatTanpaKunci = createBatcher<Move, number>((gerak) => recordMoves(pool, gerak));
  const catatDenganKunci = createBatcher<KeyedMove, number>((gerak) =>
    jalankanTransaksi(async (client) => ({
      nilai: await recordKeyedMoves(client, gerak, clock(), idempotencyKeysPerClient),
    })),
  );

  /** The saldo reads in flight together go as one query; a no_rekening the table lacks reads as null. */
  const saldoBersama = createBatcher(async (daftarRekening: readonly string[]) => {
    const { rows } = await pool.query<{ no_rekening: string; saldo: string }>({
      // Named, so each connection parses and plans it once: the hottest query.
      name: 'saldo',
      text: 'SELECT no_rekening, saldo FROM nasabah WHERE no_rekening = ANY($1)',
      values: [daftarRekening],
    });
    const saldo = new Map(rows.map((baris) => [baris.no_rekening, Number(baris.saldo)]));
    return daftarRekening.map((noRekening) => saldo.get(noRekening) ?? null);
  });

  /** Queries outside a transaction: a domain error passes through, anything else means the database is unusable. */
  async function baca<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw error instanceof DomainError ? error : tidakTersedia(error);
    }
  }

  const pembersih = setInterval(
    () => {
      const batas = new Date(clock().getTime() - IDEMPOTENCY_KEY_TTL_MS);
      pool.query('DELETE FROM idempotensi WHERE waktu < $1', [batas]).catch(() => undefined);
    },
    60 * 60 * 1000,
  );
  pembersih.unref();

  return {
    daftar(data: DaftarRequest, idempotensi?: Idempotency) {
      return transaksi((client) => sekaliSaja(client, idempotensi, () => daftarkan(client, data)));
    },

    catatMutasi(noRekening: string, mutasi: Mutasi, idempotensi?: Idempotency) {
      if (idempotensi === undefined) return lacak(() => baca(() => catatTanpaKunci({ noRekening, mutasi })));
      return lacak(() => catatDenganKunci({ noRekening, mutasi, idempotensi }));
    },

    saldo(noRekening: string) {
      return baca(() => saldoBersama(noRekening));
    },

    mutasi(noRekening: string) {
      return baca(async () => {
        if ((await saldoBersama(noRekening)) === null) return null;
        const { rows } = await pool.query<{ waktu: Date; kode_transaksi: 'C' | 'D'; nominal: string }>({
          name: 'mutasi',
          text: 'SELECT waktu, kode_transaksi, nominal FROM mutasi WHERE no_rekening = $1 ORDER BY id',
          values: [noRekening],
        });
        return rows.map((row) => ({
          waktu: row.waktu.toISOString(),
          kode_transaksi: row.kode_transaksi,
          nominal: Number(row.nominal),
        }));
      });
    },

    ping() {
      return baca(async () => {
        await pool.query('SELECT 1');
      });
    },

    async close() {
      if (ditutup) return;
      ditutup = true;
      clearInterval(pembersih);
      await Promise.allSettled([...berjalan]);
      await pool.end();
    },
  };
}

function tidakTersedia(error: unknown): StorageUnavailable {
  return new StorageUnavailable(
    `basis data tidak dapat dipakai (${errorCode(error)}); ulangi sebentar lagi`,
    {
      cause: error,
    },
  );
}
