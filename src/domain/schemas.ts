// The one definition of every field the API, the data file and the OpenAPI document speak of: types,
// validation rules, remarks, and the Indonesian descriptions and examples shown at /docs.
import { z } from 'zod';

/** The largest single tabung or tarik: one trillion rupiah. */
const NOMINAL_MAKSIMUM = 1_000_000_000_000;

/** Builds the remark for a field: "wajib diisi" when it is missing, the field's rule otherwise. */
function fieldRule(field: string, rule: string) {
  const remark = `${field} ${rule}`;
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? `${field} wajib diisi` : remark),
  };
}

/** The remark of each field's rule, by the field's name as the API spells it. */
const RULES = {
  nama: fieldRule('nama', 'harus berupa teks 1 sampai 100 karakter'),
  nik: fieldRule('nik', 'harus berupa teks 16 digit angka'),
  no_hp: fieldRule(
    'no_hp',
    'harus berupa nomor ponsel Indonesia: 08 diikuti 8 sampai 11 digit (boleh +628 atau 628)',
  ),
  nominal: fieldRule('nominal', `harus berupa bilangan bulat rupiah dari 1 sampai ${NOMINAL_MAKSIMUM}`),
  limit: fieldRule('limit', 'harus berupa bilangan bulat 1 sampai 1000'),
  sebelum: fieldRule('sebelum', 'harus berupa kursor dari jawaban GET /mutasi sebelumnya'),
};

/**
 * A JSON body's object: each field's rule, and a remark that names the fields it does not know beside the ones it
 * does (as Stripe does), so a misspelt optional field is not silently ignored.
 */
function bodyObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `field tidak dikenal: ${issue.keys.join(', ')}; field yang dikenal: ${known}`
        : 'body harus berupa objek JSON',
  });
}

/** The query parameters an endpoint takes; any other is named in the remark, like a body's unknown field. */
export function queryObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape);
  const known =
    keys.length === 0 ? 'endpoint ini tidak menerima parameter query' : `yang dikenal: ${keys.join(', ')}`;
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `parameter query tidak dikenal: ${issue.keys.join(', ')}; ${known}`
        : known,
  });
}

/** The query of an endpoint that takes none. */
export const NoQuery = queryObject({});

/**
 * 1 to 100 characters once the spaces around it are dropped, written as one pattern so the OpenAPI document states
 * exactly what is accepted (minLength and maxLength cannot say "after trimming"). `u`: characters, as JSON
 * Schema counts them, not UTF-16 units.
 */
const NAMA = /^\s*\S(?:[\s\S]{0,98}\S)?\s*$/u;
export const Nama = z
  .string(RULES.nama)
  .regex(NAMA, RULES.nama)
  .transform((nama) => nama.trim())
  .meta({
    // JSON Schema patterns are always read with `u`; the generator would otherwise append it to the text.
    pattern: NAMA.source,
    description: 'Nama lengkap nasabah, 1–100 karakter setelah spasi di awal dan akhir dibuang.',
    example: 'Budi Santoso',
  });

export const Nik = z
  .string(RULES.nik)
  .regex(/^[0-9]{16}$/, RULES.nik)
  .meta({
    description: 'Nomor Induk Kependudukan: tepat 16 digit angka, unik per nasabah.',
    example: '3201010101010001',
  });

/** A mobile number as clients may write it; always stored in its 08… form, so +62 and 0 spellings collide. */
export const NoHp = z
  .string(RULES.no_hp)
  .regex(/^(?:\+62|62|0)8[0-9]{8,11}$/, RULES.no_hp)
  .transform((noHp) => noHp.replace(/^(?:\+62|62|0)/, '0'))
  .meta({
    description:
      'Nomor ponsel: 08 diikuti 8–11 digit, atau +628…/628…; disimpan dan dicek keunikannya dalam bentuk 08….',
    example: '081234567890',
  });
