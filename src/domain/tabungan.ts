// The use cases of a savings account, each told once in the words of the business; no HTTP, no files, no SQL.
// A change is a decision on a view of the accounts it names, run by the store under its lock (store.ts).
import { z } from 'zod';
import { createConsents, type Consent } from './consent';
import { checkDailyLimit, startOfDay, type DailyLimit } from './daily-limit';
import {
  PinWajibSaatDaftar,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  PinBelumAda,
  RekeningTidakDikenali,
} from './errors';
import {
  IDEMPOTENCY_KEYS_PER_CLIENT,
  decideOnce,
  fingerprintOf,
  outcomeOf,
  scopedIdempotencyKey,
  type Idempotency,
  type Outcome,
} from './idempotency';
import { decodeCursor, encodeCursor } from './paging';
import { DEFAULT_PIN_LOCKOUT_MS, createPinHasher, type PinHasher } from './pin';
import { drawNoRekening, saldoSetelah } from './rekening';
import {
  MUTASI_PER_PAGE_MAX,
  NoRekening,
  Saldo,
  type DaftarRequest,
  type DaftarResponse,
  type GerakDanaRequest,
  type KodeTransaksi,
  type Mutasi,
  type MutasiQuery,
  type MutasiResponse,
  type MutasiTercatat,
  type PeristiwaPin,
  type PinResponse,
  type SaldoResponse,
  type TabungResponse,
  type TransferRequest,
} from './schemas';
import type { Names, RekeningTersimpan, Rentang, Store, View } from './store';

export interface TabunganDeps {
  store: Store;
  /** The time of every change: its mutasi's waktu, and what its idempotency records expire by. */
  clock: () => Date;
  /** Draws a fresh no_rekening; injected so that tests can make two draws collide. */
  newNoRekening?: () => string;
  /** Idempotency keys one client may have stored; beyond it a new key is refused with IdempotencyKeyLimit. */
  idempotencyKeysPerClient?: number;
  /** How PINs are hashed and checked; tests pass a cheaper cost. */
  pinHasher?: PinHasher;
  /** How long an account refuses PIN-checked calls after PIN_ATTEMPTS wrong PINs. */
  pinLockoutMs?: number;
  /** Whether a new account must have a PIN. */
  isPinRequired?: boolean;
  /** Money that may leave one account in one day; undefined: no limit. */
  dailyLimit?: DailyLimit | undefined;
}

export type Tabungan = ReturnType<typeof createTabungan>;

/**
 * Who asks for a change: the client (an API key's name, or open mode's), the id the server gave the request,
 * and, optionally, its Idempotency-Key. The first two are kept with every mutasi the change writes.
 */
export interface Caller {
  client: string;
  requestId: string;
  idempotencyKey?: string | undefined;
  /** The nasabah's PIN (X-PIN), for an account that has one; never stored, logged or part of a fingerprint. */
  pin?: string | undefined;
}

/**
 * A retry is the same client asking for the same operation with the same validated data; the key alone does not
 * make it one, and another client's equal key is another request.
 */
function idempotencyOf(operation: string, data: unknown, caller: Caller): Idempotency | undefined {
  if (caller.idempotencyKey === undefined) return undefined;
  return {
    client: caller.client,
    key: scopedIdempotencyKey(caller.client, caller.idempotencyKey),
    fingerprint: fingerprintOf(operation, data),
  };
}

/** Only the contract's fields: who made a mutasi, and fields a hand edit added, are not the API's to show. */
function contractFields({ waktu, kode_transaksi, nominal, no_rekening_lawan }: MutasiTercatat): Mutasi {
  return no_rekening_lawan === undefined
    ? { waktu, kode_transaksi, nominal }
    : { waktu, kode_transaksi, nominal, no_rekening_lawan };
}

async function* contractBatches(batches: AsyncIterable<readonly MutasiTercatat[]>): AsyncGenerator<Mutasi[]> {
  for await (const batch of batches) yield batch.map(contractFields);
}

/** The answer of a decision that always decides (only a registration may have to draw again). */
function decided<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('a decision that always decides answered nothing');
  return value;
}

/** An account's saldo in the view, or the refusal the nasabah gets for a number no account has. */
function saldoOf(view: View, noRekening: string): number {
  const saldo = view.saldo(noRekening);
  if (saldo === undefined) throw new RekeningTidakDikenali(noRekening);
  return saldo;
}

/** Who made a change, and when: kept with every mutasi and PIN event it writes. */
interface Audit {
  waktu: string;
  client: string;
  request_id: string;
}

/** A decision on a view, in the store's unit of work: synchronous, so the lock is held for no I/O. */
type Decision<T> = (view: View, audit: Audit) => T | undefined;

