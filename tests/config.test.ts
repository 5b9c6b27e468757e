// The settings that decide who may call: API_KEYS, open mode and its loopback rule, and the limits' variables.
import { createHash } from 'node:crypto';
import { budgetOf, loadConfig } from '../src/config';

const HASH = createHash('sha256').update('rahasia').digest('hex');

describe('API_KEYS', () => {
  it('reads name:sha256hex and name:sha256hex:read entries', () => {
    const config = loadConfig({ API_KEYS: `kasir:${HASH}, audit:${'a'.repeat(64)}:read` });
    expect(config.API_KEYS).toEqual([
      { name: 'kasir', sha256: Buffer.from(HASH, 'hex'), readOnly: false, mayResetPin: false },
      { name: 'audit', sha256: Buffer.from('a'.repeat(64), 'hex'), readOnly: true, mayResetPin: false },
    ]);
  });

  it.each([
    ['a hash that is not 64 hex digits', `kasir:${HASH.slice(1)}`, 'entri ke-1 ("kasir")'],
    ['an upper-case hash', `kasir:${HASH.toUpperCase()}`, 'entri ke-1 ("kasir")'],
    ['an unknown flag', `kasir:${HASH}:write`, 'entri ke-1 ("kasir")'],
    ['a name with a space', `ka sir:${HASH}`, 'entri ke-1 ("ka sir")'],
    ['a plaintext token instead of a hash', 'kasir:rahasia', 'entri ke-1 ("kasir")'],
    ['a second entry without a name', `kasir:${HASH},:${'b'.repeat(64)}`, 'entri ke-2 ("")'],
    [
      'a name used twice',
      `kasir:${HASH},kasir:${'b'.repeat(64)}`,
      'entri ke-2 ("kasir"): nama dipakai dua kali',
    ],
    ['one hash for two names', `kasir:${HASH},teller:${HASH}`, 'entri ke-2 ("teller"): hash yang sama'],
    ['the name open mode uses', `open:${HASH}`, 'entri ke-1 ("open"): nama open dipakai mode terbuka'],
  ])('refuses %s, naming the entry', (_case, value, named) => {
    expect(() => loadConfig({ API_KEYS: value })).toThrow(`konfigurasi tidak valid: API_KEYS: ${named}`);
  });

  it('reads a key’s own budget: :rate=N requests per second and :daftar=N registrations per hour', () => {
    const config = loadConfig({ API_KEYS: `batch:${HASH}:read:rate=2000:daftar=0` });
    expect(config.API_KEYS).toEqual([
      {
        name: 'batch',
        sha256: Buffer.from(HASH, 'hex'),
        readOnly: true,
        mayResetPin: false,
        requestsPerSecond: 2_000,
        daftarPerHour: 0,
      },
    ]);
  });

  it.each([
    ['a rate that is not a number', `kasir:${HASH}:rate=cepat`, 'pilihan "rate=cepat" tidak dikenal'],
    ['an empty option', `kasir:${HASH}::read`, 'pilihan "" tidak dikenal'],
  ])('refuses %s, naming the option', (_case, value, named) => {
    expect(() => loadConfig({ API_KEYS: value })).toThrow(`API_KEYS: entri ke-1 ("kasir"): ${named}`);
  });

  it('never repeats a hash in its message', () => {
    expect(() => loadConfig({ API_KEYS: `kasir:${HASH}:tulis` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(HASH) as unknown }) as Error,
    );
  });
});

