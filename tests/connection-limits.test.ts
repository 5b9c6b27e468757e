// Slow and greedy clients at the socket level: timeouts, the connection cap and pipelining, on a real server.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { CONNECTION_LIMITS, MAX_PIPELINED_REQUESTS, createHttpServer } from '../src/http/limits';
import { daftarNasabah, makeTestApp, saldo, type TestApp } from './helpers';

let t: TestApp;
let server: Server;
let port: number;

beforeAll(async () => {
  t = await makeTestApp();
  server = createHttpServer(t.app, { headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnections: 8 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A raw connection that collects everything the server sends until it closes. */
async function connect(): Promise<{ socket: net.Socket; received: Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const received = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  socket.on('error', () => undefined);
  return { socket, received };
}

it('keeps the documented defaults: headers within 10 s, the whole request within 30 s', () => {
  expect(CONNECTION_LIMITS).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
});

it('answers 408 and closes a connection whose headers do not arrive in time', async () => {
  const { socket, received } = await connect();
  const started = Date.now();
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lambat: ');
  const text = await received;
  expect(text).toMatch(/^HTTP\/1\.1 408/);
  expect(Date.now() - started).toBeLessThan(3_000);
});

it('answers 408 to a body trickled past the request timeout, and moves nothing', async () => {
  const noRekening = await daftarNasabah(t.app);
  const body = JSON.stringify({ no_rekening: noRekening, nominal: 5_000 });
  const { socket, received } = await connect();
  socket.write(
    `POST /tabung HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < body.length - 1 && !socket.destroyed) socket.write(body[sent++] ?? '');
  }, 100);
  const text = await received;
  clearInterval(trickle);
  expect(text).toMatch(/^HTTP\/1\.1 408/);
  expect(await saldo(t.app, noRekening)).toBe(0);
});

it('closes connections beyond the cap at once, and serves again when they go', async () => {
  const open = await Promise.all(Array.from({ length: 8 }, () => connect()));
  const extra = await connect();
  expect(await extra.received).toBe('');
  for (const { socket } of open) socket.destroy();
  await Promise.all(open.map(({ received }) => received));
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  expect(res.status).toBe(200);
});

it(`answers 429 to pipelined requests beyond ${MAX_PIPELINED_REQUESTS} in flight, and moves exactly the 200s`, async () => {
  const noRekening = await daftarNasabah(t.app);
  const body = JSON.stringify({ no_rekening: noRekening, nominal: 1 });
  const one = `POST /tabung HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const { socket, received } = await connect();
  // Not ended from this side: a client that half-closes makes Node drop the answers still queued.
  socket.write(one.repeat(200));
  const statuses = [...(await received).matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));

  const ok = statuses.filter((status) => status === 200).length;
  expect(ok).toBeGreaterThan(0);
  expect(ok).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
  expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
  expect(await saldo(t.app, noRekening)).toBe(ok);
  // The connection was the greedy one; others are served as usual.
  await request(t.app).get(`/saldo/${noRekening}`).expect(200);
});
