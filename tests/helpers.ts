// Shared test set-up: an app on its own temp data file, and factories that make valid, unique nasabah data.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp, type AppDeps } from '../src/app';
import { createPinHasher } from '../src/domain/pin';
import type { Access, ApiKey } from '../src/http/auth';
import type { BudgetSettings } from '../src/http/budgets';
import type { DaftarRequest, MutasiTercatat as Mutasi } from '../src/domain/schemas';
import { openJsonFileStore, type JsonFileStoreOptions } from '../src/store/json-file';
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import { newSchema } from './postgres';
import { checkAnswers, disagreements } from './conformance';
import type { Store } from '../src/domain/store';

const tempDirs: string[] = [];

// Every answer of an app made here was checked against its OpenAPI document (conformance.ts); any disagreement
// fails the test file, listed.
afterAll(() => {
  expect(disagreements.splice(0)).toEqual([]);
});

afterAll(async () => {
  // The stores first: a write session still running (its fold at the end) would write into a directory being
  // removed, and the removal fail with ENOTEMPTY.
  await Promise.all(openStores.splice(0).map((store) => store.close()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory, removed after the test file; returns the path a data file would have there. */
export async function tempDataFile(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabungan-'));
  tempDirs.push(dir);
  return path.join(dir, 'nasabah.json');
}

export const silentLogger = pino({ level: 'silent' });

/** A logger whose lines (JSON text) land in `lines`, for tests of what the log shows and hides. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

/**
 * The app's own defaults, except the failed-request limit: the suites that send hundreds of bad requests test
 * answers, not the limit, which security.test.ts covers.
 */
function testAppOptions(options: { clock?: () => Date }) {
  return { failedRequestLimit: 0, ...(options.clock ? { clock: options.clock } : {}) };
}

/** createApp's default access: open mode, loopback Host names only. */
const OPEN: Access = { mode: 'open', anyHost: false };

export interface TestApp {
  app: Express;
  store: Store;
  dataFile: string;
}

export async function makeTestApp(
  options: { dataFile?: string; clock?: () => Date; store?: JsonFileStoreOptions; logger?: Logger } = {},
): Promise<TestApp> {
  const dataFile = options.dataFile ?? (await tempDataFile());
  const store = await openJsonFileStore(dataFile, options.store);
  openStores.push(store);
  const app = createApp({ store, logger: options.logger ?? silentLogger, ...testAppOptions(options) });
  checkAnswers(app, { access: OPEN, budgeted: false });
  return { app, store, dataFile };
}

/** Stores opened here, closed after the test file (before its directories are removed). */
const openStores: Store[] = [];

let schemaCount = 0;

/**
 * An app on the store TEST_STORE names (json by default, or postgres), for the API tests whose every
 * assertion must hold for both stores. `.ci/run` runs those files once per store.
 */
/** With the JSON store, `dataFile` is its file, so a test can also check the bytes on disk. */
export type AnyStoreApp = Pick<TestApp, 'app' | 'store'> & { dataFile?: string; databaseUrl?: string };

/** What a test may set beyond the defaults: who may call, the failure limit, and the stores' own bounds. */
export interface AnyStoreAppOptions {
  clock?: () => Date;
  access?: Access;
  failedRequestLimit?: number;
  /** The queue's bound goes to the store; the key bound to the domain. */
  budget?: BudgetSettings;
  logger?: Logger;
  /** Puts something between the app and the store (a fault, a delay); the store itself is still closed after. */
  wrapStore?: (store: Store) => Store;
  storeLimits?: { maxQueuedChanges?: number; idempotencyKeysPerClient?: number };
  /** The PIN rules; PINs are hashed at a test's cost (TEST_PIN_HASHER) unless a test says otherwise. */
  pins?: AppDeps['pins'];
}

/** scrypt at N = 1024: the same code and format as the server's N = 16384, at a sixteenth of the time. */
export const TEST_PIN_HASHER = createPinHasher({ log2Cost: 10 });

export async function makeAnyStoreApp(options: AnyStoreAppOptions = {}): Promise<AnyStoreApp> {
  const { store, dataFile, databaseUrl } = await openAnyStore(options.storeLimits);
  const keysPerClient = options.storeLimits?.idempotencyKeysPerClient;
  const app = createApp({
    store: options.wrapStore ? options.wrapStore(store) : store,
    logger: options.logger ?? silentLogger,
    ...testAppOptions(options),
    ...(options.access ? { access: options.access } : {}),
    ...(options.failedRequestLimit === undefined ? {} : { failedRequestLimit: options.failedRequestLimit }),
    budget: options.budget,
    ...(keysPerClient === undefined ? {} : { idempotencyKeysPerClient: keysPerClient }),
    pins: { pinHasher: TEST_PIN_HASHER, ...options.pins },
  });
  checkAnswers(app, { access: options.access ?? OPEN, budgeted: options.budget !== undefined });
  return {
    app,
    store,
    ...(dataFile === undefined ? {} : { dataFile }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
  };
}

/** The store TEST_STORE names, fresh and empty; closed after the test file. */
export async function openAnyStore({ maxQueuedChanges }: AnyStoreAppOptions['storeLimits'] = {}): Promise<{
  store: Store;
  dataFile?: string;
  databaseUrl?: string;
}> {
  const limits = maxQueuedChanges === undefined ? {} : { maxQueuedChanges };
  schemaCount += 1;
  if (process.env.TEST_STORE === 'postgres') {
    const databaseUrl = await newSchema(`api${schemaCount}`);
    const store = await openPostgresStore(databaseUrl, limits);
    openStores.push(store);
    return { store, databaseUrl };
  }
  const dataFile = await tempDataFile();
  const store = await openJsonFileStore(dataFile, limits);
  openStores.push(store);
  return { store, dataFile };
}

let counter = 0;

/** Valid registration data whose nik and no_hp no other call of this function returns. */
export function dataNasabah(): DaftarRequest;
export function dataNasabah<T extends Record<string, unknown>>(
  overrides: T,
): Omit<DaftarRequest, keyof T> & T;
export function dataNasabah(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const digits = String(counter).padStart(8, '0');
  return { nama: `Nasabah ${counter}`, nik: `32010101${digits}`, no_hp: `0812${digits}`, ...overrides };
}

export async function daftarNasabah(app: Express, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await request(app).post('/daftar').send(dataNasabah(overrides)).expect(200);
  return (res.body as { no_rekening: string }).no_rekening;
}

export async function tabung(app: Express, noRekening: string, nominal: number): Promise<void> {
  await request(app).post('/tabung').send({ no_rekening: noRekening, nominal }).expect(200);
}

/** An API_KEYS entry for `token`, as config.ts would read it: the client's name and the token's SHA-256. */
export function apiKeyFor(
  name: string,
  token: string,
  readOnly = false,
  { mayResetPin = false }: { mayResetPin?: boolean } = {},
): ApiKey {
  return { name, sha256: createHash('sha256').update(token).digest(), readOnly, mayResetPin };
}

/** A mutasi as GET /mutasi answers it. */
export interface MutasiBody {
  waktu: string;
  kode_transaksi: 'C' | 'D';
  nominal: number;
  no_rekening_lawan?: string;
}

/** The whole history as GET /mutasi answers it, through the app or a running server's URL. */
export async function mutasiOf(app: Express | string, noRekening: string): Promise<MutasiBody[]> {
  const res = await request(app).get(`/mutasi/${noRekening}`).expect(200);
  return (res.body as { mutasi: MutasiBody[] }).mutasi;
}

export async function saldo(app: Express, noRekening: string): Promise<number> {
  const res = await request(app).get(`/saldo/${noRekening}`).expect(200);
  return (res.body as { saldo: number }).saldo;
}

interface MutasiSeed {
  waktu?: string;
  kode_transaksi: string;
  nominal: number;
  /** Only on a transfer's mutasi; any value, so that a test can also seed a broken one. */
  no_rekening_lawan?: unknown;
}

/** A stored nasabah as someone seeding the file by hand would write it. */
export function nasabahTersimpan(
  overrides: Partial<{ nama: string; nik: string; no_hp: string; saldo: number; mutasi: MutasiSeed[] }> = {},
) {
  const { nama, nik, no_hp } = dataNasabah();
  const mutasi = (overrides.mutasi ?? []).map((m) => ({ waktu: '2026-11-29T02:03:04.567Z', ...m }));
  return { nama, nik, no_hp, saldo: 0, ...overrides, mutasi };
}

/** Writes a data file by hand, pretty-printed, as a person would. */
export async function seedDataFile(dataFile: string, nasabah: Record<string, unknown>): Promise<string> {
  const teks = JSON.stringify({ nasabah }, null, 2);
  await writeFile(dataFile, teks);
  return teks;
}

/** Serves the app on a free loopback port, for clients that supertest cannot imitate. */
export async function listen(app: Express): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The whole history a store streams, collected (null for an unknown account): for asserting on it at once. */
export async function readMutasi(store: Store, noRekening: string): Promise<Mutasi[] | null> {
  const batches = await store.mutasi(noRekening, {});
  if (batches === null) return null;
  const mutasi: Mutasi[] = [];
  for await (const batch of batches) mutasi.push(...batch);
  return mutasi;
}
