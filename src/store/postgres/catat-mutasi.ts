// Moves on PostgreSQL, through catat_mutasi_batch (migration 002). Keyless moves are grouped (group commit):
// a commit costs far more than a row, so under load one WAL flush for many moves keeps the database from
// being the bottleneck. A keyed move runs the same function for itself alone, inside its own transaction.
import type pg from 'pg';
import { RekeningTidakDikenali, SaldoMelebihiBatas, SaldoTidakCukup } from '../../domain/errors';
import type { Mutasi } from '../../domain/schemas';
import { gabungkan } from './gabung';

interface Gerak {
  noRekening: string;
  mutasi: Mutasi;
}

interface HasilBaris {
  urutan: number;
  saldo: string | null;
  diterapkan: boolean;
}

/** One call of catat_mutasi_batch for these moves, in this order. Named: each connection plans it once. */
function perintahCatat(gerak: readonly Gerak[]): pg.QueryConfig {
  return {
    name: 'catat_mutasi_batch',
    text: 'SELECT urutan, saldo, diterapkan FROM catat_mutasi_batch($1, $2, $3, $4)',
    values: [
      gerak.map((g) => g.noRekening),
      gerak.map((g) => g.mutasi.waktu),
      gerak.map((g) => g.mutasi.kode_transaksi),
      gerak.map((g) => g.mutasi.nominal),
    ],
  };
}

/** What the database decided for one move: saldo afterwards, or the domain error that words its refusal. */
function keputusan(baris: HasilBaris | undefined, { noRekening, mutasi }: Gerak): number | Error {
  if (baris === undefined) return new Error('catat_mutasi_batch answered nothing for a move');
  if (baris.diterapkan) return Number(baris.saldo);
  if (baris.saldo === null) return new RekeningTidakDikenali(noRekening);
  return mutasi.kode_transaksi === 'D'
    ? new SaldoTidakCukup(Number(baris.saldo), mutasi.nominal)
    : new SaldoMelebihiBatas();
}

/** One move on a client that is already in a transaction (a keyed request): the same rule, not batched. */
export async function catatSatu(client: pg.ClientBase, noRekening: string, mutasi: Mutasi): Promise<number> {
  const gerak = { noRekening, mutasi };
  const { rows } = await client.query<HasilBaris>(perintahCatat([gerak]));
  const hasil = keputusan(rows[0], gerak);
  if (hasil instanceof Error) throw hasil;
  return hasil;
}

/**
 * Same contract as Store.catatMutasi without a key: the moves in flight together go as one call of
 * catat_mutasi_batch, one transaction and one WAL flush for the lot.
 */
export function createCatatBersama(pool: pg.Pool): (noRekening: string, mutasi: Mutasi) => Promise<number> {
  const catat = gabungkan(async (gerak: readonly Gerak[]) => {
    const { rows } = await pool.query<HasilBaris>(perintahCatat(gerak));
    // urutan is the 1-based position in the arrays sent, whatever order the database applied them in.
    const perUrutan = new Map(rows.map((baris) => [baris.urutan, baris]));
    return gerak.map((g, i) => keputusan(perUrutan.get(i + 1), g));
  });
  return (noRekening, mutasi) => catat({ noRekening, mutasi });
}
