// A real PostgreSQL server for the tests (TEST_DATABASE_URL, started by .ci/run). Each test file works in a
// schema of its own, so files running in parallel never see each other's rows.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
/** CI always provides the database, so there a missing URL fails the run instead of skipping it. */
export const hasPostgres = TEST_DATABASE_URL !== undefined || process.env.CI === 'true';

/** A fresh, empty schema; returns a URL whose connections use it (the store's migrations fill it). */
export async function newSchema(nama: string): Promise<string> {
  const url = TEST_DATABASE_URL ?? '';
  const skema = `uji_${nama}_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${skema} CASCADE`);
    await pool.query(`CREATE SCHEMA ${skema}`);
  } finally {
    await pool.end();
  }
  const denganSkema = new URL(url);
  denganSkema.searchParams.set('options', `-c search_path=${skema}`);
  return denganSkema.toString();
}

/**
 * A TCP relay in front of the test database, so a test can take the database away from a running store and
 * give it back on the same address. Every change of mode drops the connections open through it.
 *   terus: forwards, as if nothing stood in between;
 *   tolak: cuts every new connection at once, as a stopped server does;
 *   diam: accepts and never answers, as a host that vanished from the network does.
 */
export async function relayTo(databaseUrl: string) {
  const tujuan = new URL(databaseUrl);
  const soket = new Set<net.Socket>();
  let mode: 'terus' | 'tolak' | 'diam' = 'terus';
  const server = net.createServer((masuk) => {
    if (mode === 'tolak') {
      masuk.destroy();
      return;
    }
    const pasangan = [masuk];
    if (mode === 'terus') pasangan.push(net.connect(Number(tujuan.port || 5432), tujuan.hostname));
    for (const s of pasangan) {
      soket.add(s);
      s.on('error', () => undefined).on('close', () => soket.delete(s));
    }
    const [, keluar] = pasangan;
    if (keluar !== undefined) masuk.pipe(keluar).pipe(masuk);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const lewatRelay = new URL(databaseUrl);
  lewatRelay.hostname = '127.0.0.1';
  lewatRelay.port = String(port);
  return {
    url: lewatRelay.toString(),
    ubah(modeBaru: typeof mode) {
      mode = modeBaru;
      for (const s of soket) s.destroy();
    },
    close: () => {
      for (const s of soket) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
