// The PostgreSQL store: the same contract as the JSON file, for several app processes on one database.
// Correctness under concurrency comes from the database itself: a conditional UPDATE cannot spend a rupiah
// twice, UNIQUE constraints decide who registered a nik first, and every change is one transaction.
import pg from 'pg';
import {
  DomainError,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  QueueFull,
  StorageUnavailable,
  StoreClosing,
} from '../../domain/errors';
import {
  IDEMPOTENCY_KEYS_PER_CLIENT,
  IDEMPOTENCY_KEY_TTL_MS,
  isRefusal,
  recordAnswer,
  replayOrAdmit,
  type Idempotency,
} from '../../domain/idempotency';
import { newNoRekening as randomNoRekening } from '../../domain/rekening';
import type { DaftarRequest, Mutasi } from '../../domain/schemas';
import { errorCode } from '../error-code';
import {
  MAX_QUEUED_CHANGES,
  type MutasiPage,
  type Rentang,
  type Store,
  type Transfer,
} from '../../domain/store';
import { recordKeyedMoves, recordMoves, type Move, type KeyedMove } from './batched-moves';
import { insertRecords, lockRecords } from './idempotency-table';
import { createBatcher } from '../batcher';
import { runMigrations } from './migrate';
import { withTransaction } from './transaction';
import { transferInTransaction } from './transfer';
import { readMutasiBatches, readMutasiPage, readNewestMutasiId, type MutasiRow } from './mutasi-row';

export interface PostgresStoreOptions {
  newNoRekening?: () => string;
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

type Client = pg.PoolClient;

/** A transaction's outcome: the value, or the domain error to throw once the transaction is committed. */
type Outcome<T> = { value: T } | { error: DomainError };

const UNIQUE_VIOLATION = '23505';

export async function openPostgresStore(
  databaseUrl: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const newNoRekening = options.newNoRekening ?? randomNoRekening;
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

  const inFlight = new Set<Promise<unknown>>();
  let isClosed = false;

  /** A change: refused once closing, and tracked so close() can wait for it. */
  function track<T>(change: () => Promise<T>): Promise<T> {
    if (isClosed) return Promise.reject(new StoreClosing());
    // Refused before it waits for a connection or a batch, so memory stays bounded however fast requests come.
    if (inFlight.size >= maxQueuedChanges) return Promise.reject(new QueueFull());
    const running = change();
    inFlight.add(running);
    void running.catch(() => undefined).finally(() => inFlight.delete(running));
    return running;
  }

  /** Runs `work` in one transaction; the domain error it returns is thrown only after the commit. */
  async function runTransaction<T>(work: (client: Client) => Promise<Outcome<T>>): Promise<T> {
    const outcome = await withStorageErrors(() => withTransaction(pool, work));
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** A domain error passes through; anything else means the database is unusable right now. */
  async function withStorageErrors<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw error instanceof DomainError ? error : storageUnavailable(error);
    }
  }

  /**
   * The change itself, a refusal kept as its answer. No savepoint is needed: insertNasabah, the only change run
   * this way, rolls back its own savepoint before it refuses, so the transaction can still record the refusal.
   */
  async function tryChange<T>(change: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return { value: await change() };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return { error };
    }
  }

  /** A keyed change runs once: a retry gets the stored first answer, a different request with the key a 409. */
  async function runOnce<T extends string | number>(
    client: Client,
    idempotency: Idempotency | undefined,
    change: () => Promise<T>,
  ): Promise<Outcome<T>> {
    if (idempotency === undefined) return tryChange(change);
    const records = await lockRecords(client, [idempotency], clock());
    // IdempotencyKeyLimit is thrown from here: not an answer, so not stored, and the client may retry once older
    // keys expire.
    const replayed = replayOrAdmit(records, idempotency, idempotencyKeysPerClient);
    // The fingerprint names the operation, so the stored answer has the type this operation returns.
    if (replayed !== undefined)
      return replayed instanceof DomainError ? { error: replayed } : { value: replayed as T };
    const outcome = await tryChange(change);
    recordAnswer(records, idempotency, outcome, clock());
    await insertRecords(client, records.newRecords);
    return outcome;
  }

  async function insertNasabah(client: Client, data: DaftarRequest): Promise<string> {
    for (;;) {
      const noRekening = newNoRekening();
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
  const recordMove = createBatcher<Move, number>((moves) => recordMoves(pool, moves));
  const recordKeyedMove = createBatcher<KeyedMove, number>((moves) =>
    runTransaction(async (client) => ({
      value: await recordKeyedMoves(client, moves, clock(), idempotencyKeysPerClient),
    })),
  );

  /** The saldo reads in flight together go as one query; a no_rekening the table lacks reads as null. */
  const readSaldoBatch = createBatcher(async (noRekeningBatch: readonly string[]) => {
    const { rows } = await pool.query<{ no_rekening: string; saldo: string }>({
      // Named, so each connection parses and plans it once: the hottest query.
      name: 'saldo',
      text: 'SELECT no_rekening, saldo FROM nasabah WHERE no_rekening = ANY($1)',
      values: [noRekeningBatch],
    });
    const saldo = new Map(rows.map((row) => [row.no_rekening, Number(row.saldo)]));
    return noRekeningBatch.map((noRekening) => saldo.get(noRekening) ?? null);
  });

  const pruneTimer = setInterval(
    () => {
      const expiredBefore = new Date(clock().getTime() - IDEMPOTENCY_KEY_TTL_MS);
      pool.query('DELETE FROM idempotensi WHERE waktu < $1', [expiredBefore]).catch(() => undefined);
    },
    60 * 60 * 1000,
  );
  pruneTimer.unref();

  return {
    daftar(data: DaftarRequest, idempotency?: Idempotency) {
      return track(() =>
        runTransaction((client) => runOnce(client, idempotency, () => insertNasabah(client, data))),
      );
    },

    catatMutasi(noRekening: string, mutasi: Mutasi, idempotency?: Idempotency) {
      if (idempotency === undefined)
        return track(() => withStorageErrors(() => recordMove({ noRekening, mutasi })));
      return track(() => recordKeyedMove({ noRekening, mutasi, idempotency }));
    },

    transfer(transfer: Transfer, idempotency?: Idempotency) {
      return track(() =>
        runTransaction((client) =>
          runOnce(client, idempotency, () => transferInTransaction(client, transfer)),
        ),
      );
    },

    saldo(noRekening: string) {
      return withStorageErrors(() => readSaldoBatch(noRekening));
    },

    mutasi(noRekening: string, rentang: Rentang) {
      return withStorageErrors(async () => {
        const newest = await readNewestMutasiId(pool, noRekening);
        if (newest === undefined) return null;
        return readMutasiBatches(
          (query) => withStorageErrors(() => pool.query<MutasiRow & { id: string }>(query)),
          {
            noRekening,
            rentang,
            newest,
          },
        );
      });
    },

    mutasiPage(noRekening: string, page: MutasiPage) {
      return withStorageErrors(async () => {
        if ((await readSaldoBatch(noRekening)) === null) return null;
        return readMutasiPage(pool, noRekening, page);
      });
    },

    ping() {
      return withStorageErrors(async () => {
        await pool.query('SELECT 1');
      });
    },

    async close() {
      if (isClosed) return;
      isClosed = true;
      clearInterval(pruneTimer);
      await Promise.allSettled([...inFlight]);
      await pool.end();
    },
  };
}

function storageUnavailable(error: unknown): StorageUnavailable {
  return new StorageUnavailable(
    `basis data tidak dapat dipakai (${errorCode(error)}); ulangi sebentar lagi`,
    {
      cause: error,
    },
  );
}
