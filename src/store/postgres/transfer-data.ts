// Moving a ledger between the JSON file and PostgreSQL, in the issue-2 file format, all or nothing.
import pg from 'pg';
import { Ledger } from '../json-file/ledger';
import { runMigrations } from './migrate';

/**
 * Copies a checked ledger (Ledger.parse has enforced every file rule) into the database in one transaction:
 * any conflict with rows already there rolls the whole import back.
 */
export async function importIntoPostgres(
  databaseUrl: string,
  buku: Ledger,
): Promise<{ nasabah: number; mutasi: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  // Migrations first: they take the pool's one connection for themselves.
  const client = await runMigrations(pool)
    .then(() => pool.connect())
    .catch(async (error: unknown) => {
      await pool.end();
      throw error;
    });
  try {
    await client.query('BEGIN');
    let nasabah = 0;
    let mutasi = 0;
    for (const [noRekening, data] of buku.nasabahEntries()) {
      await client.query(
        'INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo) VALUES ($1, $2, $3, $4, $5)',
        [noRekening, data.nama, data.nik, data.no_hp, data.saldo],
      );
      for (const m of data.mutasi) {
        await client.query(
          'INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal) VALUES ($1, $2, $3, $4)',
          [noRekening, m.waktu, m.kode_transaksi, m.nominal],
        );
      }
      nasabah += 1;
      mutasi += data.mutasi.length;
    }
    for (const [kunci, catatan] of buku.idempotencyRecords()) {
      await client.query('INSERT INTO idempotensi (kunci, sidik, waktu, hasil) VALUES ($1, $2, $3, $4)', [
        kunci,
        catatan.sidik,
        catatan.waktu,
        JSON.stringify(catatan.hasil),
      ]);
    }
    await client.query('COMMIT');
    return { nasabah, mutasi };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
    await pool.end();
  }
}

/** Reads the whole database into a ledger, checked by the same rules as a file that is loaded. */
export async function exportFromPostgres(databaseUrl: string): Promise<Ledger> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    // REPEATABLE READ: accounts, their mutasi and the keys come from one consistent snapshot.
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const nasabah = await client.query<{
        no_rekening: string;
        nama: string;
        nik: string;
        no_hp: string;
        saldo: string;
      }>('SELECT no_rekening, nama, nik, no_hp, saldo FROM nasabah ORDER BY no_rekening');
      const mutasi = await client.query<{
        no_rekening: string;
        waktu: Date;
        kode_transaksi: string;
        nominal: string;
      }>('SELECT no_rekening, waktu, kode_transaksi, nominal FROM mutasi ORDER BY id');
      const kunci = await client.query<{ kunci: string; sidik: string; waktu: Date; hasil: unknown }>(
        'SELECT kunci, sidik, waktu, hasil FROM idempotensi ORDER BY waktu, kunci',
      );
      await client.query('COMMIT');
      const berkas = {
        nasabah: Object.fromEntries(
          nasabah.rows.map((n) => [
            n.no_rekening,
            { nama: n.nama, nik: n.nik, no_hp: n.no_hp, saldo: Number(n.saldo), mutasi: [] as object[] },
          ]),
        ),
        idempotensi: Object.fromEntries(
          kunci.rows.map((k) => [k.kunci, { sidik: k.sidik, waktu: k.waktu.toISOString(), hasil: k.hasil }]),
        ),
      };
      for (const m of mutasi.rows) {
        berkas.nasabah[m.no_rekening]?.mutasi.push({
          waktu: m.waktu.toISOString(),
          kode_transaksi: m.kode_transaksi,
          nominal: Number(m.nominal),
        });
      }
      return Ledger.parse(JSON.stringify(berkas));
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
