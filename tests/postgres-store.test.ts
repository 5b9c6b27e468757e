// The shared Store contract against a real PostgreSQL server, and what only PostgreSQL can get wrong: batches
// from two processes that lock rows and keys in orders of their own.
import pg from 'pg';
import { DomainError, SaldoTidakCukup } from '../src/domain/errors';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import { dataNasabah } from './helpers';
import { hasPostgres, newSchema } from './postgres';
import { describeStoreContract } from './store-contract';
import { useCases, type UseCases } from './use-cases';

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let schemaCount = 0;
    describeStoreContract('PostgreSQL store', async () => {
      schemaCount += 1;
      const url = await newSchema(`kontrak${schemaCount}`);
      // Every handle opened on one schema is another process's store on the same database.
      return { open: () => openPostgresStore(url) };
    });
  },
);

/** A refusal's code, or the error itself when it is not a refusal (so that the assertion shows it). */
function codeOf(error: unknown): unknown {
  return error instanceof DomainError ? error.code : error;
}

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store: batches of moves from two processes (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    const callers = 8;
    const rounds = 10;
    const setor = { kode: 'C', nominal: 1_000 } as const;
    const tarikBesar = { kode: 'D', nominal: 1_000_000 } as const;

    /**
     * Two stores on one schema (two processes), each with `callers` callers that keep moving money through 8
     * accounts, each caller from its own starting point and the two stores in opposite directions: every batch
     * holds several accounts in an order of its own, so batches that locked rows in the order sent would deadlock
     * within a second. In round rounds / 2 every move is a tarik far above any saldo.
     */
    async function twoProcesses() {
      const url = await newSchema('batch');
      const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
      const [bankA, bankB] = [useCases(a), useCases(b)];
      const rekening = await Promise.all(Array.from({ length: 8 }, () => bankA.daftar(dataNasabah())));
      // Both pools connected first, so that the two stores' batches really run at the same time.
      await Promise.all(
        [bankA, bankB].flatMap((bank) => rekening.map((noRekening) => bank.saldo(noRekening))),
      );
      const refusals: unknown[] = [];
      const runCaller = async (bank: UseCases, caller: number, direction: 1 | -1) => {
        for (let round = 0; round < rounds; round += 1)
          for (let i = 0; i < rekening.length; i += 1) {
            const noRekening = rekening[(((caller + direction * i) % 8) + 8) % 8] ?? '';
            const { kode, nominal } = round === rounds / 2 ? tarikBesar : setor;
            await bank.catat(noRekening, kode, nominal).catch((error: unknown) => {
              refusals.push(error);
            });
          }
      };
      try {
        await Promise.all(
          Array.from({ length: callers }, (_, caller) => [
            runCaller(bankA, caller, 1),
            runCaller(bankB, caller, -1),
          ]).flat(),
        );
        const saldo = await Promise.all(rekening.map((noRekening) => bankA.saldo(noRekening)));
        const mutasi = await Promise.all(
          rekening.map(async (noRekening) => (await bankB.mutasi(noRekening))?.length),
        );
        return { refusals, saldo, mutasi };
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }

    it('when both move money in opposite orders, then they neither deadlock nor lose a move, and refuse each overdrawing tarik alone', async () => {
      const { refusals, saldo, mutasi } = await twoProcesses();

      // Each caller's one tarik per account finds far less than 1,000,000 there, whatever ran before it.
      expect(refusals.map((error) => (error as object).constructor)).toEqual(
        Array.from({ length: 2 * callers * 8 }, () => SaldoTidakCukup),
      );
      expect(saldo).toEqual(Array.from({ length: 8 }, () => 2 * callers * (rounds - 1) * 1_000));
      expect(mutasi).toEqual(Array.from({ length: 8 }, () => 2 * callers * (rounds - 1)));
    });

    it('when both send the same keys at once, then each key moves once and both get the same answer', async () => {
      const url = await newSchema('batchkunci');
      const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
      const [bankA, bankB] = [useCases(a), useCases(b)];
      try {
        const rekening = await Promise.all(Array.from({ length: 4 }, () => bankA.daftar(dataNasabah())));
        await Promise.all(
          [bankA, bankB].flatMap((bank) => rekening.map((noRekening) => bank.saldo(noRekening))),
        );
        const waves = 15;
        const answers: unknown[] = [];
        for (let w = 0; w < waves; w += 1) {
          // 40 keys over 4 accounts, with one tarik far above any saldo for each account (i = 0, 11, 22, 33),
          // sent by both stores at once, so that most keys meet the other process's request in flight.
          const requests = Array.from({ length: 40 }, (_, i) => ({
            noRekening: rekening[i % 4] ?? '',
            ...(i % 11 === 0 ? tarikBesar : setor),
            key: `gelombang-${w}-${i}`,
          }));
          const send = (bank: UseCases, inOrder: typeof requests) =>
            inOrder.map(({ noRekening, kode, nominal, key }) =>
              bank.catat(noRekening, kode, nominal, key).catch(codeOf),
            );
          answers.push(
            ...(await Promise.all([...send(bankA, requests), ...send(bankB, [...requests].reverse())])),
          );
        }

        expect(answers.filter((answer) => typeof answer !== 'number')).toEqual(
          Array.from({ length: waves * 2 * 4 }, () => 'SALDO_TIDAK_CUKUP'),
        );
        for (const noRekening of rekening) {
          expect(await bankA.saldo(noRekening)).toBe(waves * 9 * 1_000);
          expect(await bankB.mutasi(noRekening)).toHaveLength(waves * 9);
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  },
);

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store: the order names are locked in (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    it('when a batch is sent as [b, a], then it locks a first, so it cannot deadlock with a transaction that locks a, then b', async () => {
      const url = await newSchema('lockorder');
      const store = await openPostgresStore(url);
      const bank = useCases(store);
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        const noRekening = await bank.daftar(dataNasabah());
        const idempotencyKey = (name: string) => `urutan-${process.pid}-${name}`;
        // The advisory lock a batch takes for an (open mode) Idempotency-Key, as batch.ts names it.
        const lockName = (name: string) => `idempotensi ${idempotencyKey(name)}`;
        const lockInOther = (name: string) =>
          other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName(name)]);
        const tabung = (name: string) => bank.catat(noRekening, 'C', 1_000, idempotencyKey(name));
        // Another process's transaction holds a; the store's batch must then wait for a without holding b.
        await other.query('BEGIN');
        await lockInOther('a');
        const opener = tabung('pembuka');
        const batch = [tabung('b'), tabung('a')];
        await opener;
        await untilAnotherWaits(other, lockName('a'));

        // Were b taken first, this would be a deadlock, and PostgreSQL would abort one of the two.
        await lockInOther('b');
        await other.query('COMMIT');

        expect(await Promise.all(batch)).toEqual([2_000, 3_000]);
      } finally {
        await other.end();
        await store.close();
      }
    });
  },
);

/** Resolves once another backend waits for the advisory lock `lockName` (which `client` holds). */
async function untilAnotherWaits(client: pg.Client, lockName: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid).
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks
       WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [lockName],
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no transaction came to wait for the advisory lock within 2 s');
}
