// The attacker of one fairness scenario, as its own process on its own core (bench/fairness-processes.ts starts
// it): prints `started` once its connections are under way, and its tally as one JSON line when its stdin ends or
// its plan's time is up. Every loop here stops at its count or its time, whichever comes first.
import http from 'node:http';
import net from 'node:net';
import { sleep } from './http-timing';
import type { LoadPlan, LoadResult } from './fairness-processes';
import { AnswerParser, countInto, httpRequest, newTally, runPipelinedSlot } from './pipelined-client';
import { seededNoRekening } from './seed';

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const deadline = performance.now() + plan.maxMs;
const tally: LoadResult = newTally();
let stopped = false;
const isStopped = () => stopped || performance.now() >= deadline;

/** The attacker's own address; the victim is 127.0.0.1, so a per-address limit tells them apart. */
const ATTACKER_ADDRESS = '127.0.0.2';
const SLOW_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const randomAccount = () => seededNoRekening(Math.floor(Math.random() * plan.accounts));

/** `connections` slots, each keeping `depth` requests ahead of their answers. */
function pipelined(connections: number, depth: number, nextRequest: () => string): void {
  for (let slot = 0; slot < connections; slot += 1) {
    void runPipelinedSlot({
      port: plan.port,
      localAddress: ATTACKER_ADDRESS,
      depth,
      nextRequest,
      stopped: isStopped,
      deadline,
      maxRequests: 500_000,
      connectsPerSecond: 5,
      tally,
    });
  }
}

/** Registrations that are all new: nik and no_hp carry a counter, in ranges the seed never uses. */
let registered = 0;
function daftarRequest(): string {
  registered += 1;
  const n = String(registered).padStart(10, '0');
  return httpRequest('POST', '/daftar', plan.token, {
    nama: `Penyerang ${n}`,
    nik: `990000${n}`,
    no_hp: `089${n}`,
  });
}

/** Readers of the whole long history, each on its own keep-alive connection, reading and dropping every byte. */
async function streamReader(): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seen = new WeakSet<net.Socket>();
  for (let read = 0; read < 10_000 && !isStopped(); read += 1) {
    const failed = await new Promise<boolean>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: plan.port,
          localAddress: ATTACKER_ADDRESS,
          path: `/mutasi/${plan.longNoRekening}`,
          agent,
          headers: { authorization: `Bearer ${plan.token}` },
        },
        (res) => {
          res.on('data', (chunk: Buffer) => (tally.mbRead = (tally.mbRead ?? 0) + chunk.length / 1e6));
          res.once('end', () => {
            countInto(tally.statuses, String(res.statusCode));
            resolve(res.statusCode !== 200);
          });
          res.once('error', (error: NodeJS.ErrnoException) => {
            countInto(tally.errors, error.code ?? error.message);
            resolve(true);
          });
        },
      );
      req.once('socket', (socket) => {
        if (!seen.has(socket)) tally.connects += 1;
        seen.add(socket);
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.once('error', (error: NodeJS.ErrnoException) => {
        countInto(tally.errors, error.code ?? error.message);
        resolve(true);
      });
      req.end();
    });
    // A refused reader retries, at most 5 times a second: it reconnects, since the server may have closed on it.
    if (failed) await sleep(200);
  }
}

/** Slow headers: how long the server kept each connection that had connected. */
const held: number[] = [];

/**
 * Connections that send a request line and then one header byte a second, never finishing; a slot whose
 * connection is closed opens another, at most once a second.
 */
function slowHeaders(slots: number): void {
  const open = new Set<net.Socket>();
  const drip = setInterval(() => {
    tally.peakOpen = Math.max(tally.peakOpen ?? 0, open.size);
    for (const socket of open) socket.write('a');
  }, 1_000);
  drip.unref();
  const slot = async (index: number) => {
    const localAddress = SLOW_ADDRESSES[index % SLOW_ADDRESSES.length];
    for (let connect = 0; connect < 1_000 && !isStopped(); connect += 1) {
      const openedAt = performance.now();
      await new Promise<void>((resolve) => {
        const socket = net.connect({ port: plan.port, host: '127.0.0.1', localAddress });
        tally.connects += 1;
        const parser = new AnswerParser();
        socket.once('connect', () => {
          open.add(socket);
          socket.write(`GET /saldo/${randomAccount()} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pelan: `);
        });
        socket.on('data', (chunk: Buffer) => {
          for (const answer of parser.push(chunk)) countInto(tally.statuses, String(answer.status));
        });
        socket.on('error', (error: NodeJS.ErrnoException) =>
          countInto(tally.errors, error.code ?? error.message),
        );
        socket.once('close', () => {
          if (open.delete(socket)) held.push(performance.now() - openedAt);
          resolve();
        });
      });
      await sleep(Math.max(0, openedAt + 1_000 - performance.now()));
    }
  };
  for (let index = 0; index < slots; index += 1) void slot(index);
}

/** The attack the plan names, at the sizes of the scenarios' names (bench/fairness.ts). */
const ATTACKS: Record<LoadPlan['kind'], () => void> = {
  'pipelined-tabung': () =>
    pipelined(64, 16, () =>
      httpRequest('POST', '/tabung', plan.token, { no_rekening: randomAccount(), nominal: 1_000 }),
    ),
  'wrong-token': () => pipelined(64, 16, () => httpRequest('GET', `/saldo/${randomAccount()}`, plan.token)),
  daftar: () => pipelined(16, 1, daftarRequest),
  streams: () => {
    for (let reader = 0; reader < 32; reader += 1) void streamReader();
  },
  'slow-headers': () => slowHeaders(1_200),
};

/** Prints the tally and exits, leaving whatever is still in flight: the server is stopped next anyway. */
let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  stopped = true;
  if (held.length > 0) tally.medianHeldMs = held.sort((a, b) => a - b)[Math.floor(held.length / 2)];
  process.stdout.write(`${JSON.stringify(tally)}\n`, () => process.exit(0));
}

process.stdin.once('end', finish);
process.stdin.resume();
setTimeout(finish, plan.maxMs);
ATTACKS[plan.kind]();
process.stdout.write('started\n');
