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
import { recordAnswer, replayOrAdmit, type Answer, type Idempotency } from '../../domain/idempotency';
import { saldoSetelah } from '../../domain/rekening';
import type { Mutasi } from '../../domain/schemas';
import { insertRecords, lockRecords } from './idempotency-table';

export interface Move {
  noRekening: string;
  mutasi: Mutasi;
}

export interface KeyedMove extends Move {
  idempotency: Idempotency;
}

/** A move's answer: saldo afterwards, or the domain error that refused it. */
type MoveAnswer = number | DomainError;

/** One row of catat_mutasi_batch; the column names are the function's. */
interface ResultRow {
  urutan: number;
  saldo: string | null;
  diterapkan: boolean;
}

/**
 * Keyless moves as one autocommitted call of catat_mutasi_batch. Rows are locked in no_rekening order inside
 * it, so batches from several processes cannot deadlock.
 */
export async function recordMoves(
  db: pg.Pool | pg.ClientBase,
  moves: readonly Move[],
): Promise<MoveAnswer[]> {
  if (moves.length === 0) return [];
  const { rows } = await db.query<ResultRow>({
    // Named, so each connection plans it once.
    name: 'catat_mutasi_batch',
    text: 'SELECT urutan, saldo, diterapkan FROM catat_mutasi_batch($1, $2, $3, $4)',
    values: [
      moves.map((move) => move.noRekening),
      moves.map((move) => move.mutasi.waktu),
      moves.map((move) => move.mutasi.kode_transaksi),
      moves.map((move) => move.mutasi.nominal),
    ],
  });
  // urutan is the 1-based position in the arrays sent, whatever order the database applied them in.
  const rowByPosition = new Map(rows.map((row) => [row.urutan, row]));
  return moves.map((move, i) => answerOf(rowByPosition.get(i + 1), move));
}

/** What the database decided for one move, in domain words. */
function answerOf(row: ResultRow | undefined, { noRekening, mutasi }: Move): MoveAnswer {
  if (row === undefined) throw new Error('catat_mutasi_batch answered nothing for a move');
  if (row.diterapkan) return Number(row.saldo);
  if (row.saldo === null) return new RekeningTidakDikenali(noRekening);
  // The function's guard refused the move; the domain rule words the refusal from the saldo it read back.
  const saldo = Number(row.saldo);
  try {
    saldoSetelah(saldo, mutasi);
  } catch (refusal) {
    if (refusal instanceof DomainError) return refusal;
    throw refusal;
  }
  // A refused row is not locked, so another transaction may have moved its saldo between the guard and the read
  // back: the move was still refused, for the one reason the guard has in its direction.
  return mutasi.kode_transaksi === 'D'
    ? new SaldoTidakCukup(saldo, mutasi.nominal)
    : new SaldoMelebihiBatas();
}

/**
 * Keyed moves as one batch inside the caller's transaction; each gets the answer it would get alone.
 * Keys are locked first (lockRecords), rows after them, in no_rekening order, so batches cannot deadlock. A key
 * already answered is answered again from its record, and a key that comes twice in one batch is moved once, the
 * later request being answered as a retry of the earlier. A new key of a client that already stores
 * `idempotencyKeysPerClient` keys is refused with IdempotencyKeyLimit, moves nothing and is not stored. Two
 * processes' batches for one client may overshoot that limit by at most what they have in flight together.
 */
export async function recordKeyedMoves(
  client: pg.ClientBase,
  moves: readonly KeyedMove[],
  now: Date,
  idempotencyKeysPerClient: number,
): Promise<MoveAnswer[]> {
  const records = await lockRecords(
    client,
    moves.map((move) => move.idempotency),
    now,
  );

  // In batch order, as if each came alone: the first request of each new key moves money, and a later one with
  // the same key waits for that answer.
  const firstOfKey = new Map<string, KeyedMove>();
  /** The stored answer, IdempotencyKeyLimit, or undefined: the move runs, or waits for the first of its key. */
  function decide(move: KeyedMove): Answer | undefined {
    if (firstOfKey.has(move.idempotency.key)) return undefined;
    try {
      const answer = replayOrAdmit(records, move.idempotency, idempotencyKeysPerClient);
      if (answer === undefined) {
        firstOfKey.set(move.idempotency.key, move);
        records.admit(move.idempotency);
      }
      return answer;
    } catch (error) {
      // Every request with a refused key is refused alike, retries in the same batch included.
      if (error instanceof IdempotencyKeyLimit) return error;
      throw error;
    }
  }
  const decided = moves.map(decide);

  const newMoves = [...firstOfKey.values()];
  const newAnswers = await recordMoves(client, newMoves);
  const answerOfNewMove = new Map<KeyedMove, MoveAnswer>();
  newMoves.forEach((move, i) => {
    const answer = newAnswers[i];
    if (answer === undefined) throw new Error('a move was left without an answer');
    answerOfNewMove.set(move, answer);
    recordAnswer(
      records,
      move.idempotency,
      answer instanceof DomainError ? { error: answer } : { value: answer },
      now,
    );
  });
  await insertRecords(client, records.newRecords);

  return moves.map((move, i) => {
    const answer =
      answerOfNewMove.get(move) ??
      decided[i] ??
      // A later request of a key this batch moved: its record is saved by now, so this replays it.
      replayOrAdmit(records, move.idempotency, idempotencyKeysPerClient);
    if (answer === undefined) throw new Error('an idempotency key was left without an answer');
    // A move's fingerprint names the move, so a matching stored answer is a saldo.
    return answer instanceof DomainError ? answer : Number(answer);
  });
}
