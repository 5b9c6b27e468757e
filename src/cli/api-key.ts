// npm run api-key -- <name> [--read | --reset-pin]: makes a new client token. The token is printed once and never stored; the
// server keeps only its SHA-256, in the API_KEYS entry printed with it.
import { createHash, randomBytes } from 'node:crypto';
import { ClientName } from '../domain/schemas';
import { exitWithUsage } from './command';

const USAGE =
  'npm run api-key -- <nama> [--read | --reset-pin]   (nama: huruf, angka, _ . -; paling panjang 64)';

const args = process.argv.slice(2);
const readOnly = args.includes('--read');
// An operator's key, which may reset a nasabah's PIN; never also a read-only one.
const mayResetPin = args.includes('--reset-pin');
const names = args.filter((arg) => arg !== '--read' && arg !== '--reset-pin');
const [name] = names;
if (name === undefined || names.length > 1 || !ClientName.safeParse(name).success) exitWithUsage(USAGE);
if (readOnly && mayResetPin) exitWithUsage(USAGE);

// 32 bytes from the CSPRNG: 256 bits, 43 base64url characters.
const token = randomBytes(32).toString('base64url');
const sha256 = createHash('sha256').update(token).digest('hex');
console.log(`token (simpan sekarang, tidak ditampilkan lagi): ${token}`);
const option = readOnly ? ':read' : mayResetPin ? ':reset-pin' : '';
console.log(`entri API_KEYS: ${name}:${sha256}${option}`);
