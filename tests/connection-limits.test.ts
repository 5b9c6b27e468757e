// Slow and greedy clients at the socket level: timeouts, the connection cap and pipelining, on a real server.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { CONNECTION_LIMITS, createHttpServer, type ConnectionLimits } from '../src/http/connections';
import { MAX_PIPELINED_REQUESTS } from '../src/http/limits';
import { daftarNasabah, makeTestApp, saldo, type TestApp } from './helpers';

/** The documented limits, scaled down so that the tests wait a second, not half a minute. */
const SHORT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  idleTimeoutMs: 1_500,
  maxConnections: 8,
  maxConnectionsPerAddress: 8,
};

let t: TestApp;
let server: Server;
let port: number;

beforeAll(async () => {
  t = await makeTestApp();
  server = createHttpServer(t.app, SHORT_LIMITS);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** A raw connection that collects everything the server sends until it closes. */
async function connect(toPort = port): Promise<{ socket: net.Socket; received: Promise<string> }> {
  const socket = net.connect(toPort, '127.0.0.1');
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

describe('when every connection slot is taken', () => {
  // One address may hold every slot here, so that the cap for the whole process is what is tested.
  let capped: Server;
  let cappedPort: number;
  beforeAll(async () => {
    capped = createHttpServer(t.app, { ...SHORT_LIMITS, maxConnectionsPerAddress: 100 });
    capped.listen(0, '127.0.0.1');
    await once(capped, 'listening');
    cappedPort = (capped.address() as AddressInfo).port;
  });
  afterAll(async () => {
    capped.closeAllConnections();
    await new Promise((resolve) => capped.close(resolve));
  });

  it('sheds the oldest connection that never sent a request, so a client with a whole request gets in', async () => {
    const slow = [];
    for (let i = 0; i < SHORT_LIMITS.maxConnections; i += 1) {
      const connection = await connect(cappedPort);
      // Slow headers: a request line, and then nothing.
      connection.socket.write('GET /health HTTP/1.1\r\n');
      slow.push(connection);
    }
    const newcomer = await connect(cappedPort);
    newcomer.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(await newcomer.received).toMatch(/^HTTP\/1\.1 200 /);
    // The oldest slow one went, closed without an answer; the rest are still open.
    const [oldest, ...others] = slow;
    expect(await oldest?.received).toBe('');
    expect(others.every(({ socket }) => !socket.destroyed)).toBe(true);
    for (const { socket } of others) socket.destroy();
    await Promise.all(others.map(({ received }) => received));
  });

  it('turns the new connection away when every open one has sent a request', async () => {
    const served = [];
    for (let i = 0; i < SHORT_LIMITS.maxConnections; i += 1) {
      const connection = await connect(cappedPort);
      connection.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      served.push(connection);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = await connect(cappedPort);
    expect(await extra.received).toBe('');
    expect(served.every(({ socket }) => !socket.destroyed)).toBe(true);
    for (const { socket } of served) socket.destroy();
    await Promise.all(served.map(({ received }) => received));
    expect((await fetch(`http://127.0.0.1:${cappedPort}/health`)).status).toBe(200);
  });
});

it('closes a connection whose client stopped reading its answers, after the idle timeout', async () => {
  const { socket, received } = await connect();
  socket.pause();
  // Public, 1.7 MB each: far more than the socket buffers hold, so the server's writes stall.
  socket.write('GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(4));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await openConnections()).toBeGreaterThanOrEqual(1);
  // The timeout counts from the last byte the server managed to write, once the socket buffers are full.
  const deadline = Date.now() + 8_000;
  while ((await openConnections()) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await openConnections()).toBe(0);
  socket.destroy();
  await received;
});

it('closes connections from one address beyond its share', async () => {
  const perAddress = createHttpServer(t.app, { ...SHORT_LIMITS, maxConnectionsPerAddress: 3 });
  perAddress.listen(0, '127.0.0.1');
  await once(perAddress, 'listening');
  const ownPort = (perAddress.address() as AddressInfo).port;
  const sockets = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const socket = net.connect(ownPort, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      return socket;
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(sockets.filter((socket) => socket.destroyed || socket.readableEnded).length).toBe(1);
  for (const socket of sockets) socket.destroy();
  perAddress.closeAllConnections();
  await new Promise((resolve) => perAddress.close(resolve));
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
