// Group commit for PostgreSQL: the moves that arrive while earlier ones are in flight go to the database
// together, as one call of catat_mutasi_batch (migration 002): one round trip, one transaction, one WAL flush
// for the lot. A commit costs far more than a row, so under load this is what keeps the database from being
// the bottleneck; a lone request still goes out at once, so nothing waits for a batch to fill.
import type pg from 'pg';
import { RekeningTidakDikenali, SaldoMelebihiBatas, SaldoTidakCukup } from '../../domain/errors';
import type { Mutasi } from '../../domain/schemas';

export interface BatchMutasiOptions {
  /** Batches in flight at once: while one waits for its commit, the next is already being sent. */
  bersamaan: number;
  /** The most moves in one batch, so that one statement's arrays stay small. */
  ukuranMaks: number;
}

interface Antre {
  noRekening: string;
  mutasi: Mutasi;
  selesai: (saldo: number) => void;
  gagal: (error: unknown) => void;
}

interface HasilBaris {
  urutan: number;
  saldo: string | null;
  diterapkan: boolean;
}

export interface BatchMutasi {
  /** Same contract as Store.catatMutasi without a key; a failed batch rejects each of its moves with the error. */
  catat(noRekening: string, mutasi: Mutasi): Promise<number>;
}

export function createBatchMutasi(pool: pg.Pool, options: BatchMutasiOptions): BatchMutasi {
  const antrean: Antre[] = [];
  let berjalan = 0;

  function kirimBerikutnya(): void {
    while (berjalan < options.bersamaan && antrean.length > 0) {
      const batch = antrean.splice(0, options.ukuranMaks);
      berjalan += 1;
      void kirim(batch).finally(() => {
        berjalan -= 1;
        kirimBerikutnya();
      });
    }
  }

  async function kirim(batch: Antre[]): Promise<void> {
    let rows: HasilBaris[];
    try {
      ({ rows } = await pool.query<HasilBaris>(
        'SELECT urutan, saldo, diterapkan FROM catat_mutasi_batch($1, $2, $3, $4)',
        [
          batch.map((m) => m.noRekening),
          batch.map((m) => m.mutasi.waktu),
          batch.map((m) => m.mutasi.kode_transaksi),
          batch.map((m) => m.mutasi.nominal),
        ],
      ));
    } catch (error) {
      for (const m of batch) m.gagal(error);
      return;
    }
    const hasil = new Map(rows.map((row) => [row.urutan, row]));
    batch.forEach((m, i) => {
      // urutan is the 1-based position in the arrays sent, whatever order the database applied them in.
      const baris = hasil.get(i + 1);
      if (baris === undefined)
        m.gagal(new Error(`catat_mutasi_batch answered nothing for move ${String(i + 1)}`));
      else if (baris.diterapkan) m.selesai(Number(baris.saldo));
      else if (baris.saldo === null) m.gagal(new RekeningTidakDikenali(m.noRekening));
      else if (m.mutasi.kode_transaksi === 'D')
        m.gagal(new SaldoTidakCukup(Number(baris.saldo), m.mutasi.nominal));
      else m.gagal(new SaldoMelebihiBatas());
    });
  }

  return {
    catat(noRekening, mutasi) {
      return new Promise((selesai, gagal) => {
        antrean.push({ noRekening, mutasi, selesai, gagal });
        kirimBerikutnya();
      });
    },
  };
}
