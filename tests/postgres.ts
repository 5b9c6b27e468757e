// A real PostgreSQL server for the tests (TEST_DATABASE_URL, started by .ci/run). Each test file works in a
// schema of its own, so files running in parallel never see each other's rows.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
/** CI always provides the database, so there a missing URL fails the run instead of skipping it. */
export const hasPostgres = TEST_DATABASE_URL !== undefined || process.env.CI === 'true';

/** A fresh, empty schema; returns a URL whose connections use it (the store's migrations fill it). */
export async function newSchema(name: string): Promise<string> {
  const url = TEST_DATABASE_URL ?? '';
  const schema = `uji_${name}_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await pool.end();
  }
  const urlWithSchema = new URL(url);
  urlWithSchema.searchParams.set('options', `-c search_path=${schema}`);
  return urlWithSchema.toString();
}

/**
 * A TCP relay in front of the test database, so a test can take the database away from a running store and
 * give it back on the same address. Every change of mode drops the connections open through it.
 *   forward: forwards, as if nothing stood in between;
 *   refuse: cuts every new connection at once, as a stopped server does;
 *   silent: accepts and never answers, as a host that vanished from the network does.
 */
export async function relayTo(databaseUrl: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<net.Socket>();
  let mode: 'forward' | 'refuse' | 'silent' = 'forward';
  const server = net.createServer((incoming) => {
    if (mode === 'refuse') {
      incoming.destroy();
      return;
    }
    const pair = [incoming];
    if (mode === 'forward') pair.push(net.connect(Number(target.port || 5432), target.hostname));
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
    }
    const [, outgoing] = pair;
    if (outgoing !== undefined) incoming.pipe(outgoing).pipe(incoming);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const viaRelay = new URL(databaseUrl);
  viaRelay.hostname = '127.0.0.1';
  viaRelay.port = String(port);
  return {
    url: viaRelay.toString(),
    setMode(newMode: typeof mode) {
      mode = newMode;
      for (const socket of sockets) socket.destroy();
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
