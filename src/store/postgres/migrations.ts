// The schema, as ordered, versioned migrations. Kept in code rather than .sql files so that the built server
// carries them without a copy step. Applied in one transaction under an advisory lock (see migrate.ts).

export interface Migrasi {
  versi: string;
  sql: string;
}

export const MIGRASI: readonly Migrasi[] = [
  {
    versi: '001_awal',
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
];
