// The security settings as the real entry point applies them: keys from the environment, what the log shows,
// refusing to start exposed without keys, the file's mode, and a shutdown that slow clients cannot hold up.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmod, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { failedStart, postJson, startServer } from './server-process';
import { seedDataFile, tempDataFile } from './helpers';

const ROOT = path.join(__dirname, '..');

describe('npm run api-key', () => {
  function apiKeyWith(env: Record<string, string>, ...args: string[]) {
    return spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'api-key.ts'), ...args],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } },
    );
  }
  const apiKey = (...args: string[]) => apiKeyWith({}, ...args);

  it('prints a fresh CSPRNG token once, and the API_KEYS entry holding only its SHA-256', () => {
    const first = apiKey('kasir');
    const second = apiKey('audit', '--read');
    const token = /token[^:]*: (\S+)/.exec(first.stdout)?.[1] ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(first.stdout).toContain(
      `entri API_KEYS: kasir:${createHash('sha256').update(token).digest('hex')}\n`,
    );
    expect(second.stdout).toMatch(/entri API_KEYS: audit:[0-9a-f]{64}:read\n/);
    expect(apiKey('operator', '--reset-pin').stdout).toMatch(
      /entri API_KEYS: operator:[0-9a-f]{64}:reset-pin\n/,
    );
    expect(second.stdout).not.toContain(token);
  });

  it('prints its usage for --help, and refuses open mode’s reserved name', () => {
    const help = apiKey('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('pemakaian: npm run api-key -- <nama> [--read | --reset-pin]');
    const reserved = apiKey('open');
    expect(reserved.status).toBe(2);
    expect(reserved.stderr).toContain('nama open dipakai mode terbuka; pilih nama lain');
    expect(reserved.stdout).toBe('');
  });

  it('sees the options npm took for its own when `--` was forgotten (`npm run api-key audit --read`)', () => {
    expect(apiKeyWith({ npm_config_read_only: 'true' }, 'audit').stdout).toMatch(
      /entri API_KEYS: audit:[0-9a-f]{64}:read\n/,
    );
    expect(apiKeyWith({ npm_config_reset_pin: 'true' }, 'operator').stdout).toMatch(
      /entri API_KEYS: operator:[0-9a-f]{64}:reset-pin\n/,
    );
  });

  it('refuses a missing or unusable name with its usage', () => {
    for (const args of [[], ['ka sir'], ['a', 'b'], ['a', '--read', '--reset-pin']]) {
      const result = apiKey(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('pemakaian: npm run api-key -- <nama> [--read | --reset-pin]');
    }
  });
});

describe('the server process', () => {
  it('with API_KEYS: serves a known token, refuses others, logs the client name and never the token', async () => {
    const token = 'token-uji-proses-0123456789abcdefghijk';
    const dataFile = await tempDataFile();
    const server = await startServer({
      DATA_FILE: dataFile,
      API_KEYS: `kasir:${createHash('sha256').update(token).digest('hex')}`,
    });
    const tanpa = await postJson(server.baseUrl, '/daftar', {
      nama: 'Budi',
      nik: '3201010101010001',
      no_hp: '081234567890',
    });
    const dengan = await fetch(`${server.baseUrl}/daftar`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ nama: 'Budi', nik: '3201010101010001', no_hp: '081234567890' }),
    });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    expect(tanpa.status).toBe(401);
    expect(dengan.status).toBe(200);
    expect(server.output()).toContain('"client":"kasir"');
    expect(server.output()).not.toContain(token);
  });

  it('refuses to start on a non-loopback HOST without API_KEYS, naming API_KEYS', async () => {
    const { code, output } = await failedStart({ DATA_FILE: await tempDataFile(), HOST: '0.0.0.0' });
    expect(code).toBe('1');
    expect(output).toContain('konfigurasi tidak valid: API_KEYS: wajib diisi bila HOST bukan loopback');
  });

  it('refuses to start on a bad API_KEYS entry, naming it', async () => {
    const { code, output } = await failedStart({
      DATA_FILE: await tempDataFile(),
      API_KEYS: 'kasir:bukan-hash',
    });
    expect(code).toBe('1');
    expect(output).toContain('API_KEYS: entri ke-1 ("kasir")');
  });

  (process.platform === 'win32' ? it.skip : it)(
    'tightens a data file readable by others to 0600 and logs that it did (POSIX modes; skipped on Windows)',
    async () => {
      const dataFile = await tempDataFile();
      await seedDataFile(dataFile, {});
      await chmod(dataFile, 0o644);
      const server = await startServer({ DATA_FILE: dataFile });
      server.child.kill('SIGTERM');
      await server.exited;
      expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
      expect(server.output()).toMatch(/"mode":"0644".*its mode is now 0600/);
    },
  );

  it('on SIGTERM, cuts a slow client after the grace, finishes accepted writes and exits 0', async () => {
    const dataFile = await tempDataFile();
    const server = await startServer({ DATA_FILE: dataFile, SHUTDOWN_GRACE_MS: '1000' });
    const { port } = new URL(server.baseUrl);
    const slow = net.connect(Number(port), '127.0.0.1');
    await once(slow, 'connect');
    slow.on('error', () => undefined);
    // Headers, then a body that never comes: the request is in flight, so the connection is not idle.
    slow.write(
      'POST /daftar HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const daftar = await postJson(server.baseUrl, '/daftar', {
      nama: 'Budi',
      nik: '3201010101010002',
      no_hp: '081234567891',
    });
    const started = Date.now();
    server.child.kill('SIGTERM');
    const slowClosed = once(slow, 'close');

    expect(await server.exited).toBe(0);
    await slowClosed;
    expect(daftar.status).toBe(200);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5_000);
  });
});
