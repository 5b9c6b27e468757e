// One client against another, on the store TEST_STORE names: a greedy or faulty caller is refused, cheaply,
// and the others are served; nothing a refused request carried is moved, and nothing admitted is lost.
import { once } from 'node:events';
import net from 'node:net';
import request from 'supertest';
import type { Express } from 'express';
import { StorageUnavailable } from '../../src/domain/errors';
import type { BudgetSettings } from '../../src/http/budgets';
import type { HistoryPage, Rentang, Store } from '../../src/domain/store';
import { apiKeyFor, capturingLogger, dataNasabah, listen, makeAnyStoreApp } from '../helpers';

const TOKENS = {
  penyerang: 'token-penyerang-0123456789abcdefghijklmnopqrs',
  korban: 'token-korban-0123456789abcdefghijklmnopqrstuvw',
};
const apiKey = (name: keyof typeof TOKENS) => apiKeyFor(name, TOKENS[name]);
const ACCESS = { mode: 'apiKeys' as const, apiKeys: [apiKey('penyerang'), apiKey('korban')] };
/** Small enough to reach in a test: 5 requests a second, a burst of 10. */
const BUDGET: BudgetSettings = {
  requestsPerSecond: 5,
  daftarPerHour: 3,
  maxQueuedChanges: 10,
  summaryIntervalMs: 200,
};
const bearer = (name: keyof typeof TOKENS) => `Bearer ${TOKENS[name]}`;

async function rekening(app: Express, nominal = 0): Promise<string> {
  const res = await request(app)
    .post('/daftar')
    .set('Authorization', bearer('korban'))
    .send(dataNasabah())
    .expect(200);
  const { no_rekening } = res.body as { no_rekening: string };
  if (nominal > 0) {
    await request(app)
      .post('/tabung')
      .set('Authorization', bearer('korban'))
      .send({ no_rekening, nominal })
      .expect(200);
  }
  return no_rekening;
}

const saldoOf = async (app: Express, noRekening: string) =>
  (
    (await request(app).get(`/saldo/${noRekening}`).set('Authorization', bearer('korban')).expect(200))
      .body as { saldo: number }
  ).saldo;