/** The stored form of NoHp. */
export const NoHpTersimpan = z
  .string()
  .regex(/^08[0-9]{8,11}$/, 'no_hp harus diawali 08 diikuti 8 sampai 11 digit');

/** A no_rekening field; the remark names the field, so a transfer's two numbers are told apart. */
function noRekening(field: string) {
  const rule = fieldRule(field, 'harus berupa teks 10 digit angka');
  return z
    .string(rule)
    .regex(/^[0-9]{10}$/, rule)
    .meta({
      description: 'Nomor rekening: 10 digit angka yang diberikan saat daftar.',
      example: '1234567890',
    });
}
export const NoRekening = noRekening('no_rekening');

// int64: generated clients would otherwise pick a 32-bit integer for values far beyond 2^31.
export const Nominal = z.int(RULES.nominal).min(1, RULES.nominal).max(NOMINAL_MAKSIMUM, RULES.nominal).meta({
  format: 'int64',
  description: 'Jumlah uang dalam rupiah, bilangan bulat 1 sampai 1.000.000.000.000.',
  example: 100000,
});

/** Saldo may never go negative and must stay exactly representable. */
export const Saldo = z
  .int('saldo harus bilangan bulat yang aman')
  .min(0, 'saldo tidak boleh negatif')
  .max(Number.MAX_SAFE_INTEGER, 'saldo harus bilangan bulat yang aman')
  .meta({ format: 'int64', description: 'Saldo rekening dalam rupiah.', example: 70000 });

export const KodeTransaksi = z
  .enum(['C', 'D'], 'kode_transaksi harus C (tabung) atau D (tarik)')
  .meta({ description: 'C untuk tabung (kredit), D untuk tarik (debit).', example: 'C' });

export const Mutasi = z
  .object({
    waktu: z.iso.datetime('waktu harus berupa tanggal-waktu ISO-8601 UTC').meta({
      description: 'Waktu transaksi, ISO-8601 UTC dengan milidetik.',
      example: '2026-11-29T02:03:04.567Z',
    }),
    kode_transaksi: KodeTransaksi,
    nominal: Nominal,
    no_rekening_lawan: NoRekening.optional().meta({
      description: 'Hanya pada mutasi transfer: rekening lawan (tujuan pada D, asal pada C).',
      example: '9876543210',
    }),
  })
  .meta({ id: 'Mutasi', description: 'Satu transaksi pada rekening.' });

/** The names a client may have (an API key's, or open mode's): the rule config, the CLI and the stores share. */
export const CLIENT_NAME = /[A-Za-z0-9_.-]{1,64}/;
export const ClientName = z.string().regex(new RegExp(`^${CLIENT_NAME.source}$`));

/**
 * A mutasi as it is kept: what the API shows, and who made it: the client and the id the server gave the
 * request (in its log line too). Mutasi kept before the audit trail have neither.
 */
export const MutasiTercatat = Mutasi.extend({
  client: ClientName.optional(),
  request_id: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/)
    .optional(),
});

/** Wrong PINs in a row after which the account refuses PIN-checked calls for the lockout period. */
export const PIN_ATTEMPTS = 3;

/** A PIN as a header carries it; the remark names the header. */
export function pinHeader(header: 'X-PIN' | 'X-PIN-Baru') {
  const rule = `${header} harus berupa PIN 6 digit angka`;
  return z.string(rule).regex(/^[0-9]{6}$/, rule);
}

/**
 * `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`, base64url: the parameters travel with the hash, so a later version may
 * raise the cost and still check the PINs set before. Bounded (log2 N 10 to 17, r up to 8, p 1: at most 128 MiB
 * and about half a second of a thread per check), so a hand-edited hash cannot make one check take the server's
 * memory or minutes of its thread pool.
 */
export const PIN_HASH = /^scrypt\$(1[0-7])\$([1-8])\$(1)\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;
export const PinHash = z.string().regex(PIN_HASH, 'hash PIN harus berbentuk scrypt$N$r$p$salt$hash');

