// Every setting, read from the environment once at start; a bad value stops the server with a clear message.
import { isIP } from 'node:net';
import { z } from 'zod';
import { IDEMPOTENCY_KEYS_PER_CLIENT, OPEN_MODE_CLIENT } from './domain/idempotency';
import { MAX_QUEUED_CHANGES } from './store/defaults';
import { CONNECTION_LIMITS } from './http/connections';
import { FAILED_REQUEST_LIMIT } from './http/limits';
import { DEFAULT_LOCK_STALE_MS } from './store/json-file';
import type { ApiKey } from './http/auth';
import { CLIENT_NAME } from './domain/schemas';
import { DEFAULT_BUDGET, type BudgetSettings } from './http/budgets';
import { DEFAULT_TIME_ZONE, type DailyLimit } from './domain/daily-limit';
import { DEFAULT_PIN_LOCKOUT_MS } from './domain/pin';

const API_KEY_ENTRY = new RegExp(`^(${CLIENT_NAME.source}):([0-9a-f]{64})((?::[^:]*)*)$`);
/** What may follow the hash: read-only, and the key's own budget instead of REQUEST_RATE / DAFTAR_PER_HOUR. */
const API_KEY_OPTION = /^(?:(read)|rate=([0-9]{1,7})|daftar=([0-9]{1,7})|(reset-pin))$/;
const ENTRY_FORM =
  'harus berbentuk nama:sha256hex lalu pilihan :read, :rate=N, :daftar=N, :reset-pin (nama: huruf, angka, _ . -; sha256hex: 64 digit hex huruf kecil)';

/** The options after the hash, or the remark that says which one is wrong. */
function parseApiKeyOptions(text: string): Omit<ApiKey, 'name' | 'sha256'> | string {
  const options: Omit<ApiKey, 'name' | 'sha256'> = { readOnly: false, mayResetPin: false };
  for (const option of text.split(':').slice(1)) {
    const match = API_KEY_OPTION.exec(option);
    if (match === null) return `pilihan ${JSON.stringify(option.slice(0, 32))} tidak dikenal`;
    const [, read, rate, daftar, resetPin] = match;
    if (read !== undefined) options.readOnly = true;
    if (resetPin !== undefined) options.mayResetPin = true;
    if (rate !== undefined) options.requestsPerSecond = Number(rate);
    if (daftar !== undefined) options.daftarPerHour = Number(daftar);
  }
  return options;
}

