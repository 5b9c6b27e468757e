// Every setting, read from the environment once at start; a bad value stops the server with a clear message.
import { z } from 'zod';

const Config = z
  .object({
    // json: the data file, on one machine (the default). postgres: DATABASE_URL, shared by many processes.
    STORE: z.enum(['json', 'postgres']).default('json'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    // Loopback by default: a savings API is exposed on purpose (HOST=0.0.0.0), never by accident.
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_FILE: z.string().min(1).default('data/nasabah.json'),
    // How long a crashed process's lock blocks the next one; must stay above the slowest write (BENCHMARKS.md).
    LOCK_STALE_MS: z.coerce.number().int().min(2_000).max(600_000).default(10_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((config) => config.STORE !== 'postgres' || config.DATABASE_URL !== undefined, {
    path: ['DATABASE_URL'],
    error: 'wajib diisi bila STORE=postgres (contoh: postgres://tabungan:tabungan@127.0.0.1:5432/tabungan)',
  });

export type Config = z.infer<typeof Config>;

export class ConfigInvalid extends Error {
  override readonly name = 'ConfigInvalid';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const hasil = Config.safeParse(env);
  if (hasil.success) return hasil.data;
  const masalah = hasil.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigInvalid(`konfigurasi tidak valid: ${masalah.join('; ')}`);
}
