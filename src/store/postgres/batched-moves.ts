// Moves on PostgreSQL, in batches, through catat_mutasi_batch (migration 002): a commit costs far more than a
// row, so under load one transaction and one WAL flush for many moves keeps the database from being the
// bottleneck. Each move is still decided by its own conditional UPDATE inside the function.
import type pg from 'pg';
import {
  DomainError,
  IdempotencyKeyLimit,
  RekeningTidakDikenali,
  SaldoMelebihiBatas,
  SaldoTidakCukup,
} from '../../domain/errors';
import { toStoredAnswer, replay, type Idempotency } from '../../domain/idempotency';
import type { Mutasi } from '../../domain/schemas';
import { countKeysPerClient, lockAndRead, simpan } from './idempotency-table';

export interface Move {
  noRekening: string;
  mutasi: Mutasi;
}

export interface KeyedMove extends Move {
  idempotensi: Idempotency;
}

/** A move's answer: saldo afterwards, or the domain error that refused it. */
type Jawaban = number | DomainError;

interface HasilBaris {
  urutan: number;
  saldo: string | null;
  diterapkan: boolean;
}

/**
 * Keyless moves as one autocommitted call of catat_mutasi_batch. Rows are locked in no_rekening order inside
 * it, so batches from several processes cannot deadlock.
 */
export async function recordMoves(db: pg.Pool | pg.ClientBase, gerak: readonly Move[]): Promise<Jawaban[]> {
  if (gerak.length === 0) return [];
  const { rows } = await db.query<HasilBaris>({
    // Named, so each connection plans it once.
    name: 'catat_mutasi_batch',
    text: 'SELECT urutan, saldo, diterapkan FROM catat_mutasi_batch($1, $2, $3, $4)',
    values: [
      gerak.map((g) => g.noRekening),
      gerak.map((g) => g.mutasi.waktu),
      gerak.map((g) => g.mutasi.kode_transaksi),
      gerak.map((g) => g.mutasi.nominal),
    ],
  });
  // urutan is the 1-based position in the arrays sent, whatever order the database applied them in.
  const perUrutan = new Map(rows.map((baris) => [baris.urutan, baris]));
  return gerak.map((g, i) => keputusan(perUrutan.get(i + 1), g));
}

/** What the database decided for one move, in domain words. */
function keputusan(baris: HasilBaris | undefined, { noRekening, mutasi }: Move): Jawaban {
  if (baris === undefined) throw new Error('catat_mutasi_batch answered nothing for a move');
  if (baris.diterapkan) return Number(baris.saldo);
  if (baris.saldo === null) return new RekeningTidakDikenali(noRekening);
  return mutasi.kode_transaksi === 'D'
    ? new SaldoTidakCukup(Number(baris.saldo), mutasi.nominal)
    : new SaldoMelebihiBatas();
}

/**
 * Keyed moves as one batch inside the caller's transaction; each gets the answer it would get alone.
 * Keys are locked first (lockAndRead), rows after them, in no_rekening order, so batches cannot deadlock. A key already
 * answered is answered again from its record, and a key that comes twice in one batch is moved once, the later
 * request being answered as a retry of the earlier. A new key of a client that already stores
 * `idempotencyKeysPerClient` keys is refused with IdempotencyKeyLimit, moves nothing and is not stored. Two
 * processes' batches for one client may overshoot that limit by at most what they have in flight together.
 */
export async function recordKeyedMoves(
  client: pg.ClientBase,
  gerak: readonly KeyedMove[],
  sekarang: Date,
  idempotencyKeysPerClient: number,
): Promise<Jawaban[]> {
  const catatan = await lockAndRead(
    client,
    gerak.map((g) => g.idempotensi.key),
    sekarang,
  );

  // The first request of each key without a record moves money; every other one is answered from a record.
  const pertama = new Map<string, KeyedMove>();
  for (const g of gerak) {
    const { key: kunci } = g.idempotensi;
    if (!catatan.has(kunci) && !pertama.has(kunci)) pertama.set(kunci, g);
  }
  const keyCounts = await countKeysPerClient(
    client,
    [...pertama.values()].map((g) => g.idempotensi.client),
    sekarang,
  );
  const refusedKeys = new Set<string>();
  for (const { idempotensi } of pertama.values()) {
    const count = keyCounts.get(idempotensi.client) ?? 0;
    if (count >= idempotencyKeysPerClient) refusedKeys.add(idempotensi.key);
    else keyCounts.set(idempotensi.client, count + 1);
  }
  const baru = [...pertama.values()].filter((g) => !refusedKeys.has(g.idempotensi.key));
  const jawabanBaru = await recordMoves(client, baru);
  const waktu = sekarang.toISOString();
  const catatanBaru = baru.map((g, i) => {
    const jawaban = jawabanBaru[i];
    if (jawaban === undefined) throw new Error('a move was left without an answer');
    const satu = { sidik: g.idempotensi.fingerprint, waktu, hasil: toStoredAnswer(jawaban) };
    catatan.set(g.idempotensi.key, satu);
    return [g.idempotensi.key, satu] as const;
  });
  await simpan(client, catatanBaru);

  const langsung = new Map(baru.map((g, i) => [g, jawabanBaru[i]]));
  const limitReached = new IdempotencyKeyLimit(idempotencyKeysPerClient);
  return gerak.map((g) => {
    const jawaban = langsung.get(g);
    if (jawaban !== undefined) return jawaban;
    // Every request with a refused key is refused alike, retries in the same batch included.
    if (refusedKeys.has(g.idempotensi.key)) return limitReached;
    const tersimpan = catatan.get(g.idempotensi.key);
    if (tersimpan === undefined) throw new Error('an idempotency key was left without an answer');
    const ulang = replay(tersimpan, g.idempotensi.fingerprint);
    // A move's sidik names the move, so a matching stored answer is a saldo.
    return ulang instanceof DomainError ? ulang : Number(ulang);
  });
}
