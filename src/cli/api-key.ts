// npm run api-key -- <name> [--read]: makes a new client token. The token is printed once and never stored; the
// server keeps only its SHA-256, in the API_KEYS entry printed with it.
import { createHash, randomBytes } from 'node:crypto';
import { ClientName } from '../domain/schemas';
import { exitWithUsage } from './command';

const USAGE = 'npm run api-key -- <nama> [--read]   (nama: huruf, angka, _ . -; paling panjang 64)';

const args = process.argv.slice(2);
const readOnly = args.includes('--read');
const names = args.filter((arg) => arg !== '--read');
const [name] = names;
if (name === undefined || names.length > 1 || !ClientName.safeParse(name).success) exitWithUsage(USAGE);

// 32 bytes from the CSPRNG: 256 bits, 43 base64url characters.
const token = randomBytes(32).toString('base64url');
const sha256 = createHash('sha256').update(token).digest('hex');
console.log(`token (simpan sekarang, tidak ditampilkan lagi): ${token}`);
console.log(`entri API_KEYS: ${name}:${sha256}${readOnly ? ':read' : ''}`);