/** Writes `count` copies of a request on one connection at once, and collects the statuses until it closes. */
async function pipeline(baseUrl: string, oneRequest: string, count: number): Promise<number[]> {
  const { port } = new URL(baseUrl);
  const socket = net.connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write(oneRequest.repeat(count));
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  socket.destroy();
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('when a client pipelines valid POST /tabung past its budget', () => {
  it('moves only what its budget admitted, refuses the rest with 429, closes its connection, and serves others', async () => {
    const { logger, lines } = capturingLogger();
    // A queue roomy enough that the budget, not the client's share of the queue, is what refuses.
    const t = await makeAnyStoreApp({
      access: ACCESS,
      budget: { ...BUDGET, maxQueuedChanges: 1_000 },
      logger,
    });
    const noRekening = await rekening(t.app);
    const server = await listen(t.app);
    const body = JSON.stringify({ no_rekening: noRekening, nominal: 1_000 });
    const one =
      `POST /tabung HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer('penyerang')}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

    const statuses = await pipeline(server.baseUrl, one, 200);
    await server.close();

    const moved = countOf(statuses, 200);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(2 * BUDGET.requestsPerSecond + 1);
    expect(statuses.length - moved).toBe(countOf(statuses, 429));
    expect(countOf(statuses, 429)).toBeGreaterThan(0);
    // Nothing refused moved, nothing admitted was lost; the other client is served at once.
    expect(await saldoOf(t.app, noRekening)).toBe(moved * 1_000);
    await request(t.app)
      .post('/tabung')
      .set('Authorization', bearer('korban'))
      .send({ no_rekening: noRekening, nominal: 1 })
      .expect(200);
    // The flood is summed up in the log, not written a line per refused request.
    await new Promise((resolve) => setTimeout(resolve, 2 * (BUDGET.summaryIntervalMs ?? 0)));
    const log = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(log.filter((line) => line.status === 429)).toEqual([]);
    const summary = log.find((line) => line.msg === 'requests refused over budget');
    expect(summary).toMatchObject({ client: 'apiKey penyerang' });
    expect(summary?.refused).toBeGreaterThanOrEqual(countOf(statuses, 429));
  });
});

describe('when a client floods with a wrong token', () => {
  it('answers 401 within its address budget, then 429, and the client with a key is served', async () => {
    const t = await makeAnyStoreApp({ access: ACCESS, budget: BUDGET });
    const noRekening = await rekening(t.app, 5_000);
    const server = await listen(t.app);
    const one = `GET /saldo/${noRekening} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer salah\r\n\r\n`;

    const statuses = await pipeline(server.baseUrl, one, 100);
    await server.close();

    expect(countOf(statuses, 401)).toBeLessThanOrEqual(2 * BUDGET.requestsPerSecond + 1);
    expect(countOf(statuses, 429)).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    expect(await saldoOf(t.app, noRekening)).toBe(5_000);
  });
});

describe('POST /daftar per client', () => {
  it(`registers at most ${BUDGET.daftarPerHour} an hour per client, then 429 with Retry-After; failed ones do not count`, async () => {
    const t = await makeAnyStoreApp({ access: ACCESS, budget: BUDGET });
    const daftar = (data: object) =>
      request(t.app).post('/daftar').set('Authorization', bearer('penyerang')).send(data);
    const first = dataNasabah();
    await daftar(first).expect(200);
    // Refused (the nik is taken): no account was made, so the hour keeps its place.
    await daftar({ ...dataNasabah(), nik: first.nik }).expect(400);
    await daftar(dataNasabah()).expect(200);
    await daftar(dataNasabah()).expect(200);

    const refused = await daftar(dataNasabah()).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3_500);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3_600);
    expect((refused.body as { remark: string }).remark).toMatch(/3 nasabah dalam satu jam/);
    // Another client's hour is its own.
    await request(t.app)
      .post('/daftar')
      .set('Authorization', bearer('korban'))
      .send(dataNasabah())
      .expect(200);
  });
});

/** The store, with every change from `hold()` on held until `release()`: a test fills the queue of changes. */
function heldChanges(store: Store) {
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const wrapped: Store = {
    change: async (names, decide) => {
      await gate;
      return store.change(names, decide);
    },
    saldo: (noRekening) => store.saldo(noRekening),
    rekening: (noRekening) => store.rekening(noRekening),
    mutasi: (noRekening, rentang) => store.mutasi(noRekening, rentang),
    historyPage: (noRekening, page) => store.historyPage(noRekening, page),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  return {
    wrapped,
    hold: () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

describe('the queue of changes', () => {
  it('lets one client hold only its share, answers it 429 (not counted as its failure), and keeps room for others', async () => {
    let held: ReturnType<typeof heldChanges> | undefined;
    const t = await makeAnyStoreApp({
      access: ACCESS,
      budget: { ...BUDGET, requestsPerSecond: 1_000 },
      failedRequestLimit: 2,
      wrapStore: (store) => {
        held = heldChanges(store);
        return held.wrapped;
      },
    });
    const noRekening = await rekening(t.app);
    const tabung = (name: keyof typeof TOKENS) =>
      request(t.app)
        .post('/tabung')
        .set('Authorization', bearer(name))
        .send({ no_rekening: noRekening, nominal: 1_000 })
        .then((res) => res.status);

    held?.hold();
    const penyerang = Array.from({ length: 12 }, () => tabung('penyerang'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const korban = tabung('korban');
    await new Promise((resolve) => setTimeout(resolve, 100));
    held?.release();
    const statuses = await Promise.all(penyerang);

    // Of a queue of 10, a lone greedy client gets what leaves as much free: 5.
    expect(countOf(statuses, 200)).toBe(5);
    expect(countOf(statuses, 429)).toBe(7);
    expect(await korban).toBe(200);
    expect(await saldoOf(t.app, noRekening)).toBe(6 * 1_000);
    // Seven 429s and the failure limit of 2: it is still served, since a limit's refusal is not its failure.
    await request(t.app).get(`/saldo/${noRekening}`).set('Authorization', bearer('penyerang')).expect(200);
  });
});

describe('when a connection dies with changes pipelined behind an unfinished answer', () => {
  it('gives its client’s share of the queue back, though Node never closes the answers queued behind', async () => {
    let held: ReturnType<typeof heldChanges> | undefined;
    const t = await makeAnyStoreApp({
      access: ACCESS,
      budget: { ...BUDGET, requestsPerSecond: 1_000 },
      wrapStore: (store) => {
        held = heldChanges(store);
        return held.wrapped;
      },
    });
    const noRekening = await rekening(t.app);
    const server = await listen(t.app);
    held?.hold();
    const body = JSON.stringify({ no_rekening: noRekening, nominal: 1 });
    const one =
      `POST /tabung HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer('penyerang')}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const socket = net.connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    socket.write(one.repeat(6));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    held?.release();
    await new Promise((resolve) => setTimeout(resolve, 300));

    // A queue of 10: were the 5 places of the dead connection still taken, 5 new changes would get 429.
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(server.baseUrl)
          .post('/tabung')
          .set('Authorization', bearer('penyerang'))
          .send({ no_rekening: noRekening, nominal: 1 })
          .then((res) => res.status),
      ),
    );
    await server.close();
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('GET /health under a flood from the same address', () => {
  it('keeps answering: the probe has a budget of its own', async () => {
    const t = await makeAnyStoreApp({ access: ACCESS, budget: BUDGET });
    const flood = await Promise.all(
      Array.from({ length: 2 * BUDGET.requestsPerSecond + 5 }, () =>
        request(t.app)
          .get('/saldo/1234567890')
          .set('Authorization', 'Bearer salah')
          .then((res) => res.status),
      ),
    );
    expect(flood).toContain(429);
    await request(t.app).get('/health').expect(200);
  });
});

describe('a POST answered before its body has arrived', () => {
  it('closes the connection, so a trickled body cannot hold it', async () => {
    const t = await makeAnyStoreApp({ access: ACCESS, budget: BUDGET });
    const server = await listen(t.app);
    const socket = net.connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    socket.write(
      'POST /tabung HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer salah\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"no_rekening"',
    );
    const timeout = new Promise((resolve) => setTimeout(() => resolve('open'), 3_000));
    const outcome = await Promise.race([closed.then(() => 'closed'), timeout]);
    socket.destroy();
    await server.close();
    expect(text).toMatch(/^HTTP\/1\.1 401 /);
    expect(text).toMatch(/connection: close/i);
    expect(outcome).toBe('closed');
  });
});

/** The store, failing every call with StorageUnavailable while `broken` is set: a fault an operator then fixes. */
function faultyWhile(store: Store, isBroken: () => boolean): Store {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      isBroken()
        ? Promise.reject(new StorageUnavailable('berkas data tidak valid, perbaiki dulu'))
        : call(...args);
  return {
    change: (names, decide) => guard(() => store.change(names, decide))(),
    saldo: guard((noRekening: string) => store.saldo(noRekening)),
    rekening: guard((noRekening: string) => store.rekening(noRekening)),
    mutasi: guard((noRekening: string, rentang: Rentang) => store.mutasi(noRekening, rentang)),
    historyPage: guard((noRekening: string, page: HistoryPage) => store.historyPage(noRekening, page)),
    ping: guard(() => store.ping()),
    close: () => store.close(),
  };
}

describe('after a storage fault is fixed', () => {
  it('serves every client at once: 503s never counted as anyone’s failures', async () => {
    let isBroken = false;
    const t = await makeAnyStoreApp({
      access: ACCESS,
      budget: { ...BUDGET, requestsPerSecond: 1_000 },
      failedRequestLimit: 3,
      wrapStore: (store) => faultyWhile(store, () => isBroken),
    });
    const noRekening = await rekening(t.app, 2_000);
    isBroken = true;
    for (let i = 0; i < 10; i += 1) {
      await request(t.app).get(`/saldo/${noRekening}`).set('Authorization', bearer('korban')).expect(503);
    }
    isBroken = false;
    expect(await saldoOf(t.app, noRekening)).toBe(2_000);
  });
});
