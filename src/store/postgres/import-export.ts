// npm run import / export: moving a ledger between the data-file format and PostgreSQL, all or nothing.
import pg from 'pg';
import { parseDataFile, type DataFile } from '../json-file';
import { runMigrations } from './migrate';
import { toMutasi, type MutasiRow } from './mutasi-row';
import { withTransaction } from './transaction';

/**
 * Copies a checked ledger (parseDataFile has enforced every file rule) into the database in one transaction:
 * any conflict with rows already there rolls the whole import back.
 */
export async function importIntoPostgres(
  databaseUrl: string,
  dataFile: DataFile,
): Promise<{ nasabah: number; mutasi: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    // Migrations first: they take the pool's one connection for themselves.
    await runMigrations(pool);
    return await withTransaction(pool, async (client) => {
      let nasabah = 0;
      let mutasi = 0;
      for (const [noRekening, data] of dataFile.nasabah) {
        await client.query(
          'INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo) VALUES ($1, $2, $3, $4, $5)',
          [noRekening, data.nama, data.nik, data.no_hp, data.saldo],
        );
        nasabah += 1;
      }
      // Every account first: a transfer's mutasi refers to the other account (no_rekening_lawan).
      for (const [noRekening, data] of dataFile.nasabah) {
        for (const m of data.mutasi) {
          await client.query(
            `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan)
             VALUES ($1, $2, $3, $4, $5)`,
            [noRekening, m.waktu, m.kode_transaksi, m.nominal, m.no_rekening_lawan ?? null],
          );
        }
        mutasi += data.mutasi.length;
      }
      for (const [idempotencyKey, record] of dataFile.idempotensi) {
        await client.query('INSERT INTO idempotensi (kunci, sidik, waktu, hasil) VALUES ($1, $2, $3, $4)', [
          idempotencyKey,
          record.sidik,
          record.waktu,
          JSON.stringify(record.hasil),
        ]);
      }
      return { nasabah, mutasi };
    });
  } finally {
    await pool.end();
  }
}

/** Reads the whole database into a ledger, checked by the same rules as a file that is loaded. */
export async function exportFromPostgres(databaseUrl: string): Promise<DataFile> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    // REPEATABLE READ: accounts, their mutasi and the keys come from one consistent snapshot.
    const { nasabah, mutasi, records } = await withTransaction(
      pool,
      async (client) => ({
        nasabah: await client.query<{
          no_rekening: string;
          nama: string;
          nik: string;
          no_hp: string;
          saldo: string;
        }>('SELECT no_rekening, nama, nik, no_hp, saldo FROM nasabah ORDER BY no_rekening'),
        mutasi: await client.query<MutasiRow & { no_rekening: string }>(
          'SELECT no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan FROM mutasi ORDER BY id',
        ),
        records: await client.query<{ kunci: string; sidik: string; waktu: Date; hasil: unknown }>(
          'SELECT kunci, sidik, waktu, hasil FROM idempotensi ORDER BY waktu, kunci',
        ),
      }),
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
    // The data file's keys, exactly as the file format spells them.
    const file = {
      nasabah: Object.fromEntries(
        nasabah.rows.map((n) => [
          n.no_rekening,
          { nama: n.nama, nik: n.nik, no_hp: n.no_hp, saldo: Number(n.saldo), mutasi: [] as object[] },
        ]),
      ),
      idempotensi: Object.fromEntries(
        records.rows.map((r) => [r.kunci, { sidik: r.sidik, waktu: r.waktu.toISOString(), hasil: r.hasil }]),
      ),
    };
    for (const row of mutasi.rows) file.nasabah[row.no_rekening]?.mutasi.push(toMutasi(row));
    return parseDataFile(JSON.stringify(file));
  } finally {
    await pool.end();
  }
}
