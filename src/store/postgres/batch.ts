// A batch of changes on PostgreSQL, in one transaction: lock what the batch names, read it, let each change's
// decision run on the view (batch-view.ts), then write what they recorded from arrays and commit. A commit costs
// far more than a row, so under load one transaction serves many requests, transfers as well as deposits.
import type pg from 'pg';
import { IdempotencyRecord, expiryCutoff } from '../../domain/idempotency';
import type { Names, View } from '../../domain/store';
import { createBatchView, type BatchChanges, type CommittedState } from '../batch-view';
import { insertRecords } from './idempotency-rows';
import { insertMutasi } from './mutasi-row';
import { PIN_COLUMNS, insertRiwayatPin, toPin, updatePins, type PinColumns } from './pin-rows';

/** A change as the batcher carries it: what it names, and its decision. */
export interface QueuedDecision {
  names: Names;
  decide: (view: View) => unknown;
}

/**
 * Runs the batch in the caller's transaction. Every name is locked first, in one sorted statement: an advisory
 * lock per account, nik, no_hp and idempotency key, so that two processes' batches take their locks in the same
 * order and cannot deadlock, and a registration's drawn no_rekening or nik is held even before its row exists.
 * (Two names whose 64-bit hashes collide share a lock; in the rare case that orders two batches against each
 * other, PostgreSQL's deadlock detection fails one, and its changes get 503.)
 * Returns one result per change, in order: its value, or the error that failed it alone.
 */
export async function runBatch(
  connection: pg.ClientBase,
  batch: readonly QueuedDecision[],
): Promise<({ value: unknown } | { error: unknown })[]> {
  const names = namesOf(batch);
  await connection.query({
    name: 'lock_names',
    text: 'SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest($1::text[]) AS name',
    values: [names.locks],
  });
  // Statements after the locks see everything committed by whoever held them before.
  const committed = await readCommitted(connection, names);
  const view = createBatchView(committed, names.earliest);
  const results = batch.map((change) => view.decide(change.names, change.decide));
  if (view.hasChanges) await write(connection, view.changes);
  return results;
}

interface BatchNames {
  locks: string[];
  rekening: string[];
  niks: string[];
  noHps: string[];
  keys: string[];
  clients: string[];
  /** Each account whose money going out since a day's start a decision reads, and that start, pairwise. */
  debitDays: { rekening: string[]; sejak: Date[] };
  /** The earliest time in the batch: what expired means for its key counts. */
  earliest: Date;
}

function namesOf(batch: readonly QueuedDecision[]): BatchNames {
  const rekening = new Set<string>();
  const niks = new Set<string>();
  const noHps = new Set<string>();
  const keys = new Set<string>();
  const clients = new Set<string>();
  const debitDays = new Map<string, { noRekening: string; sejak: Date }>();
  let earliest = Infinity;
  for (const { names } of batch) {
    for (const noRekening of names.rekening) rekening.add(noRekening);
    if (names.nik !== undefined) niks.add(names.nik);
    if (names.noHp !== undefined) noHps.add(names.noHp);
    if (names.idempotency !== undefined) {
      keys.add(names.idempotency.key);
      clients.add(names.idempotency.client);
    }
    const { debitSejak } = names;
    if (debitSejak !== undefined) {
      for (const noRekening of names.rekening)
        debitDays.set(`${noRekening} ${debitSejak.getTime()}`, { noRekening, sejak: debitSejak });
    }
    earliest = Math.min(earliest, names.now.getTime());
  }
  const locks = [
    ...[...rekening].map((name) => `rekening ${name}`),
    ...[...niks].map((name) => `nik ${name}`),
    ...[...noHps].map((name) => `no_hp ${name}`),
    ...[...keys].map((name) => `idempotensi ${name}`),
  ].sort();
  return {
    locks,
    rekening: [...rekening].sort(),
    niks: [...niks],
    noHps: [...noHps],
    keys: [...keys],
    clients: [...clients],
    debitDays: {
      rekening: [...debitDays.values()].map((day) => day.noRekening),
      sejak: [...debitDays.values()].map((day) => day.sejak),
    },
    earliest: new Date(earliest),
  };
}

