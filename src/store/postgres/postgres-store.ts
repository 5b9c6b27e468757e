// The PostgreSQL store: the same port as the JSON file, for several app processes on one database. Changes go
// in batches, one transaction each (batch.ts); reads go straight to the tables, each saldo read coalesced with
// the others in flight.
import pg from 'pg';
import { NotDecided, QueueFull, StorageUnavailable, StoreClosing } from '../../domain/errors';
import { expiryCutoff } from '../../domain/idempotency';
import type { HistoryPage, Names, Rentang, RekeningTersimpan, Store, View } from '../../domain/store';
import { createBatcher } from '../batcher';
import { MAX_QUEUED_CHANGES } from '../defaults';
import { errorCode } from '../error-code';
import { runBatch, type QueuedDecision } from './batch';
import { runMigrations } from './migrate';
import { readMutasiBatches, readMutasiPage, readNewestMutasiId, type MutasiRow } from './mutasi-row';
import { PIN_COLUMNS, toPin, type PinColumns } from './pin-rows';
import { withTransaction } from './transaction';

export interface PostgresStoreOptions {
  /** Connections per process; a batch holds one only for its own transaction. */
  poolSize?: number;
  /** How long a request waits for a new connection before it is answered 503 (the database is unreachable). */
  connectTimeoutMs?: number;
  /** Changes in flight at once in this process; beyond it a change is refused with QueueFull. */
  maxQueuedChanges?: number;
}

export async function openPostgresStore(
  databaseUrl: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const maxQueuedChanges = options.maxQueuedChanges ?? MAX_QUEUED_CHANGES;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // Without a limit a request waits forever for a host that is gone; a prompt 503 tells the client to retry.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
  });
  // An idle connection's error (the server restarted) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  await runMigrations(pool);

  const inFlight = new Set<Promise<unknown>>();
  let isClosed = false;

  /** Anything but NotDecided means the database is unusable right now. */
  async function withStorageErrors<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw error instanceof NotDecided ? error : storageUnavailable(error);
    }
  }

  // Changes in flight together go as one batch, one transaction; each is answered from its own result.
  const decideInBatch = createBatcher<QueuedDecision, unknown>(async (batch) => {
    const results = await withStorageErrors(() =>
      withTransaction(pool, (connection) => runBatch(connection, batch)),
    );
    return results.map((result) => ('value' in result ? result.value : asError(result.error)));
  });

  /** The account reads in flight together go as one query; a no_rekening the table lacks reads as null. */
  const readRekeningBatch = createBatcher(async (noRekeningBatch: readonly string[]) => {
    const { rows } = await pool.query<{ no_rekening: string; saldo: string } & PinColumns>({
      // Named, so each connection parses and plans it once: the hottest query.
      name: 'rekening',
      text: `SELECT no_rekening, saldo, ${PIN_COLUMNS} FROM nasabah WHERE no_rekening = ANY($1)`,
      values: [noRekeningBatch],
    });
    const accounts = new Map(
      rows.map((row): [string, RekeningTersimpan] => [
        row.no_rekening,
        { saldo: Number(row.saldo), pin: toPin(row) },
      ]),
    );
    return noRekeningBatch.map((noRekening) => accounts.get(noRekening) ?? null);
  });

  // Expired records are ignored by the replay rule whenever they are read; this only gives their space back.
  const pruneTimer = setInterval(
    () => {
      pool
        .query('DELETE FROM idempotensi WHERE waktu < $1', [expiryCutoff(new Date())])
        .catch(() => undefined);
    },
    60 * 60 * 1000,
  );
  pruneTimer.unref();

  return {
    change<T>(names: Names, decide: (view: View) => T): Promise<T> {
      if (isClosed) return Promise.reject(new StoreClosing());
      // Refused before it waits for a connection or a batch, so memory stays bounded however fast requests come.
      if (inFlight.size >= maxQueuedChanges) return Promise.reject(new QueueFull());
      // The decision's own value, kept as it is, typed: the batch itself only says whether the change went through
      // (and a registration that must draw again decides undefined, which the batcher would take for no answer).
      let decided: { value: T } | undefined;
      const running = decideInBatch({ names, decide: (view) => (decided = { value: decide(view) }) }).then(
        () => {
          if (decided === undefined) throw new Error('a batch answered a change whose decision never ran');
          return decided.value;
        },
      );
      inFlight.add(running);
      void running.catch(() => undefined).finally(() => inFlight.delete(running));
      return running;
    },

    saldo(noRekening: string) {
      return withStorageErrors(async () => (await readRekeningBatch(noRekening))?.saldo ?? null);
    },

    rekening(noRekening: string) {
      return withStorageErrors(() => readRekeningBatch(noRekening));
    },

    mutasi(noRekening: string, rentang: Rentang) {
      return withStorageErrors(async () => {
        const newest = await readNewestMutasiId(pool, noRekening);
        if (newest === undefined) return null;
        return readMutasiBatches(
          (query) => withStorageErrors(() => pool.query<MutasiRow & { id: string }>(query)),
          { noRekening, rentang, newest },
        );
      });
    },

    historyPage(noRekening: string, page: HistoryPage) {
      return withStorageErrors(async () => {
        if ((await readRekeningBatch(noRekening)) === null) return null;
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

/** The batcher fails a call with the Error it is given; a decision may have thrown anything. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function storageUnavailable(error: unknown): StorageUnavailable {
  return new StorageUnavailable(
    `basis data tidak dapat dipakai (${errorCode(error)}); ulangi sebentar lagi`,
    { cause: error },
  );
}
