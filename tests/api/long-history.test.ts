// A whole history far larger than any socket buffer, on the store TEST_STORE names: it is streamed with
// backpressure, so a client that stops reading makes the server read (and hold) only a bounded part of it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createApp } from '../../src/app';
import type { Mutasi } from '../../src/domain/schemas';
import type { Store } from '../../src/domain/store';
import { openJsonFileStore, writeDataFile } from '../../src/store/json-file';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { capturingLogger, tempDataFile } from '../helpers';
import { newSchema } from '../postgres';

const NO_REKENING = '5500000001';
/** About 21 MB of JSON: several times what the kernel's socket buffers can take for a client that reads nothing. */
const PANJANG = 300_000;
const BYTES_PER_MUTASI = 70;

const mutasiKe = (index: number): Mutasi => ({
  waktu: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
  kode_transaksi: 'C',
  nominal: 1_000,
});

/** The store with one account holding PANJANG mutasi, written straight into the store's own storage. */
async function storeWithLongHistory(): Promise<Store> {
  const nasabah = { nama: 'Nasabah Panjang', nik: '3201550000000001', no_hp: '081255000001' };
  if (process.env.TEST_STORE === 'postgres') {
    const url = await newSchema('panjang');
    const store = await openPostgresStore(url);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await pool.query(
      `INSERT INTO nasabah (no_rekening, nama, nik, no_hp, saldo) VALUES ($1, $2, $3, $4, $5)`,
      [NO_REKENING, nasabah.nama, nasabah.nik, nasabah.no_hp, PANJANG * 1_000],
    );
    await pool.query(
      `INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal)
       SELECT $1, timestamptz '2026-01-01T00:00:00Z' + (i * interval '1 second'), 'C', 1000
       FROM generate_series(0, $2::int - 1) AS i`,
      [NO_REKENING, PANJANG],
    );
    // As autovacuum would after a bulk load: without statistics the planner may sort the whole history per batch.
    await pool.query('ANALYZE');
    await pool.end();
    return store;
  }
  const dataFile = await tempDataFile();
  const mutasi = Array.from({ length: PANJANG }, (_, index) => mutasiKe(index));
  await writeDataFile(dataFile, {
    nasabah: new Map([[NO_REKENING, { ...nasabah, saldo: PANJANG * 1_000, mutasi }]]),
    idempotensi: new Map(),
    otherFields: {},
  });
  return openJsonFileStore(dataFile);
}

/** The store, counting the mutasi it hands over for whole-history answers and whether each reading ended. */
function counting(store: Store) {
  const seen = { handedOver: 0, open: 0 };
  const wrapped: Store = {
    ...store,
    async mutasi(noRekening, rentang) {
      const batches = await store.mutasi(noRekening, rentang);
      if (batches === null) return null;
      return (async function* () {
        seen.open += 1;
        try {
          for await (const batch of batches) {
            seen.handedOver += batch.length;
            yield batch;
          }
        } finally {
          seen.open -= 1;
        }
      })();
    },
  };
  return { store: wrapped, seen };
}

/** Waits until `value()` has not changed for `quietMs`; bounded by `timeoutMs`. */
async function settled(value: () => number, quietMs = 1_000, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    if (value() !== last) {
      last = value();
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return last;
  }
  throw new Error(`still changing after ${timeoutMs} ms (at ${last})`);
}