/** What is kept of an account's PIN: its hash, the wrong PINs in a row, and until when it is locked. */
export const PinTersimpan = z.object({
  hash: PinHash,
  gagal: z.int().min(0).max(PIN_ATTEMPTS),
  terkunci_sampai: z.iso.datetime().optional(),
});
export type PinTersimpan = z.infer<typeof PinTersimpan>;

/** Who set, changed or reset an account's PIN, and when: the PIN's part of the audit trail. */
export const PeristiwaPin = z.object({
  waktu: z.iso.datetime(),
  peristiwa: z.enum(['daftar', 'ganti', 'reset']),
  client: ClientName,
  request_id: z.string().regex(/^[\x21-\x7e]{1,128}$/),
});
export type PeristiwaPin = z.infer<typeof PeristiwaPin>;

/** A nasabah as it is kept: the registration data (no_hp in its 08… form), saldo and history, oldest first. */
export const Nasabah = z.object({
  nama: Nama,
  nik: Nik,
  no_hp: NoHpTersimpan,
  saldo: Saldo,
  mutasi: z.array(MutasiTercatat),
  /** Only on an account that has a PIN. */
  pin: PinTersimpan.optional(),
  /** Every time the account's PIN was set, changed or reset, oldest first. */
  riwayat_pin: z.array(PeristiwaPin).optional(),
});

/** What a registration stores: the validated data, before it has a saldo or a history. */
export const NasabahBaru = Nasabah.pick({ nama: true, nik: true, no_hp: true });

export const DaftarRequest = bodyObject({ nama: Nama, nik: Nik, no_hp: NoHp }).meta({
  id: 'DaftarRequest',
  description: 'Data nasabah baru.',
  example: { nama: 'Budi Santoso', nik: '3201010101010001', no_hp: '081234567890' },
});
export const GerakDanaRequest = bodyObject({ no_rekening: NoRekening, nominal: Nominal }).meta({
  id: 'GerakDanaRequest',
  description: 'Rekening dan nominal untuk tabung atau tarik.',
  example: { no_rekening: '1234567890', nominal: 100000 },
});
export const TransferRequest = bodyObject({
  no_rekening_asal: noRekening('no_rekening_asal'),
  no_rekening_tujuan: noRekening('no_rekening_tujuan'),
  nominal: Nominal,
})
  .refine(({ no_rekening_asal, no_rekening_tujuan }) => no_rekening_asal !== no_rekening_tujuan, {
    error: 'no_rekening_asal dan no_rekening_tujuan tidak boleh sama',
    // Only once both are valid numbers: "12" and "12" are two invalid fields, not one account twice.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    id: 'TransferRequest',
    description: 'Pindahkan nominal dari rekening asal ke rekening tujuan, sekaligus.',
    example: { no_rekening_asal: '1234567890', no_rekening_tujuan: '9876543210', nominal: 50000 },
  });
export const NoRekeningParams = z.object({ no_rekening: NoRekening });

/** RFC 3339's date-time, in either case (section 5.6 allows `t` and `z`), with any fraction of a second. */
const DATE_TIME =
  /^(?<year>[0-9]{4})-(?<month>[0-9]{2})-(?<day>[0-9]{2})[Tt](?<hour>[0-9]{2}):(?<minute>[0-9]{2}):(?<second>[0-9]{2})(?:\.(?<fraction>[0-9]+))?(?:[Zz]|(?<sign>[+-])(?<offsetHour>[0-9]{2}):(?<offsetMinute>[0-9]{2}))$/;

/**
 * The epoch millisecond of a UTC date and time, the year taken as written: Date.UTC would read years 0 to 99 as
 * 1900 to 1999 (0050-06-01 as 1950-06-01).
 */