/** A decision with a slow part that must wait for the nasabah's consent (hashing a new PIN, for one). */
interface PreparedDecision<T> {
  /** Runs once the consent is given (undefined: the change needs none), and may refuse on what it says. */
  prepare(consent: Consent | undefined): Promise<Decision<T>>;
}

/** What a tabung answers and stores: the saldo, or on an account with a PIN its number. Built once, not per call. */
const TABUNG_ANSWER = z.union([Saldo, NoRekening]);

/** A change whose consent no longer held when it ran (the PIN was changed meanwhile): it is asked for again. */
const CONSENT_STALE = Symbol('consent stale');

export function createTabungan({
  store,
  clock,
  newNoRekening = drawNoRekening,
  idempotencyKeysPerClient = IDEMPOTENCY_KEYS_PER_CLIENT,
  pinHasher = createPinHasher(),
  pinLockoutMs = DEFAULT_PIN_LOCKOUT_MS,
  isPinRequired = false,
  dailyLimit,
}: TabunganDeps) {
  const consents = createConsents({ store, clock, pinHasher, pinLockoutMs });

  /**
   * One change: `decide` runs in the store's unit of work, once per Idempotency-Key, and answers a value, a
   * refusal (thrown here once it is durable), or undefined when it could not decide in this view. With
   * `consentOf`, that account's PIN is checked first, before any replay, and the consent is spent in the same
   * step as the change, whatever the change decides; if the change itself fails (storage, a full queue, the
   * client's key limit), it is spent on its own, so a right PIN never stays counted as a wrong one. A prepared
   * decision does its slow part (hashing a new PIN) only once the consent is given. A debit names the day whose
   * money going out the daily limit counts: the day of the change's own time, so the decision (checkDebit) reads
   * exactly the day it named.
   */
  async function change<T extends string | number>(
    operation: { name: string; data: unknown; answer: z.ZodType<T>; consentOf?: string; isDebit?: boolean },
    caller: Caller,
    names: Omit<Names, 'now' | 'idempotency' | 'debitSejak'>,
    decision: Decision<T> | PreparedDecision<T>,
  ): Promise<T | undefined> {
    const idempotency = idempotencyOf(operation.name, operation.data, caller);
    for (;;) {
      const consent =
        operation.consentOf === undefined
          ? undefined
          : await consents.obtain(operation.consentOf, caller.pin);
      const decide = typeof decision === 'function' ? decision : await decision.prepare(consent);
      const now = clock();
      const audit = { waktu: now.toISOString(), client: caller.client, request_id: caller.requestId };
      const debitSejak =
        operation.isDebit === true && dailyLimit !== undefined
          ? startOfDay(now, dailyLimit.timeZone)
          : undefined;
      const changed = store.change(
        {
          ...names,
          now,
          debitSejak,
          idempotency: idempotency && { client: idempotency.client, key: idempotency.key },
        },
        (view): Outcome<T> | undefined | typeof CONSENT_STALE => {
          if (consent !== undefined) {
            if (!consents.holds(view, consent)) return CONSENT_STALE;
            consents.spend(view, consent);
          }
          const run = () => outcomeOf(() => decide(view, audit));
          if (idempotency === undefined) return run();
          const rules = { now, keysPerClient: idempotencyKeysPerClient, answer: operation.answer };
          return decideOnce(view, idempotency, rules, run);
        },
      );
      const outcome = await changed.catch(async (error: unknown) => {
        // Best effort: the failure is the answer, whether or not the consent could be spent.
        if (consent !== undefined) await consents.spendAlone(consent).catch(() => undefined);
        throw error;
      });
      if (outcome === CONSENT_STALE) continue;
      if (outcome === undefined) return undefined;
      if ('refusal' in outcome) throw outcome.refusal;
      return outcome.value;
    }
  }

  /** For a read: the PIN checked, and its consent spent at once; answers the account as the check read it. */
  async function consentToRead(noRekening: string, caller: Caller): Promise<RekeningTersimpan> {
    const consent = await consents.obtain(noRekening, caller.pin);
    if (consent.rekening === null) throw new RekeningTidakDikenali(noRekening);
    await consents.spendAlone(consent);
    return consent.rekening;
  }

  /** A debit's rules beyond the saldo: the daily limit, counted in the day the change's own waktu falls in. */
  function checkDebit(view: View, noRekening: string, nominal: number, audit: Audit): void {
    if (dailyLimit === undefined) return;
    const sejak = startOfDay(new Date(audit.waktu), dailyLimit.timeZone);
    checkDailyLimit(view, noRekening, nominal, { limit: dailyLimit, sejak });
  }

  /** A tabung's or a tarik's decision: one mutasi on one account; answers the saldo it leaves. */
  function catatGerak(
    view: View,
    kode_transaksi: KodeTransaksi,
    gerak: GerakDanaRequest,
    audit: Audit,
  ): number {
    const { no_rekening, nominal } = gerak;
    const mutasi = { ...audit, kode_transaksi, nominal };
    const saldoBaru = saldoSetelah(saldoOf(view, no_rekening), mutasi);
    if (kode_transaksi === 'D') checkDebit(view, no_rekening, nominal, audit);
    view.catat(no_rekening, mutasi, saldoBaru);
    return saldoBaru;
  }

  /**
   * Sets an account's PIN (undefined: none) once the account is known and, for a change, the current PIN agrees:
   * a guess on a locked or unknown account costs no hashing.
   */
  async function aturPin(
    noRekening: string,
    pinBaru: string | undefined,
    caller: Caller,
    peristiwa: 'ganti' | 'reset',
  ): Promise<PinResponse> {
    const isChange = peristiwa === 'ganti';
    // No Idempotency-Key: setting the same PIN again is the same state, and a fingerprint must not hold a PIN.
    const operation = {
      name: isChange ? 'ganti_pin' : 'reset_pin',
      data: noRekening,
      answer: NoRekening,
      ...(isChange ? { consentOf: noRekening } : {}),
    };
    const prepared = {
      async prepare(consent: Consent | undefined): Promise<Decision<string>> {
        if (consent?.rekening === null) throw new RekeningTidakDikenali(noRekening);
        if (consent?.hash === undefined && isChange) throw new PinBelumAda(noRekening);
        const hash = pinBaru === undefined ? undefined : await pinHasher.hash(pinBaru);
        return (view, audit) => {
          saldoOf(view, noRekening);
          // Taken away by an operator since the check: the nasabah's consent was for the PIN that was there.
          if (isChange && view.pin(noRekening) === undefined) throw new PinBelumAda(noRekening);
          view.simpanPin(
            noRekening,
            hash === undefined ? undefined : { hash, gagal: 0 },
            peristiwaPin(peristiwa, audit),
          );
          return noRekening;
        };
      },
    };
    const changed = await change(
      operation,
      { ...caller, idempotencyKey: undefined },
      { rekening: [noRekening] },
      prepared,
    );
    return { no_rekening: decided(changed) };
  }

  /** A PIN event of the audit trail. */
  function peristiwaPin(peristiwa: PeristiwaPin['peristiwa'], audit: Audit): PeristiwaPin {
    return { peristiwa, ...audit };
  }

  return {
    /** A new account, saldo 0, under a fresh no_rekening: drawn again in the rare case it is taken. */
    async daftar(nasabahBaru: DaftarRequest, caller: Caller): Promise<DaftarResponse> {
      // The PIN is not part of the fingerprint: a retry with another PIN answers the first registration.
      const operation = { name: 'daftar', data: nasabahBaru, answer: NoRekening };
      const { nik, no_hp } = nasabahBaru;
      if (caller.pin === undefined && isPinRequired) {
        throw new PinWajibSaatDaftar();
      }
      const hash = caller.pin === undefined ? undefined : await pinHasher.hash(caller.pin);
      for (;;) {
        const drawn = newNoRekening();
        const noRekening = await change(
          operation,
          caller,
          { rekening: [drawn], nik, noHp: no_hp },
          (view, audit) => {
            if (view.saldo(drawn) !== undefined) return undefined;
            if (view.isNikTaken(nik)) throw new NikSudahTerdaftar();
            if (view.isNoHpTaken(no_hp)) throw new NoHpSudahTerdaftar();
            view.daftar(drawn, nasabahBaru);
            if (hash !== undefined) view.simpanPin(drawn, { hash, gagal: 0 }, peristiwaPin('daftar', audit));
            return drawn;
          },
        );
        if (noRekening !== undefined) return { no_rekening: noRekening };
      }
    },

    /**
     * Money paid in needs no consent, so on an account with a PIN a tabung answers (and stores, for a replay)
     * the account's number rather than its saldo: paying in 1 rupiah must not be a way to read the saldo.
     * Operations are named by their kode_transaksi, as fingerprints stored by earlier versions name them.
     */
    async tabung(setoran: GerakDanaRequest, caller: Caller): Promise<TabungResponse> {
      const { no_rekening } = setoran;
      const operation = { name: 'C', data: setoran, answer: TABUNG_ANSWER };
      const answer = await change(operation, caller, { rekening: [no_rekening] }, (view, audit) => {
        const saldo = catatGerak(view, 'C', setoran, audit);
        return view.pin(no_rekening) === undefined ? saldo : no_rekening;
      });
      const decidedAnswer = decided(answer);
      return typeof decidedAnswer === 'number' ? { saldo: decidedAnswer } : { no_rekening: decidedAnswer };
    },

    async tarik(penarikan: GerakDanaRequest, caller: Caller): Promise<SaldoResponse> {
      const { no_rekening } = penarikan;
      const operation = { name: 'D', data: penarikan, answer: Saldo, consentOf: no_rekening, isDebit: true };
      const saldo = await change(operation, caller, { rekening: [no_rekening] }, (view, audit) =>
        catatGerak(view, 'D', penarikan, audit),
      );
      return { saldo: decided(saldo) };
    },

    /**
     * Both sides or neither: a D on asal and a C on tujuan, one waktu, each naming the other; asal's saldo
     * afterwards, as /tarik answers. Both are decided before either is recorded; asal is checked first. Money
     * leaves asal, so asal's PIN must agree; tujuan's is not asked, as for a tabung.
     */
    async transfer(transfer: TransferRequest, caller: Caller): Promise<SaldoResponse> {
      const { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal } = transfer;
      const operation = { name: 'transfer', data: transfer, answer: Saldo, consentOf: asal, isDebit: true };
      const saldo = await change(operation, caller, { rekening: [asal, tujuan] }, (view, audit) => {
        const mutasiAsal = { ...audit, kode_transaksi: 'D' as const, nominal, no_rekening_lawan: tujuan };
        const mutasiTujuan = { ...audit, kode_transaksi: 'C' as const, nominal, no_rekening_lawan: asal };
        const saldoAsal = saldoSetelah(saldoOf(view, asal), mutasiAsal);
        checkDebit(view, asal, nominal, audit);
        const saldoTujuan = saldoSetelah(saldoOf(view, tujuan), mutasiTujuan);
        view.catat(asal, mutasiAsal, saldoAsal);
        view.catat(tujuan, mutasiTujuan, saldoTujuan);
        return saldoAsal;
      });
      return { saldo: decided(saldo) };
    },

    /** A new PIN (`pinBaru`), with the nasabah's consent: the current PIN. */
    gantiPin: (noRekening: string, pinBaru: string, caller: Caller): Promise<PinResponse> =>
      aturPin(noRekening, pinBaru, caller, 'ganti'),

    /**
     * An operator's reset, for a nasabah who forgot the PIN or is locked out: a new PIN, or none (undefined),
     * with the lockout ended. Who may is decided at the edge (an API key's permission); the audit trail keeps who
     * did.
     */
    resetPin: (noRekening: string, pinBaru: string | undefined, caller: Caller): Promise<PinResponse> =>
      aturPin(noRekening, pinBaru, caller, 'reset'),

    /** Ready when the ledger can be read; the store's StorageUnavailable says why not. */
    async health(): Promise<{ status: 'ok' }> {
      await store.ping();
      return { status: 'ok' };
    },

    async saldo(noRekening: string, caller: Caller): Promise<SaldoResponse> {
      const { saldo } = await consentToRead(noRekening, caller);
      return { saldo };
    },

    /**
     * The whole history, oldest first, optionally only [dari, sampai]: in batches as the store reads them, so the
     * answer to a long history is sent as it is read, never held whole.
     */
    async mutasi(
      noRekening: string,
      rentang: Rentang,
      caller: Caller,
    ): Promise<AsyncIterable<readonly Mutasi[]>> {
      await consentToRead(noRekening, caller);
      const batches = await store.mutasi(noRekening, rentang);
      if (batches === null) throw new RekeningTidakDikenali(noRekening);
      return contractBatches(batches);
    },

    /**
     * One page of the history: the newest `limit` before the `sebelum` cursor (and within [dari, sampai]), oldest
     * first, and a cursor to the page before it while older mutasi remain.
     */
    async halamanMutasi(noRekening: string, query: MutasiQuery, caller: Caller): Promise<MutasiResponse> {
      const { dari, sampai, limit, sebelum } = query;
      await consentToRead(noRekening, caller);
      const before = sebelum === undefined ? undefined : decodeCursor(noRekening, sebelum);
      const page = await store.historyPage(noRekening, {
        limit: limit ?? MUTASI_PER_PAGE_MAX,
        before,
        dari,
        sampai,
      });
      if (page === null) throw new RekeningTidakDikenali(noRekening);
      const mutasi = page.entries.map((entry) => contractFields(entry.mutasi));
      const oldest = page.entries[0];
      return page.hasOlder && oldest !== undefined
        ? { mutasi, sebelum: encodeCursor(noRekening, oldest.position) }
        : { mutasi };
    },
  };
}