describe('GET /mutasi, the whole of a very long history', () => {
  let store: Store;
  let seen: ReturnType<typeof counting>['seen'];
  let server: ReturnType<ReturnType<typeof createApp>['listen']>;
  let port: number;
  const log = capturingLogger();

  beforeAll(async () => {
    const base = await storeWithLongHistory();
    ({ store, seen } = counting(base));
    server = createApp({ store, logger: log.logger, failedRequestLimit: 0 }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await store.close();
  });

  /** A client whose answer arrives paused: Node reads no more from the socket until it is resumed. */
  async function askWholeHistory(): Promise<IncomingMessage> {
    const answer = new Promise<IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/mutasi/${NO_REKENING}`, agent: false }, resolve)
        .on('error', reject);
    });
    const res = await answer;
    res.pause();
    return res;
  }

  it('to a client that stops reading, the server reads only a bounded part of it, and the rest once it reads on', async () => {
    const res = await askWholeHistory();
    expect(res.statusCode).toBe(200);
    const heldFor = await settled(() => seen.handedOver);
    // Socket buffers (a few MB on loopback) plus a batch: far below the whole history.
    expect(heldFor).toBeGreaterThan(0);
    expect(heldFor * BYTES_PER_MUTASI).toBeLessThan(8 * 1024 * 1024);
    expect(heldFor).toBeLessThan(PANJANG / 2);

    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.resume();
    await once(res, 'end');
    const { mutasi } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { mutasi: Mutasi[] };
    expect(mutasi).toHaveLength(PANJANG);
    expect(mutasi[0]).toEqual(mutasiKe(0));
    expect(mutasi.at(-1)).toEqual(mutasiKe(PANJANG - 1));
    expect(seen.handedOver).toBe(PANJANG);
    expect(seen.open).toBe(0);
  }, 60_000);

  it('while it streams to a client that reads fast, other requests are answered before it ends', async () => {
    // The reader is another process, as a real client is: one in this process could not read while the server
    // held the event loop, so the server's socket would fill up and stop it anyway.
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').get({ host: '127.0.0.1', port: ${port}, path: '/mutasi/${NO_REKENING}' }, (res) => {
           res.once('data', () => console.log('started'));
           res.on('data', () => undefined).on('end', () => console.log('ended'));
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const said: string[] = [];
    reader.stdout.on('data', (chunk: Buffer) => said.push(...chunk.toString().trim().split('\n')));
    const exited = once(reader, 'exit');
    while (!said.includes('started')) await sleep(5);
    const saldo = await new Promise<number | undefined>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/saldo/${NO_REKENING}`, agent: false }, (answer) => {
          answer.resume();
          answer.on('end', () => resolve(answer.statusCode));
        })
        .on('error', reject);
    });
    expect(saldo).toBe(200);
    expect(said).toEqual(['started']);
    await exited;
    expect(said).toEqual(['started', 'ended']);
  }, 60_000);

  async function getJson(path: string): Promise<{ mutasi: Mutasi[]; sebelum?: string }> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { mutasi: Mutasi[]; sebelum?: string };
  }

  it('with dari and sampai, the whole history and a page hold exactly the mutasi in that span', async () => {
    const waktu = (index: number) => encodeURIComponent(mutasiKe(index).waktu);
    const span = await getJson(`/mutasi/${NO_REKENING}?dari=${waktu(150_000)}&sampai=${waktu(150_099)}`);
    expect(span.mutasi).toEqual(Array.from({ length: 100 }, (_, i) => mutasiKe(150_000 + i)));

    const old = await getJson(`/mutasi/${NO_REKENING}?limit=5&sampai=${waktu(50)}`);
    expect(old.mutasi).toEqual([46, 47, 48, 49, 50].map(mutasiKe));
    expect(old.sebelum).toBeDefined();
    const recent = await getJson(`/mutasi/${NO_REKENING}?limit=5&dari=${waktu(PANJANG - 8)}`);
    expect(recent.mutasi).toEqual([3, 4, 5, 6, 7].map((i) => mutasiKe(PANJANG - 8 + i)));
    const rest = await getJson(
      `/mutasi/${NO_REKENING}?limit=5&dari=${waktu(PANJANG - 8)}&sebelum=${recent.sebelum ?? ''}`,
    );
    expect(rest.mutasi).toEqual([0, 1, 2].map((i) => mutasiKe(PANJANG - 8 + i)));
    expect(rest.sebelum).toBeUndefined();
  }, 60_000);

  it('HEAD answers 200 and reads no more than the first batch of the history', async () => {
    seen.handedOver = 0;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http
        .request(
          { host: '127.0.0.1', port, method: 'HEAD', path: `/mutasi/${NO_REKENING}`, agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    expect(seen.handedOver).toBeLessThanOrEqual(1_000);
  });

  it('to a client that goes away mid-answer, the server stops reading the history', async () => {
    seen.handedOver = 0;
    const res = await askWholeHistory();
    const heldFor = await settled(() => seen.handedOver);
    res.destroy();
    await settled(() => seen.open, 500);
    expect(seen.open).toBe(0);
    expect(seen.handedOver).toBeLessThan(PANJANG / 2);
    expect(seen.handedOver - heldFor).toBeLessThan(PANJANG / 10);
    // The answer never finished, and its request still has its log line, saying so.
    const lines = log.lines.map((line) => JSON.parse(line) as { msg: string; path?: string });
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'request cut off before its answer was complete',
        path: `/mutasi/${NO_REKENING}`,
      }),
    );
  }, 60_000);
});