/** What the batch names, as committed: its accounts' saldo, taken niks and no_hps, records and key counts. */
async function readCommitted(connection: pg.ClientBase, names: BatchNames): Promise<CommittedState> {
  const accounts = await connection.query<{ no_rekening: string; saldo: string } & PinColumns>({
    name: 'batch_accounts',
    // The row locks back the advisory ones, in no_rekening order (LockRows sits above the sort).
    text: `SELECT no_rekening, saldo, ${PIN_COLUMNS} FROM nasabah WHERE no_rekening = ANY($1)
           ORDER BY no_rekening FOR UPDATE`,
    values: [names.rekening],
  });
  const saldo = new Map(accounts.rows.map((row) => [row.no_rekening, Number(row.saldo)]));
  const pins = new Map(accounts.rows.map((row) => [row.no_rekening, toPin(row)]));

  const debit = new Map<string, number>();
  if (names.debitDays.rekening.length > 0) {
    const { rows } = await connection.query<{ no_rekening: string; sejak: Date; nominal: string }>({
      name: 'batch_debit_days',
      // On the index (no_rekening, waktu): only the day's mutasi are read, however long the history.
      text: `SELECT d.no_rekening, d.sejak,
               (SELECT coalesce(sum(m.nominal), 0) FROM mutasi AS m
                WHERE m.no_rekening = d.no_rekening AND m.kode_transaksi = 'D' AND m.waktu >= d.sejak) AS nominal
             FROM unnest($1::text[], $2::timestamptz[]) AS d (no_rekening, sejak)`,
      values: [names.debitDays.rekening, names.debitDays.sejak],
    });
    for (const row of rows) debit.set(`${row.no_rekening} ${row.sejak.getTime()}`, Number(row.nominal));
  }

  const taken = { niks: new Set<string>(), noHps: new Set<string>() };
  if (names.niks.length + names.noHps.length > 0) {
    const { rows } = await connection.query<{ nik: string; no_hp: string }>({
      name: 'batch_taken',
      text: 'SELECT nik, no_hp FROM nasabah WHERE nik = ANY($1) OR no_hp = ANY($2)',
      values: [names.niks, names.noHps],
    });
    for (const row of rows) {
      taken.niks.add(row.nik);
      taken.noHps.add(row.no_hp);
    }
  }

  const records = new Map<string, IdempotencyRecord>();
  const keyCounts = new Map<string, number>();
  if (names.keys.length > 0) {
    const stored = await connection.query<{ kunci: string; sidik: string; waktu: Date; hasil: unknown }>({
      name: 'batch_records',
      text: 'SELECT kunci, sidik, waktu, hasil FROM idempotensi WHERE kunci = ANY($1)',
      values: [names.keys],
    });
    for (const { kunci, waktu, ...row } of stored.rows) {
      records.set(kunci, IdempotencyRecord.parse({ ...row, waktu: waktu.toISOString() }));
    }
    const counted = await connection.query<{ client: string; count: string }>({
      name: 'batch_key_counts',
      text: `SELECT client, count(*) AS count FROM idempotensi
             WHERE client = ANY($1) AND waktu >= $2 GROUP BY client`,
      values: [names.clients, expiryCutoff(names.earliest)],
    });
    for (const row of counted.rows) keyCounts.set(row.client, Number(row.count));
  }

  return {
    saldo: (noRekening) => saldo.get(noRekening),
    isNikTaken: (nik) => taken.niks.has(nik),
    isNoHpTaken: (noHp) => taken.noHps.has(noHp),
    record: (key) => records.get(key),
    keyCount: (client) => keyCounts.get(client) ?? 0,
    pin: (noRekening) => pins.get(noRekening),
    debitSejak: (noRekening, sejak) => debit.get(`${noRekening} ${sejak}`) ?? 0,
  };
}

/**
 * What the decisions recorded, as a few statements over arrays. The CHECKs on nasabah (saldo ≥ 0 and at most
 * Number.MAX_SAFE_INTEGER) stand behind the rule the decisions applied (saldoSetelah in domain/rekening.ts): if
 * they ever failed, the whole batch would, rather than write one rupiah the rule refused.
 */
async function write(connection: pg.ClientBase, changes: BatchChanges): Promise<void> {
  if (changes.daftar.size > 0) {
    const nasabah = [...changes.daftar];
    await connection.query({
      name: 'batch_daftar',
      text: `INSERT INTO nasabah (no_rekening, nama, nik, no_hp)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      values: [
        nasabah.map(([noRekening]) => noRekening),
        nasabah.map(([, data]) => data.nama),
        nasabah.map(([, data]) => data.nik),
        nasabah.map(([, data]) => data.no_hp),
      ],
    });
  }
  if (changes.catat.length > 0) {
    const saldo = [...changes.saldo];
    await connection.query({
      name: 'batch_saldo',
      text: `UPDATE nasabah AS n SET saldo = v.saldo
             FROM unnest($1::text[], $2::bigint[]) AS v (no_rekening, saldo) WHERE n.no_rekening = v.no_rekening`,
      values: [saldo.map(([noRekening]) => noRekening), saldo.map(([, value]) => value)],
    });
    await insertMutasi(connection, changes.catat);
  }
  if (changes.records.size > 0)
    await insertRecords(connection, [...changes.records], { replaceExpired: true });
  if (changes.pin.size > 0) await updatePins(connection, [...changes.pin]);
  if (changes.riwayatPin.length > 0) await insertRiwayatPin(connection, changes.riwayatPin);
}
