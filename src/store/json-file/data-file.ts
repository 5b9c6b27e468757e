// The data file's format, written once: parsing with every rule checked, and the bytes it is written as. The
// JSON store, `npm run import` / `export` and the bench's seeding all go through here.
import { IdempotencyRecord, StoredIdempotencyKey } from '../../domain/idempotency';
import { saldoDariMutasi } from '../../domain/rekening';
import { Nasabah, NoRekening, type MutasiTercatat } from '../../domain/schemas';
import { writeAtomic } from './atomic-file';
import { jsonFaultOffset, lineAndColumn } from './json-fault';

/**
 * The file cannot be used. The message names the account and the rule that failed, and is shown to clients, so
 * it never quotes the file's content; `detail` (for the log and the operator's console) may carry a position
 * or a saldo, never a nama, and a nik or no_hp only masked.
 */
export class DataFileInvalid extends Error {
  override readonly name = 'DataFileInvalid';
  constructor(
    message: string,
    readonly detail?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What a data file holds, checked. Maps keep the file's order. */
export interface DataFile {
  nasabah: Map<string, Nasabah>;
  /** Idempotency records by stored key, oldest first. */
  idempotensi: Map<string, IdempotencyRecord>;
  /** Top-level fields this version does not know, written back as they were read. */
  otherFields: Record<string, unknown>;
}

/** nik and no_hp are personal data: a message that reaches a client or a log shows only the last 4 digits. */
function mask(digits: string): string {
  return `${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses and checks a whole file; never returns content that breaks a rule. Keys are walked on the raw
 * JSON.parse output, never through an object built by assignment, where a `__proto__` key would vanish.
 */
export function parseDataFile(text: string): DataFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's message may quote the bytes around the fault (personal data): the log gets a position only.
    const offset = jsonFaultOffset(text);
    const where = offset < 0 ? 'position unknown' : `${lineAndColumn(text, offset)} (offset ${offset})`;
    throw new DataFileInvalid('bukan JSON yang valid', `not JSON at ${where}`);
  }
  if (!isJsonObject(json)) throw new DataFileInvalid('isi berkas harus berupa objek JSON');
  const { nasabah, idempotensi = {}, ...otherFields } = json;
  if (!isJsonObject(nasabah)) throw new DataFileInvalid('field nasabah harus berupa objek JSON');
  if (!isJsonObject(idempotensi)) throw new DataFileInvalid('field idempotensi harus berupa objek JSON');
  const dataFile: DataFile = { nasabah: new Map(), idempotensi: new Map(), otherFields };
  const nikOwners = new Map<string, string>();
  const noHpOwners = new Map<string, string>();
  for (const [index, [noRekening, value]] of Object.entries(nasabah).entries()) {
    const checked = checkNasabah(index + 1, noRekening, value);
    const account = `rekening ${noRekening}`;
    const nikOwner = nikOwners.get(checked.nik);
    if (nikOwner !== undefined) {
      throw new DataFileInvalid(
        `${account}: nik sudah dipakai rekening ${nikOwner}`,
        `nik ${mask(checked.nik)}`,
      );
    }
    const noHpOwner = noHpOwners.get(checked.no_hp);
    if (noHpOwner !== undefined) {
      throw new DataFileInvalid(
        `${account}: no_hp sudah dipakai rekening ${noHpOwner}`,
        `no_hp ${mask(checked.no_hp)}`,
      );
    }
    nikOwners.set(checked.nik, noRekening);
    noHpOwners.set(checked.no_hp, noRekening);
    dataFile.nasabah.set(noRekening, checked);
  }
  for (const [index, [key, value]] of Object.entries(idempotensi).entries()) {
    dataFile.idempotensi.set(key, checkIdempotencyRecord(index + 1, key, value));
  }
  return dataFile;
}

/**
 * One account, checked. The remark names the account and the rule, never a value from the file (a saldo, a nik);
 * the values go to `detail`. An account key that is not a no_rekening is named by its position: it may be
 * anything a hand edit put there.
 */
function checkNasabah(position: number, noRekening: string, value: unknown): Nasabah {
  if (!NoRekening.safeParse(noRekening).success) {
    throw new DataFileInvalid(`rekening ke-${position}: no_rekening harus berupa 10 digit angka`);
  }
  const parsed = Nasabah.safeParse(value);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new DataFileInvalid(
      `rekening ${noRekening}, ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  // Keep the freshly parsed object itself, not zod's copy: fields a later version adds ride along, so a rewrite
  // never drops them, and a large file is not held in memory twice while it loads.
  const nasabah = Object.assign(value as Nasabah, { nama: parsed.data.nama });
  const expectedSaldo = saldoDariMutasi(nasabah.mutasi);
  if (nasabah.saldo !== expectedSaldo) {
    throw new DataFileInvalid(
      `rekening ${noRekening}: saldo tidak sama dengan jumlah mutasi (ΣC − ΣD)`,
      `saldo ${nasabah.saldo}, ΣC − ΣD = ${expectedSaldo}`,
    );
  }
  return nasabah;
}

/** The key is named by its position, not quoted: it is a client's text, and the remark reaches clients. */
function checkIdempotencyRecord(position: number, key: string, value: unknown): IdempotencyRecord {
  const parsed = IdempotencyRecord.safeParse(value);
  if (!parsed.success || !StoredIdempotencyKey.safeParse(key).success) {
    const issue = parsed.error?.issues[0];
    const rule = issue ? `${issue.path.join('.')}: ${issue.message}` : 'kunci tidak valid';
    throw new DataFileInvalid(`idempotensi ke-${position}, ${rule}`);
  }
  return parsed.data;
}

/** A line of the file: one idempotency record, so an edit by hand or a diff shows one entry per line. */
export function encodeRecordLine(key: string, record: IdempotencyRecord): Buffer {
  return Buffer.from(`    ${JSON.stringify(key)}: ${JSON.stringify(record)}`, 'utf8');
}

/** One mutasi as the file holds it. */
export function encodeMutasi(mutasi: MutasiTercatat): string {
  return JSON.stringify(mutasi);
}

/** Everything in an account's line but its mutasi. */
export type NasabahFields = Omit<Nasabah, 'mutasi'>;

const MUTASI_END = Buffer.from(']}');

/**
 * An account's line, one per account, in pieces: its fields, then its mutasi array from bytes encoded before
 * (`{…},{…}`, in as many pieces as given), so a long history is never re-encoded or copied to write it.
 */
export function encodeNasabahLine(
  noRekening: string,
  fields: NasabahFields,
  mutasiArrayBody: readonly Buffer[],
): Buffer[] {
  const head = `    ${JSON.stringify(noRekening)}: ${JSON.stringify({ ...fields, mutasi: [] })}`;
  // The head ends in `[]}`: cut before `]}` to open the array the pieces fill.
  return [Buffer.from(head.slice(0, -2), 'utf8'), ...mutasiArrayBody, MUTASI_END];
}

/**
 * The whole file as pieces for one writev, from its sections' lines, each line already separated from the next
 * (`,\n`): joining them would copy the whole file again.
 */
export function encodeFile(
  nasabahLines: readonly Buffer[],
  idempotensiLines: readonly Buffer[],
  otherFields: Record<string, unknown>,
): Buffer[] {
  const others = Object.entries(otherFields).map(
    ([name, value]) => `  ${JSON.stringify(name)}: ${JSON.stringify(value)}\n`,
  );
  return [
    Buffer.from('{\n'),
    ...encodeSection('nasabah', nasabahLines, ','),
    ...encodeSection('idempotensi', idempotensiLines, others.length > 0 ? ',' : ''),
    Buffer.from(`${others.join(',')}}\n`),
  ];
}

/** `"name": {` + lines + `}`: one top-level section of the file. */
function encodeSection(name: string, lines: readonly Buffer[], end: ',' | ''): Buffer[] {
  if (lines.length === 0) return [Buffer.from(`  ${JSON.stringify(name)}: {}${end}\n`)];
  return [Buffer.from(`  ${JSON.stringify(name)}: {\n`), ...lines, Buffer.from(`\n  }${end}\n`)];
}

/** A whole data file's bytes, for writing one out in one go (an export, a benchmark's seed). */
export function serialiseDataFile({ nasabah, idempotensi, otherFields }: DataFile): Buffer[] {
  const separated = (lines: Buffer[]) =>
    lines.flatMap((line, index) => (index === 0 ? [line] : [Buffer.from(',\n'), line]));
  return encodeFile(
    separated(
      [...nasabah].map(([noRekening, { mutasi, ...fields }]) =>
        Buffer.concat(
          encodeNasabahLine(noRekening, fields, [Buffer.from(mutasi.map(encodeMutasi).join(','))]),
        ),
      ),
    ),
    separated([...idempotensi].map(([key, record]) => encodeRecordLine(key, record))),
    otherFields,
  );
}

/** Writes a whole data file atomically and durably (temp file, fsync, rename), as the store does. */
export async function writeDataFile(file: string, dataFile: DataFile): Promise<void> {
  await writeAtomic(file, serialiseDataFile(dataFile));
}
