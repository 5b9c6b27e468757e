// The shared Store contract against a real PostgreSQL server.
import pg from 'pg';
import { SaldoTidakCukup, type DomainError } from '../src/domain/errors';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import type { Store } from '../src/domain/store';
import { dataNasabah, readMutasi } from './helpers';
import { hasPostgres, newSchema } from './postgres';
import { describeStoreContract } from './store-contract';

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let schemaCount = 0;
    describeStoreContract('PostgreSQL store', async () => {
      schemaCount += 1;
      const url = await newSchema(`kontrak${schemaCount}`);
      // Every handle opened on one schema is another process's store on the same database.
      return { open: (options) => openPostgresStore(url, options) };
    });
  },
);

(hasPostgres ? describe : describe.skip)('PostgreSQL store: batches of moves from two processes', () => {
  const callers = 8;
  const rounds = 10;
  const waktu = new Date().toISOString();
  const setor = { waktu, kode_transaksi: 'C', nominal: 1_000 } as const;
  const tarikBesar = { waktu, kode_transaksi: 'D', nominal: 1_000_000 } as const;

  /**
   * Two stores on one schema (two processes), each with `callers` callers that keep moving money through 8
   * accounts, each caller from its own starting point and the two stores in opposite directions: every batch
   * holds several accounts in an order of its own, so batches that locked rows in the order sent would deadlock
   * within a second. In round rounds / 2 every move is a tarik far above any saldo.
   */
  async function twoProcesses() {
    const url = await newSchema('batch');
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    const rekening = await Promise.all(Array.from({ length: 8 }, () => a.daftar(dataNasabah())));
    // Both pools connected first, so that the two stores' batches really run at the same time.
    await Promise.all([a, b].flatMap((store) => rekening.map((noRekening) => store.saldo(noRekening))));
    const refusals: DomainError[] = [];
    const runCaller = async (store: Store, caller: number, direction: 1 | -1) => {
      for (let round = 0; round < rounds; round += 1)
        for (let i = 0; i < rekening.length; i += 1) {
          const noRekening = rekening[(((caller + direction * i) % 8) + 8) % 8] ?? '';
          await store
            .catatMutasi(noRekening, round === rounds / 2 ? tarikBesar : setor)
            .catch((error: unknown) => {
              refusals.push(error as DomainError);
            });
        }
    };
    try {
      await Promise.all(
        Array.from({ length: callers }, (_, caller) => [
          runCaller(a, caller, 1),
          runCaller(b, caller, -1),
        ]).flat(),
      );
      const saldo = await Promise.all(rekening.map((noRekening) => a.saldo(noRekening)));
      const mutasi = await Promise.all(
        rekening.map(async (noRekening) => (await readMutasi(b, noRekening))?.length),
      );
      return { refusals, saldo, mutasi };
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }

  it('neither deadlock nor lose a move, and refuse each overdrawing tarik alone', async () => {
    const { refusals, saldo, mutasi } = await twoProcesses();

    // Each caller's one tarik per account finds far less than 1,000,000 there, whatever ran before it.
    expect(refusals.map((e) => e.constructor)).toEqual(
      Array.from({ length: 2 * callers * 8 }, () => SaldoTidakCukup),
    );
    expect(saldo).toEqual(Array.from({ length: 8 }, () => 2 * callers * (rounds - 1) * 1_000));
    expect(mutasi).toEqual(Array.from({ length: 8 }, () => 2 * callers * (rounds - 1)));
  });

  it('with keys both processes send at once, move each key once and answer both alike', async () => {
    const url = await newSchema('batchkunci');
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      const rekening = await Promise.all(Array.from({ length: 4 }, () => a.daftar(dataNasabah())));
      await Promise.all([a, b].flatMap((store) => rekening.map((noRekening) => store.saldo(noRekening))));
      const waves = 15;
      const answers: (number | string)[] = [];
      for (let w = 0; w < waves; w += 1) {
        // 40 keys over 4 accounts, with one tarik far above any saldo for each account (i = 0, 11, 22, 33),
        // sent by both stores at once, so that most keys meet the other process's request in flight.
        const requests = Array.from({ length: 40 }, (_, i) => ({
          noRekening: rekening[i % 4] ?? '',
          mutasi: i % 11 === 0 ? tarikBesar : setor,
          idempotency: { client: 'open', key: `gelombang-${w}-${i}`, fingerprint: `sidik-${w}-${i}` },
        }));
        const send = (store: Store, inOrder: typeof requests) =>
          inOrder.map(({ noRekening, mutasi, idempotency }) =>
            store
              .catatMutasi(noRekening, mutasi, idempotency)
              .catch((error: unknown) => (error as DomainError).code),
          );
        answers.push(...(await Promise.all([...send(a, requests), ...send(b, [...requests].reverse())])));
      }

      expect(answers.filter((answer) => typeof answer === 'string')).toEqual(
        Array.from({ length: waves * 2 * 4 }, () => 'SALDO_TIDAK_CUKUP'),
      );
      for (const noRekening of rekening) {
        expect(await a.saldo(noRekening)).toBe(waves * 9 * 1_000);
        expect(await readMutasi(b, noRekening)).toHaveLength(waves * 9);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

(hasPostgres ? describe : describe.skip)('PostgreSQL store: the order keys are locked in', () => {
  it('is sorted, so a batch sent as [b, a] cannot deadlock with a transaction that locks a, then b', async () => {
    const url = await newSchema('urutankunci');
    const store = await openPostgresStore(url);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const noRekening = await store.daftar(dataNasabah());
      const setor = { waktu: new Date().toISOString(), kode_transaksi: 'C', nominal: 1_000 } as const;
      const lockKey = (name: string) => `urutan-${process.pid}-${name}`;
      const lockInOther = (name: string) =>
        other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(name)]);
      // Another process's transaction holds a; the store's batch must then wait for a without holding b.
      await other.query('BEGIN');
      await lockInOther('a');
      const opener = store.catatMutasi(noRekening, setor, {
        client: 'open',
        key: lockKey('pembuka'),
        fingerprint: 'p',
      });
      const batch = [lockKey('b'), lockKey('a')].map((idempotencyKey) =>
        store.catatMutasi(noRekening, setor, {
          client: 'open',
          key: idempotencyKey,
          fingerprint: `sidik-${idempotencyKey}`,
        }),
      );
      await opener;
      await untilAnotherWaits(other, lockKey('a'));

      // Were b taken first, this would be a deadlock, and PostgreSQL would abort one of the two.
      await lockInOther('b');
      await other.query('COMMIT');

      expect(await Promise.all(batch)).toEqual([2_000, 3_000]);
    } finally {
      await other.end();
      await store.close();
    }
  });
});

/** Resolves once another backend waits for the advisory lock of `lockKey` (which `client` holds). */
async function untilAnotherWaits(client: pg.Client, lockKey: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid).
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks
       WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [lockKey],
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no transaction came to wait for the advisory lock within 2 s');
}