/** `name:sha256hex[:read][:rate=N][:daftar=N],…`; a bad entry is named by its position and name, never its hash. */
function parseApiKeys(text: string, context: z.RefinementCtx): ApiKey[] {
  const apiKeys: ApiKey[] = [];
  for (const [index, entry] of text.split(',').entries()) {
    const trimmed = entry.trim();
    const match = API_KEY_ENTRY.exec(trimmed);
    const label = `entri ke-${index + 1} (${JSON.stringify(trimmed.split(':')[0]?.slice(0, 64) ?? '')})`;
    if (match === null) {
      context.addIssue({ code: 'custom', message: `${label} ${ENTRY_FORM}` });
      continue;
    }
    const [, name = '', sha256 = '', optionText = ''] = match;
    const options = parseApiKeyOptions(optionText);
    if (typeof options === 'string') {
      context.addIssue({ code: 'custom', message: `${label}: ${options}` });
      continue;
    }
    if (name === OPEN_MODE_CLIENT)
      context.addIssue({
        code: 'custom',
        message: `${label}: nama ${OPEN_MODE_CLIENT} dipakai mode terbuka`,
      });
    if (apiKeys.some((apiKey) => apiKey.name === name))
      context.addIssue({ code: 'custom', message: `${label}: nama dipakai dua kali` });
    if (apiKeys.some((apiKey) => apiKey.sha256.toString('hex') === sha256))
      context.addIssue({ code: 'custom', message: `${label}: hash yang sama dipakai dua kali` });
    apiKeys.push({ name, sha256: Buffer.from(sha256, 'hex'), ...options });
  }
  return apiKeys;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Only the machine itself can reach these: localhost, 127.0.0.0/8 and ::1. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** A whole number from `min` to `max`, with the remark every setting's own rule says in Indonesian. */
const wholeNumber = (min: number, max: number) => {
  const rule = { error: `harus bilangan bulat dari ${min} sampai ${max}` };
  return z.coerce.number(rule).int(rule).min(min, rule).max(max, rule);
};

const count = (min: number, max: number, fallback: number) => wholeNumber(min, max).default(fallback);

/** One of `values`, named in the remark. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `harus salah satu dari: ${values.join(', ')}` });

const required = { error: 'wajib diisi' };

const Config = z
  .object({
    // json: the data file, on one machine (the default). postgres: DATABASE_URL, shared by many processes.
    STORE: oneOf(['json', 'postgres']).default('json'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'harus URL postgres://pengguna:sandi@host:port/database' })
      .optional(),
    PORT: count(0, 65_535, 3000),
    // Loopback by default: a savings API is exposed on purpose (HOST=0.0.0.0), never by accident.
    HOST: z.string().min(1, required).default('127.0.0.1'),
    DATA_FILE: z.string().min(1, required).default('data/nasabah.json'),
    // How long a crashed process's lock blocks the next one; must stay above the slowest write (BENCHMARKS.md).
    LOCK_STALE_MS: count(2_000, 600_000, DEFAULT_LOCK_STALE_MS),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Unset: open mode, for a laptop (loopback only). Set: every endpoint but /health and the docs needs a key.
    API_KEYS: z
      .string()
      .optional()
      .transform((text, context) =>
        text === undefined || text.trim() === '' ? [] : parseApiKeys(text, context),
      ),
    ALLOW_UNAUTHENTICATED: z
      .enum(['true', 'false'], 'harus true atau false')
      .default('false')
      .transform((value) => value === 'true'),
    // A client's own failures (4xx but 429) per minute before it is answered 429; 0 turns the limit off.
    FAILED_REQUEST_LIMIT: count(0, 1_000_000, FAILED_REQUEST_LIMIT),
    // Requests per second per client (burst: 2 s worth); 0 = no budget. Unset: 100 with API_KEYS, none in open
    // mode (one person on a laptop). Setting it in open mode turns every per-client budget on.
    REQUEST_RATE: wholeNumber(0, 1_000_000).optional(),
    // Registrations (POST /daftar) per client per hour, where budgets apply; 0 = unbounded.
    DAFTAR_PER_HOUR: count(0, 1_000_000, DEFAULT_BUDGET.daftarPerHour),
    // Changes waiting for the disk or the database, per process; beyond it a change is answered 503 at once.
    MAX_QUEUED_CHANGES: count(1, 1_000_000, MAX_QUEUED_CHANGES),
    // Idempotency keys one client may have stored (each kept 24 h); beyond it a new key is answered 429.
    IDEMPOTENCY_KEYS_PER_CLIENT: count(1, 10_000_000, IDEMPOTENCY_KEYS_PER_CLIENT),
    MAX_CONNECTIONS: count(1, 1_000_000, CONNECTION_LIMITS.maxConnections),
    // One address's share; behind a proxy, or in open mode, every client has the same address.
    MAX_CONNECTIONS_PER_ADDRESS: count(1, 1_000_000, CONNECTION_LIMITS.maxConnectionsPerAddress),
    // Whether POST /daftar must carry a PIN (X-PIN) for the new account.
    PIN_REQUIRED: z
      .enum(['true', 'false'], 'harus true atau false')
      .default('false')
      .transform((value) => value === 'true'),
    // How long an account refuses PIN-checked calls after 3 wrong PINs in a row.
    PIN_LOCKOUT_MINUTES: count(1, 10_080, DEFAULT_PIN_LOCKOUT_MS / 60_000),
    // Rupiah that may leave one account (tarik, transfer as asal) per calendar day in TIME_ZONE; unset: no limit.
    DAILY_DEBIT_LIMIT: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
    TIME_ZONE: z
      .string()
      .default(DEFAULT_TIME_ZONE)
      .refine(isTimeZone, 'harus nama zona waktu IANA, misalnya Asia/Jakarta'),
    // How long SIGTERM waits for slow clients before it closes their connections.
    SHUTDOWN_GRACE_MS: count(0, 600_000, 10_000),
  })
  .refine((config) => config.API_KEYS.length > 0 || isLoopback(config.HOST) || config.ALLOW_UNAUTHENTICATED, {
    path: ['API_KEYS'],
    error:
      'wajib diisi bila HOST bukan loopback: tanpa API_KEYS siapa pun di jaringan dapat memindahkan uang ' +
      '(buat kunci dengan npm run api-key -- <nama>, atau ALLOW_UNAUTHENTICATED=true bila proxy di depan yang memeriksa)',
  })
  // STORE=postgres needs DATABASE_URL: as a type, so that nothing after this has to check it again.
  .transform(({ STORE, DATABASE_URL, ...settings }, context) => {
    if (STORE === 'json') return { ...settings, STORE, DATABASE_URL };
    if (DATABASE_URL === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'wajib diisi bila STORE=postgres (contoh: postgres://tabungan:tabungan@127.0.0.1:5432/tabungan)',
      });
      return z.NEVER;
    }
    return { ...settings, STORE, DATABASE_URL };
  });

export type Config = z.output<typeof Config>;

export class ConfigInvalid extends Error {
  override readonly name = 'ConfigInvalid';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`REQUEST_RATE=` from a compose file's `${REQUEST_RATE:-}`) means unset: read as a
  // number it would be 0, which turns a limit off without anyone having said so.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim() !== ''));
  const result = Config.safeParse(given);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigInvalid(`konfigurasi tidak valid: ${problems.join('; ')}`);
}

/**
 * The per-client budgets: on with API keys (several clients share the server), off in open mode unless
 * REQUEST_RATE is set.
 */
export function budgetOf(config: Config): BudgetSettings | undefined {
  if (config.API_KEYS.length === 0 && config.REQUEST_RATE === undefined) return undefined;
  return {
    requestsPerSecond: config.REQUEST_RATE ?? DEFAULT_BUDGET.requestsPerSecond,
    daftarPerHour: config.DAFTAR_PER_HOUR,
    maxQueuedChanges: config.MAX_QUEUED_CHANGES,
  };
}

/** The daily limit on money going out of one account, when DAILY_DEBIT_LIMIT is set. */
export function dailyLimitOf(config: Config): DailyLimit | undefined {
  if (config.DAILY_DEBIT_LIMIT === undefined) return undefined;
  return { nominal: config.DAILY_DEBIT_LIMIT, timeZone: config.TIME_ZONE };
}
