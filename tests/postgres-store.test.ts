// The shared Store contract against a real PostgreSQL server.
import pg from 'pg';
import { SaldoTidakCukup, type DomainError } from '../src/domain/errors';
import type { Idempotency } from '../src/domain/idempotency';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import type { Store } from '../src/domain/store';
import { dataNasabah } from './helpers';
import { hasPostgres, newSchema } from './postgres';
import { describeStoreContract } from './store-contract';

(hasPostgres ? describe : describe.skip)(
  'PostgreSQL store (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let nomor = 0;
    describeStoreContract('PostgreSQL store', async () => {
      nomor += 1;
      return openPostgresStore(await newSchema(`kontrak${nomor}`));
    });
  },
);

(hasPostgres ? describe : describe.skip)('PostgreSQL store: batches of moves from two processes', () => {
  const klien = 8;
  const putaran = 10;
  const waktu = new Date().toISOString();
  const setor = { waktu, kode_transaksi: 'C', nominal: 1_000 } as const;
  const tarikBesar = { waktu, kode_transaksi: 'D', nominal: 1_000_000 } as const;

  /**
   * Two stores on one schema (two processes), each with `klien` clients that keep moving money through 8
   * accounts, each client from its own starting point and the two stores in opposite directions: every batch
   * holds several accounts (and keys) in an order of its own, so batches that locked rows or keys in the order
   * sent would deadlock within a second. In round putaran / 2 every move is a tarik far above any saldo.
   */
  async function duaProses(
    idempotensi: (noRekening: string, p: number, k: number) => Idempotency | undefined,
  ) {
    const url = await newSchema(`batch${idempotensi(' ', 0, 0) === undefined ? '' : 'kunci'}`);
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    const rekening = await Promise.all(Array.from({ length: 8 }, () => a.daftar(dataNasabah())));
    // Both pools connected first, so that the two stores' batches really run at the same time.
    await Promise.all([a, b].flatMap((store) => rekening.map((noRekening) => store.saldo(noRekening))));
    const ditolak: DomainError[] = [];
    const satuKlien = async (store: Store, k: number, arah: 1 | -1) => {
      for (let p = 0; p < putaran; p += 1)
        for (let i = 0; i < rekening.length; i += 1) {
          const noRekening = rekening[(((k + arah * i) % 8) + 8) % 8] ?? '';
          await store
            .catatMutasi(noRekening, p === putaran / 2 ? tarikBesar : setor, idempotensi(noRekening, p, k))
            .catch((error: unknown) => {
              ditolak.push(error as DomainError);
            });
        }
    };
    try {
      await Promise.all(
        Array.from({ length: klien }, (_, k) => [satuKlien(a, k, 1), satuKlien(b, k, -1)]).flat(),
      );
      const saldo = await Promise.all(rekening.map((noRekening) => a.saldo(noRekening)));
      const mutasi = await Promise.all(
        rekening.map(async (noRekening) => (await b.mutasi(noRekening))?.length),
      );
      return { ditolak, saldo, mutasi };
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }

  it('neither deadlock nor lose a move, and refuse each overdrawing tarik alone', async () => {
    const { ditolak, saldo, mutasi } = await duaProses(() => undefined);

    // Each client's one tarik per account finds far less than 1,000,000 there, whatever ran before it.
    expect(ditolak.map((e) => e.constructor)).toEqual(
      Array.from({ length: 2 * klien * 8 }, () => SaldoTidakCukup),
    );
    expect(saldo).toEqual(Array.from({ length: 8 }, () => 2 * klien * (putaran - 1) * 1_000));
    expect(mutasi).toEqual(Array.from({ length: 8 }, () => 2 * klien * (putaran - 1)));
  });

  it('with keys both processes send at once, move each key once and answer both alike', async () => {
    const url = await newSchema('batchkunci');
    const [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      const rekening = await Promise.all(Array.from({ length: 4 }, () => a.daftar(dataNasabah())));
      await Promise.all([a, b].flatMap((store) => rekening.map((noRekening) => store.saldo(noRekening))));
      const gelombang = 15;
      const jawaban: (number | string)[] = [];
      for (let w = 0; w < gelombang; w += 1) {
        // 40 keys over 4 accounts, with one tarik far above any saldo for each account (i = 0, 11, 22, 33),
        // sent by both stores at once, so that most keys meet the other process's request in flight.
        const permintaan = Array.from({ length: 40 }, (_, i) => ({
          noRekening: rekening[i % 4] ?? '',
          mutasi: i % 11 === 0 ? tarikBesar : setor,
          idempotensi: { client: 'open', key: `gelombang-${w}-${i}`, fingerprint: `sidik-${w}-${i}` },
        }));
        const kirim = (store: Store, urutan: typeof permintaan) =>
          urutan.map(({ noRekening, mutasi, idempotensi }) =>
            store
              .catatMutasi(noRekening, mutasi, idempotensi)
              .catch((error: unknown) => (error as DomainError).code),
          );
        jawaban.push(
          ...(await Promise.all([...kirim(a, permintaan), ...kirim(b, [...permintaan].reverse())])),
        );
      }

      expect(jawaban.filter((j) => typeof j === 'string')).toEqual(
        Array.from({ length: gelombang * 2 * 4 }, () => 'SALDO_TIDAK_CUKUP'),
      );
      for (const noRekening of rekening) {
        expect(await a.saldo(noRekening)).toBe(gelombang * 9 * 1_000);
        expect(await b.mutasi(noRekening)).toHaveLength(gelombang * 9);
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
    const lain = new pg.Client({ connectionString: url });
    await lain.connect();
    try {
      const noRekening = await store.daftar(dataNasabah());
      const setor = { waktu: new Date().toISOString(), kode_transaksi: 'C', nominal: 1_000 } as const;
      const kunci = (nama: string) => `urutan-${process.pid}-${nama}`;
      const kunciLain = (nama: string) =>
        lain.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [kunci(nama)]);
      // Another process's transaction holds a; the store's batch must then wait for a without holding b.
      await lain.query('BEGIN');
      await kunciLain('a');
      const pembuka = store.catatMutasi(noRekening, setor, {
        client: 'open',
        key: kunci('pembuka'),
        fingerprint: 'p',
      });
      const batch = [kunci('b'), kunci('a')].map((k) =>
        store.catatMutasi(noRekening, setor, { client: 'open', key: k, fingerprint: `sidik-${k}` }),
      );
      await pembuka;
      await sampaiAdaYangMenunggu(lain, kunci('a'));

      // Were b taken first, this would be a deadlock, and PostgreSQL would abort one of the two.
      await kunciLain('b');
      await lain.query('COMMIT');

      expect(await Promise.all(batch)).toEqual([2_000, 3_000]);
    } finally {
      await lain.end();
      await store.close();
    }
  });
});

/** Resolves once another backend waits for the advisory lock of `kunci` (which `client` holds). */
async function sampaiAdaYangMenunggu(client: pg.Client, kunci: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    // A bigint advisory key shows in pg_locks as its high half (classid) and low half (objid).
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks
       WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted
         AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
      [kunci],
    );
    if (Number(rows[0]?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no transaction came to wait for the advisory lock within 2 s');
}
