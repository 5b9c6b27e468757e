// npm run api-key -- <name> [--read | --reset-pin]: makes a new client token. The token is printed once and never stored; the
// server keeps only its SHA-256, in the API_KEYS entry printed with it.
import { createHash, randomBytes } from 'node:crypto';
import { OPEN_MODE_CLIENT } from '../domain/idempotency';
import { ClientName } from '../domain/schemas';
import { answerHelp, exitWithUsage } from './command';

const USAGE =
  'npm run api-key -- <nama> [--read | --reset-pin]   (nama: huruf, angka, _ . -; paling panjang 64)';

answerHelp(USAGE);
const args = process.argv.slice(2);
// Without `--`, npm takes the options as its own config and passes them on only in the environment: `--read` as
// read-only (npm's abbreviation of its own --read-only), `--reset-pin` as reset_pin. Seen there too, so that a
// forgotten `--` cannot quietly make a read-write key.
const readOnly = args.includes('--read') || process.env.npm_config_read_only === 'true';
// An operator's key, which may reset a nasabah's PIN; never also a read-only one.
const mayResetPin = args.includes('--reset-pin') || process.env.npm_config_reset_pin === 'true';
const names = args.filter((arg) => arg !== '--read' && arg !== '--reset-pin');
const [name] = names;
if (name === undefined || names.length > 1 || !ClientName.safeParse(name).success) exitWithUsage(USAGE);
if (readOnly && mayResetPin) exitWithUsage(USAGE);
// The server refuses such an entry: the name is open mode's one client.
if (name === OPEN_MODE_CLIENT) {
  console.error(`nama ${OPEN_MODE_CLIENT} dipakai mode terbuka; pilih nama lain`);
  exitWithUsage(USAGE);
}

// 32 bytes from the CSPRNG: 256 bits, 43 base64url characters.
const token = randomBytes(32).toString('base64url');
const sha256 = createHash('sha256').update(token).digest('hex');
console.log(`token (simpan sekarang, tidak ditampilkan lagi): ${token}`);
const option = readOnly ? ':read' : mayResetPin ? ':reset-pin' : '';
console.log(`entri API_KEYS: ${name}:${sha256}${option}`);
