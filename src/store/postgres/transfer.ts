// A transfer on PostgreSQL, inside the caller's transaction: both rows locked in no_rekening order (the order every
// batch of moves locks in too), so two opposite transfers cannot deadlock; both sides decided by the domain rule
// under those locks; then both written, so a crash leaves both or neither.
import type pg from 'pg';
import { RekeningTidakDikenali } from '../../domain/errors';
import { mutasiTransfer } from '../../domain/rekening';
import type { Transfer } from '../../domain/store';

/** Carries out `transfer`; returns asal's saldo afterwards, or throws the refusal before anything is written. */
export async function transferInTransaction(client: pg.ClientBase, transfer: Transfer): Promise<number> {
  const { noRekeningAsal, noRekeningTujuan, nominal, waktu } = transfer;
  const { rows } = await client.query<{ no_rekening: string; saldo: string }>({
    name: 'transfer_lock',
    // LockRows sits above the sort, so the rows are locked in no_rekening order.
    text: 'SELECT no_rekening, saldo FROM nasabah WHERE no_rekening = ANY($1) ORDER BY no_rekening FOR UPDATE',
    values: [[noRekeningAsal, noRekeningTujuan]],
  });
  const saldo = new Map(rows.map((row) => [row.no_rekening, Number(row.saldo)]));
  const side = (noRekening: string) => {
    const current = saldo.get(noRekening);
    if (current === undefined) throw new RekeningTidakDikenali(noRekening);
    return { noRekening, saldo: current };
  };
  const moves = mutasiTransfer(side(noRekeningAsal), side(noRekeningTujuan), { nominal, waktu });
  // The guards restate the saldo rule (saldoSetelah in domain/rekening.ts) in SQL; under the row locks taken
  // above they always hold, and if they ever did not, the transaction would fail rather than move half.
  const { rowCount } = await client.query({
    name: 'transfer_update',
    text: `UPDATE nasabah SET saldo = CASE WHEN no_rekening = $1 THEN saldo - $3 ELSE saldo + $3 END
           WHERE (no_rekening = $1 AND saldo >= $3) OR (no_rekening = $2 AND saldo <= 9007199254740991 - $3)`,
    values: [noRekeningAsal, noRekeningTujuan, nominal],
  });
  if (rowCount !== 2) throw new Error(`transfer guard refused ${2 - (rowCount ?? 0)} side(s) under lock`);
  await client.query({
    name: 'transfer_mutasi',
    text: `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan)
           VALUES ($1, $3, 'D', $4, $2), ($2, $3, 'C', $4, $1)`,
    values: [noRekeningAsal, noRekeningTujuan, waktu, nominal],
  });
  return moves.saldoAsal;
}