function utcEpoch(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** The days of a month (1 to 12): the day before the first of the next. */
const daysIn = (year: number, month: number): number => new Date(utcEpoch(year, month + 1, 0)).getUTCDate();

/**
 * The epoch millisecond an RFC 3339 date-time names (fractions beyond the millisecond dropped), or undefined when
 * it names none: month 13, 25:00, 30 February. Date.parse is no judge: it takes 30 February as 2 March. A leap
 * second (:60) is taken where RFC 3339 allows one, at 23:59 UTC, as that minute's last millisecond.
 */
function epochOf(dateTime: string): number | undefined {
  const groups = DATE_TIME.exec(dateTime)?.groups;
  if (groups === undefined) return undefined;
  const part = (name: string): number => Number(groups[name] ?? 0);
  const [year, month, day] = [part('year'), part('month'), part('day')];
  const [hour, minute, second] = [part('hour'), part('minute'), part('second')];
  const inRange =
    month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 && minute <= 59;
  if (!inRange || second > 60 || part('offsetHour') > 23 || part('offsetMinute') > 59) return undefined;
  const offset = (groups.sign === '-' ? -1 : 1) * (part('offsetHour') * 60 + part('offsetMinute')) * 60_000;
  const millisecond = second === 60 ? 999 : Number((groups.fraction ?? '').padEnd(3, '0').slice(0, 3));
  const epoch = utcEpoch(year, month, day, hour, minute, Math.min(second, 59), millisecond) - offset;
  const utc = new Date(epoch);
  if (second === 60 && (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59)) return undefined;
  return epoch;
}

/**
 * A date (a whole UTC day) or an RFC 3339 date-time, as the epoch millisecond that starts or ends the range: the
 * document's `format: date` and `format: date-time`, exactly.
 */
function rangeEnd(field: 'dari' | 'sampai') {
  const rule = fieldRule(field, 'harus berupa tanggal (YYYY-MM-DD) atau tanggal-waktu RFC 3339');
  const timeOfDay = field === 'dari' ? 'T00:00:00.000Z' : 'T23:59:59.999Z';
  const date = z.iso.date().transform((value) => Date.parse(`${value}${timeOfDay}`));
  const dateTime = z
    .string()
    .transform((value, context) => {
      const epoch = epochOf(value);
      if (epoch !== undefined) return epoch;
      context.addIssue({ code: 'custom', message: rule.error({ input: value }) });
      return z.NEVER;
    })
    .meta({ format: 'date-time' });
  return z.union([date, dateTime], rule).meta({
    description:
      field === 'dari'
        ? 'Mutasi sejak waktu ini (inklusif). Tanggal saja berarti sejak awal hari itu (UTC).'
        : 'Mutasi sampai waktu ini (inklusif). Tanggal saja berarti sampai akhir hari itu (UTC).',
    example: field === 'dari' ? '2026-11-01' : '2026-11-30T23:59:59.999Z',
  });
}

/** The most mutasi one page holds, and a page's size when only `sebelum` is given. */
export const MUTASI_PER_PAGE_MAX = 1000;
export const MutasiQuery = queryObject({
  dari: rangeEnd('dari').optional(),
  sampai: rangeEnd('sampai').optional(),
  // Decimal digits only: Number() would also take 0x10, 1e1, +5 and 5.0, which no integer-typed client sends.
  limit: z
    .string(RULES.limit)
    .regex(/^[0-9]+$/, RULES.limit)
    .transform(Number)
    .pipe(z.int(RULES.limit).min(1, RULES.limit).max(MUTASI_PER_PAGE_MAX, RULES.limit))
    .meta({
      type: 'integer',
      minimum: 1,
      maximum: MUTASI_PER_PAGE_MAX,
      description:
        'Hanya N mutasi terbaru dalam rentang, tetap diurutkan dari yang terlama; jawaban membawa `sebelum` ' +
        'bila masih ada mutasi yang lebih lama.',
      example: 20,
    })
    .optional(),
  sebelum: z
    .string(RULES.sebelum)
    .regex(/^[A-Za-z0-9_-]{1,64}$/, RULES.sebelum)
    .meta({
      // No example: a cursor belongs to one account's history, so any fixed one fails on every other account.
      description:
        'Kursor dari field `sebelum` jawaban GET /mutasi sebelumnya untuk rekening yang sama (nilai buram; tidak ' +
        'dapat dibuat sendiri, dan kursor rekening lain ditolak): halaman berikutnya berisi N mutasi tepat ' +
        'sebelum halaman itu (N = limit, bawaan 1000). Mutasi yang ditambahkan kemudian tidak menggeser halaman lama.',
    })
    .optional(),
}).refine(({ dari, sampai }) => dari === undefined || sampai === undefined || dari <= sampai, {
  error: 'dari tidak boleh setelah sampai',
});

export const DaftarResponse = z
  .object({ no_rekening: NoRekening })
  .meta({ id: 'DaftarResponse', description: 'Nomor rekening nasabah yang baru terdaftar.' });
export const SaldoResponse = z
  .object({ saldo: Saldo })
  .meta({ id: 'SaldoResponse', description: 'Saldo rekening saat ini.' });
export const TabungResponse = z
  .union([
    SaldoResponse,
    z
      .object({ no_rekening: NoRekening })
      .meta({ description: 'Rekening yang dilindungi PIN: setoran tercatat, saldonya hanya dengan PIN.' }),
  ])
  .meta({
    id: 'TabungResponse',
    description:
      'Saldo setelah setoran; untuk rekening yang dilindungi PIN hanya no_rekening, karena setoran tidak meminta PIN.',
  });
export const MutasiResponse = z
  .object({
    mutasi: z.array(Mutasi).meta({ description: 'Daftar mutasi, yang terlama lebih dulu.' }),
    sebelum: z
      .string()
      .optional()
      .meta({
        description:
          'Hanya dengan limit atau sebelum, dan hanya bila ada mutasi yang lebih lama dalam rentang: kirim sebagai ' +
          '`?sebelum=` (dengan limit yang sama) untuk halaman sebelumnya. Nilai buram, hanya untuk rekening ini.',
        example: 'MTIzNDU2Nzg5MC40Mg',
      }),
  })
  .meta({ id: 'MutasiResponse', description: 'Riwayat mutasi rekening, atau satu halamannya.' });
export const PinResponse = z.object({ no_rekening: NoRekening }).meta({
  id: 'PinResponse',
  description: 'Rekening yang PIN-nya baru saja diatur; sudah tersimpan di disk.',
});
export const PinRequest = bodyObject({ no_rekening: NoRekening }).meta({
  id: 'PinRequest',
  description: 'Rekening yang PIN-nya diatur. PIN lama dan baru dikirim di header, tidak pernah di body.',
  example: { no_rekening: '1234567890' },
});
export const RemarkResponse = z
  .object({
    remark: z.string().meta({
      description: 'Kalimat yang menjelaskan kesalahan: field atau aturan yang dilanggar.',
      example: 'saldo tidak cukup: saldo 70000, nominal penarikan 100000',
    }),
  })
  .meta({ id: 'RemarkResponse', description: 'Keterangan kesalahan.' });

export type NoRekening = z.infer<typeof NoRekening>;
export type KodeTransaksi = z.infer<typeof KodeTransaksi>;
export type Mutasi = z.infer<typeof Mutasi>;
export type Nasabah = z.infer<typeof Nasabah>;
export type NasabahBaru = z.infer<typeof NasabahBaru>;
export type MutasiTercatat = z.infer<typeof MutasiTercatat>;
export type DaftarRequest = z.infer<typeof DaftarRequest>;
export type GerakDanaRequest = z.infer<typeof GerakDanaRequest>;
export type TransferRequest = z.infer<typeof TransferRequest>;
export type DaftarResponse = z.infer<typeof DaftarResponse>;
export type SaldoResponse = z.infer<typeof SaldoResponse>;
export type TabungResponse = z.infer<typeof TabungResponse>;
export type MutasiResponse = z.infer<typeof MutasiResponse>;
export type PinResponse = z.infer<typeof PinResponse>;
export type PinRequest = z.infer<typeof PinRequest>;
export type MutasiQuery = z.output<typeof MutasiQuery>;