describe('open mode (no API_KEYS)', () => {
  it.each(['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'])(
    'is allowed on loopback HOST %s',
    (HOST) => {
      expect(loadConfig({ HOST }).API_KEYS).toEqual([]);
    },
  );

  it.each(['0.0.0.0', '::', '192.168.1.10', 'tabungan.example'])(
    'refuses HOST %s, naming API_KEYS',
    (HOST) => {
      expect(() => loadConfig({ HOST })).toThrow(/API_KEYS: wajib diisi bila HOST bukan loopback/);
    },
  );

  it('is allowed on any HOST when ALLOW_UNAUTHENTICATED=true', () => {
    expect(loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' }).HOST).toBe('0.0.0.0');
  });

  it('needs DATABASE_URL with STORE=postgres, and then carries it as the store’s', () => {
    expect(() => loadConfig({ STORE: 'postgres' })).toThrow(
      'konfigurasi tidak valid: DATABASE_URL: wajib diisi bila STORE=postgres',
    );
    const config = loadConfig({ STORE: 'postgres', DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' });
    expect(config.STORE === 'postgres' && config.DATABASE_URL).toBe('postgres://u:p@127.0.0.1:5432/db');
  });

  it('reads ALLOW_UNAUTHENTICATED as a boolean, and refuses anything but true or false', () => {
    expect(loadConfig({}).ALLOW_UNAUTHENTICATED).toBe(false);
    expect(loadConfig({ ALLOW_UNAUTHENTICATED: 'true' }).ALLOW_UNAUTHENTICATED).toBe(true);
    expect(() => loadConfig({ ALLOW_UNAUTHENTICATED: 'yes' })).toThrow(
      'konfigurasi tidak valid: ALLOW_UNAUTHENTICATED: harus true atau false',
    );
  });

  it('needs no ALLOW_UNAUTHENTICATED once API_KEYS is set', () => {
    expect(loadConfig({ HOST: '0.0.0.0', API_KEYS: `kasir:${HASH}` }).API_KEYS).toHaveLength(1);
  });
});

describe('limits', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      FAILED_REQUEST_LIMIT: 300,
      MAX_QUEUED_CHANGES: 1_000,
      IDEMPOTENCY_KEYS_PER_CLIENT: 10_000,
      MAX_CONNECTIONS: 1_000,
      MAX_CONNECTIONS_PER_ADDRESS: 256,
      SHUTDOWN_GRACE_MS: 10_000,
    });
  });

  it('turns the per-client budgets on with API_KEYS (100 requests a second, 100 registrations an hour)', () => {
    expect(budgetOf(loadConfig({ API_KEYS: `kasir:${HASH}` }))).toEqual({
      requestsPerSecond: 100,
      daftarPerHour: 100,
      maxQueuedChanges: 1_000,
    });
  });

  it('reads a variable set to nothing as unset, never as 0 (which would turn a limit off)', () => {
    const config = loadConfig({
      API_KEYS: `kasir:${HASH}`,
      REQUEST_RATE: '',
      DAFTAR_PER_HOUR: ' ',
      FAILED_REQUEST_LIMIT: '',
    });
    expect(budgetOf(config)).toMatchObject({ requestsPerSecond: 100, daftarPerHour: 100 });
    expect(config.FAILED_REQUEST_LIMIT).toBe(300);
  });

  it('leaves open mode without budgets, unless REQUEST_RATE is set', () => {
    expect(budgetOf(loadConfig({}))).toBeUndefined();
    expect(budgetOf(loadConfig({ REQUEST_RATE: '50', DAFTAR_PER_HOUR: '0' }))).toEqual({
      requestsPerSecond: 50,
      daftarPerHour: 0,
      maxQueuedChanges: 1_000,
    });
  });

  it('takes FAILED_REQUEST_LIMIT=0 as "off"', () => {
    expect(loadConfig({ FAILED_REQUEST_LIMIT: '0' }).FAILED_REQUEST_LIMIT).toBe(0);
  });

  it.each(['FAILED_REQUEST_LIMIT', 'MAX_QUEUED_CHANGES', 'IDEMPOTENCY_KEYS_PER_CLIENT', 'MAX_CONNECTIONS'])(
    'refuses a negative or non-integer %s, naming it',
    (name) => {
      expect(() => loadConfig({ [name]: '-1' })).toThrow(`konfigurasi tidak valid: ${name}`);
      expect(() => loadConfig({ [name]: 'banyak' })).toThrow(`konfigurasi tidak valid: ${name}`);
    },
  );

  it.each([
    [{ PORT: 'abc' }, 'PORT: harus bilangan bulat dari 0 sampai 65535'],
    [{ PORT: '1.5' }, 'PORT: harus bilangan bulat dari 0 sampai 65535'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: harus salah satu dari: fatal, error, warn, info, debug, trace, silent',
    ],
    [{ STORE: 'mysql' }, 'STORE: harus salah satu dari: json, postgres'],
    [{ DATABASE_URL: 'http://db' }, 'DATABASE_URL: harus URL postgres://pengguna:sandi@host:port/database'],
  ])('says what is wrong with %o in Indonesian, like every other remark', (env, remark) => {
    expect(() => loadConfig(env)).toThrow(`konfigurasi tidak valid: ${remark}`);
  });
});
