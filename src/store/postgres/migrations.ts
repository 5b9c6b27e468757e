// The schema, as ordered, versioned migrations. Kept in code rather than .sql files so that the built server
// carries them without a copy step. Applied in one transaction under an advisory lock (see migrate.ts).

export interface Migration {
  version: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: '001_awal',
    sql: `
      CREATE TABLE nasabah (
        no_rekening text PRIMARY KEY CHECK (no_rekening ~ '^[0-9]{10}$'),
        nama text NOT NULL CHECK (length(nama) BETWEEN 1 AND 100),
        nik text NOT NULL UNIQUE CHECK (nik ~ '^[0-9]{16}$'),
        no_hp text NOT NULL UNIQUE CHECK (no_hp ~ '^08[0-9]{8,11}$'),
        -- Bounded by Number.MAX_SAFE_INTEGER, so every saldo reads back into JavaScript exactly.
        saldo bigint NOT NULL DEFAULT 0 CHECK (saldo >= 0 AND saldo <= 9007199254740991)
      );
      CREATE TABLE mutasi (
        id bigserial PRIMARY KEY,
        no_rekening text NOT NULL REFERENCES nasabah (no_rekening),
        waktu timestamptz NOT NULL,
        kode_transaksi char(1) NOT NULL CHECK (kode_transaksi IN ('C', 'D')),
        nominal bigint NOT NULL CHECK (nominal > 0 AND nominal <= 1000000000000)
      );
      CREATE INDEX mutasi_no_rekening_waktu ON mutasi (no_rekening, waktu);
      CREATE TABLE idempotensi (
        kunci text PRIMARY KEY,
        sidik text NOT NULL,
        waktu timestamptz NOT NULL,
        hasil jsonb NOT NULL
      );
      CREATE INDEX idempotensi_waktu ON idempotensi (waktu);
    `,
  },
  {
    // History, as applied (migrations never change): the batch function of an earlier version, which restated the
    // saldo rule in SQL. Migration 006 drops it; since then every change is decided in TypeScript (batch.ts).
    version: '002_catat_mutasi_batch',
    sql: `
      CREATE FUNCTION catat_mutasi_batch(
        p_no_rekening text[], p_waktu timestamptz[], p_kode_transaksi text[], p_nominal bigint[]
      ) RETURNS TABLE (urutan int, saldo bigint, diterapkan boolean)
      LANGUAGE plpgsql AS $$
      DECLARE
        debit boolean;
      BEGIN
        -- Rows are locked in no_rekening order, so two batches from two processes cannot deadlock; moves on one
        -- account keep the order they arrived in.
        FOR urutan IN
          SELECT m.i FROM unnest(p_no_rekening) WITH ORDINALITY AS m(no_rekening, i) ORDER BY m.no_rekening, m.i
        LOOP
          debit := p_kode_transaksi[urutan] = 'D';
          UPDATE nasabah AS n
            SET saldo = CASE WHEN debit THEN n.saldo - p_nominal[urutan] ELSE n.saldo + p_nominal[urutan] END
            WHERE n.no_rekening = p_no_rekening[urutan]
              AND CASE WHEN debit THEN n.saldo >= p_nominal[urutan]
                       ELSE n.saldo <= 9007199254740991 - p_nominal[urutan] END
            RETURNING n.saldo INTO saldo;
          diterapkan := FOUND;
          IF diterapkan THEN
            INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
              VALUES (p_no_rekening[urutan], p_waktu[urutan], p_kode_transaksi[urutan], p_nominal[urutan]);
          ELSE
            -- Only to word the refusal (which rule, or an unknown account): the UPDATE above already decided.
            SELECT n.saldo INTO saldo FROM nasabah AS n WHERE n.no_rekening = p_no_rekening[urutan];
          END IF;
          RETURN NEXT;
        END LOOP;
      END
      $$;
    `,
  },
  {
    // Idempotency keys are stored scoped to their client: `<client> <key>`, open mode's unprefixed (the rule is
    // clientOfStoredKey in domain/idempotency.ts; this expression must say the same). The generated column lets
    // a client's stored keys be counted on an index, to hold each client to its limit.
    version: '003_idempotensi_client',
    sql: `
      ALTER TABLE idempotensi ADD COLUMN client text GENERATED ALWAYS AS (
        CASE WHEN strpos(kunci, ' ') > 0 THEN split_part(kunci, ' ', 1) ELSE 'open' END
      ) STORED;
      CREATE INDEX idempotensi_client_waktu ON idempotensi (client, waktu);
    `,
  },
  {
    // A transfer's two mutasi name each other (domain/schemas.ts, Mutasi.no_rekening_lawan); tabung and tarik have none.
    version: '004_mutasi_lawan',
    sql: `
      ALTER TABLE mutasi ADD COLUMN no_rekening_lawan text
        REFERENCES nasabah (no_rekening) CHECK (no_rekening_lawan ~ '^[0-9]{10}$');
    `,
  },
  {
    // A page of a long history is read by keyset on (no_rekening, id), newest first, with a LIMIT (mutasi-row.ts).
    version: '005_mutasi_page',
    sql: `CREATE INDEX mutasi_no_rekening_id ON mutasi (no_rekening, id);`,
  },
  {
    // Every change is now decided once, in TypeScript (domain/tabungan.ts), and a batch is written from arrays
    // (batch.ts): the function that restated the saldo rule goes. The CHECK on nasabah.saldo stays, a backstop.
    // Each mutasi keeps who made it: the client and the server's request id (null on rows from before). The
    // CHECKs stand behind the rules of domain/schemas.ts (ClientName, MutasiTercatat.request_id).
    version: '006_audit_trail',
    sql: `
      DROP FUNCTION catat_mutasi_batch(text[], timestamptz[], text[], bigint[]);
      ALTER TABLE mutasi
        ADD COLUMN client text CHECK (client ~ '^[A-Za-z0-9_.-]{1,64}$'),
        ADD COLUMN request_id text CHECK (request_id ~ '^[!-~]{1,128}$');
    `,
  },
  {
    // An account may have a PIN (domain/pin.ts): its scrypt hash, the wrong PINs in a row and the end of a lockout
    // (the CHECKs stand behind PinTersimpan in domain/schemas.ts), and who set, changed or reset it.
    version: '007_pin',
    sql: `
      ALTER TABLE nasabah
        ADD COLUMN pin_hash text
          CHECK (pin_hash ~ '^scrypt\\$(1[0-9]|20)\\$[1-9][0-9]?\\$[1-9]\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$'),
        ADD COLUMN pin_gagal smallint NOT NULL DEFAULT 0 CHECK (pin_gagal BETWEEN 0 AND 3),
        ADD COLUMN pin_terkunci_sampai timestamptz;
      CREATE TABLE riwayat_pin (
        id bigserial PRIMARY KEY,
        no_rekening text NOT NULL REFERENCES nasabah (no_rekening),
        waktu timestamptz NOT NULL,
        peristiwa text NOT NULL CHECK (peristiwa IN ('daftar', 'ganti', 'reset')),
        client text NOT NULL CHECK (client ~ '^[A-Za-z0-9_.-]{1,64}$'),
        request_id text NOT NULL CHECK (request_id ~ '^[!-~]{1,128}$')
      );
      CREATE INDEX riwayat_pin_no_rekening ON riwayat_pin (no_rekening, id);
    `,
  },
];
