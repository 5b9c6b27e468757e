// Every endpoint, defined once: method, path, schemas, what it answers, and its handler. routes.ts builds the
// Express routes from this table and docs.ts the OpenAPI document, so the two cannot disagree on what exists.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import {
  DaftarRequest,
  DaftarResponse,
  GerakDanaRequest,
  MutasiQuery,
  MutasiResponse,
  NoRekeningParams,
  PinRequest,
  PinResponse,
  SaldoResponse,
  TabungResponse,
  TransferRequest,
  PIN_ATTEMPTS,
  pinHeader,
} from '../domain/schemas';
import { IdempotencyKey } from '../domain/idempotency';
import { decodeCursor, encodeCursor } from '../domain/paging';
import { DEFAULT_PIN_LOCKOUT_MS } from '../domain/pin';
import {
  BatasHarianTerlampaui,
  NikSudahTerdaftar,
  NoHpSudahTerdaftar,
  PinWajibSaatDaftar,
  PinBelumAda,
  PinSalah,
  PinTerkunci,
  PinWajib,
  RekeningTidakDikenali,
  SaldoMelebihiBatas,
  SaldoTidakCukup,
} from '../domain/errors';
import { requirePinReset } from './auth';
import type { Caller, Tabungan } from '../domain/tabungan';
import type { ClientBudgets } from './budgets';
import { sendJsonList } from './json-stream';
import { callerOf, newPinOf, requiredNewPinOf } from './caller';
import { validate } from './validate';

export const HealthResponse = z
  .object({
    status: z
      .literal('ok')
      .meta({ description: 'Penyimpanan (berkas data atau basis data) terbaca dan layanan siap.' }),
  })
  .meta({ id: 'HealthResponse' });

/** What a handler may use: the use cases, and the client budgets a route takes part in. */
export interface EndpointDeps {
  tabungan: Tabungan;
  budgets: ClientBudgets;
}

/**
 * One way an endpoint's use case may refuse a request: a name for the OpenAPI example, when it happens, and the
 * error itself, which the error handler turns into the status and remark the document shows.
 */
export interface Refusal {
  name: string;
  when: string;
  error: unknown;
}

/** The document's groups of operations. */
export const TAGS = {
  rekening: 'Pendaftaran nasabah, saldo dan mutasi.',
  transaksi: 'Uang masuk dan keluar: tabung, tarik, transfer.',
  pin: 'PIN nasabah: ganti sendiri, atau diatur ulang operator.',
  layanan: 'Kesehatan layanan, untuk load balancer dan pemantau.',
} as const;
export type Tag = keyof typeof TAGS;

export interface Endpoint {
  method: 'get' | 'post';
  /** The operation's name in generated clients: the use case's. */
  operationId: string;
  tag: Tag;
  /** In OpenAPI's form, `{name}` for a parameter; routes.ts turns it into Express's `:name`. */
  path: string;
  summary: string;
  description?: string;
  /** A JSON body (POST), the headers it reads (for the docs: an Idempotency-Key, a PIN), path and query parameters. */
  body?: z.ZodType;
  headers?: z.ZodObject;
  params?: z.ZodObject;
  query?: z.ZodObject;
  success: { schema: z.ZodType; description: string };
  /** How its use case may refuse (the HTTP edge's own refusals are docs.ts's to add). */
  refusals: readonly Refusal[];
  /** Run before the body is parsed (say, a client's registrations per hour). */
  before?: (deps: EndpointDeps) => RequestHandler[];
  handler: (deps: EndpointDeps) => RequestHandler;
}

const IDEMPOTENCY_HEADER = {
  'Idempotency-Key': IdempotencyKey.optional().meta({
    description:
      'Opsional. Kunci unik per permintaan (1–255 karakter ASCII terlihat). Mengulang permintaan dengan kunci ' +
      'dan isi yang sama mengembalikan jawaban pertama tanpa memindahkan uang lagi, selama 24 jam. PIN tidak ' +
      'termasuk isi: ulangan dengan PIN salah ditolak sebelum jawaban pertama diberikan lagi.',
    // No example on purpose: Swagger UI would send it with every "Try it out", making each new request a
    // conflicting retry of the first.
  }),
};
const PIN_HEADER = {
  'X-PIN': pinHeader('X-PIN')
    .optional()
    .meta({
      description:
        'PIN 6 digit nasabah, wajib bila rekening (asal) memiliki PIN. Hanya di header, tidak pernah di body ' +
        'atau query. 3 kali salah berturut-turut mengunci rekening (bawaan 15 menit).',
    }),
};
const NEW_PIN_HEADER = (description: string) => ({
  'X-PIN-Baru': pinHeader('X-PIN-Baru').optional().meta({ description }),
});

/** The refusal `attempt` really meets: an example whose remark cannot drift from the rule that makes it. */
export function refusalOf(name: string, when: string, attempt: () => unknown): Refusal {
  try {
    attempt();
  } catch (error) {
    return { name, when, error };
  }
  throw new Error(`the example ${name} is not refused`);
}

const invalid = (
  name: string,
  schema: z.ZodType,
  input: unknown,
  when = 'Field tidak valid (remark menyebut semuanya)',
): Refusal => refusalOf(name, when, () => validate(schema, input));

const EXAMPLE_REKENING = '1234567890';
const TIDAK_DIKENALI: Refusal = {
  name: 'rekeningTidakDikenali',
  when: 'no_rekening tidak dikenali',
  error: new RekeningTidakDikenali(EXAMPLE_REKENING),
};
/** When the example lock began: any instant; the lock lasts the default lockout. */
const LOCKED_AT = Date.parse('2026-12-03T09:00:00.000Z');
/** Refusals of a call the account's PIN must agree to, under the default lockout. */
const PIN_REFUSALS: readonly Refusal[] = [
  {
    name: 'pinWajib',
    when: 'Rekening ber-PIN, X-PIN tidak dikirim',
    error: new PinWajib(EXAMPLE_REKENING),
  },
  {
    name: 'pinSalah',
    when: 'X-PIN salah (remark menyebut sisa percobaan)',
    error: new PinSalah(PIN_ATTEMPTS - 1, DEFAULT_PIN_LOCKOUT_MS / 60_000),
  },
  {
    name: 'pinTerkunci',
    when: `Rekening dikunci setelah ${PIN_ATTEMPTS} PIN salah berturut-turut (Retry-After: sampai kunci berakhir)`,
    error: new PinTerkunci(new Date(LOCKED_AT + DEFAULT_PIN_LOCKOUT_MS), new Date(LOCKED_AT)),
  },
];
const BATAS_HARIAN: Refusal = {
  name: 'batasHarian',
  when: 'Melebihi batas harian uang keluar (DAILY_DEBIT_LIMIT)',
  error: new BatasHarianTerlampaui(5_000_000, 250_000, 'Asia/Jakarta'),
};
const TIDAK_CUKUP: Refusal = {
  name: 'saldoTidakCukup',
  when: 'Saldo tidak cukup',
  error: new SaldoTidakCukup(70_000, 100_000),
};
const MELEBIHI_BATAS: Refusal = {
  name: 'saldoMelebihiBatas',
  when: 'Saldo (tujuan) akan melebihi batas',
  error: new SaldoMelebihiBatas(),
};

/** A POST: its body's schema (for the docs and for validation alike), and its handler: the use case with it. */
function post<Body>(
  body: z.ZodType<Body>,
  useCase: (tabungan: Tabungan, data: Body, caller: Caller) => Promise<unknown>,
): Pick<Endpoint, 'body' | 'handler'> {
  return {
    body,
    handler:
      ({ tabungan }) =>
      async (req, res) => {
        res.json(await useCase(tabungan, validate(body, req.body), callerOf(req)));
      },
  };
}

/** The endpoints of the seed's contract, behind authentication; /health is public and has its own route. */
export const ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'post',
    path: '/daftar',
    operationId: 'daftar',
    tag: 'rekening',
    summary: 'Daftarkan nasabah baru',
    description:
      'Membuka rekening dengan saldo 0 dan memberi no_rekening 10 digit yang baru. nik dan no_hp unik per nasabah. ' +
      'Dengan X-PIN rekening dilindungi PIN sejak awal.',
    success: {
      schema: DaftarResponse,
      description: 'Nasabah terdaftar; no_rekening sudah tersimpan di disk.',
    },
    refusals: [
      invalid('fieldTidakValid', DaftarRequest, { nama: 'Budi', nik: '320101', no_hp: '081234567890' }),
      { name: 'nikSudahTerdaftar', when: 'nik sudah terdaftar', error: new NikSudahTerdaftar() },
      { name: 'noHpSudahTerdaftar', when: 'no_hp sudah terdaftar', error: new NoHpSudahTerdaftar() },
      {
        name: 'pinWajib',
        when: 'PIN_REQUIRED=true dan X-PIN tidak dikirim',
        error: new PinWajibSaatDaftar(),
      },
    ],
    headers: z.object({
      ...IDEMPOTENCY_HEADER,
      'X-PIN': pinHeader('X-PIN')
        .optional()
        .meta({
          description:
            'Opsional (wajib bila server memakai PIN_REQUIRED=true): PIN 6 digit untuk rekening baru. Rekening ' +
            'ber-PIN meminta PIN untuk tarik, transfer keluar, saldo dan mutasi.',
        }),
    }),
    before: ({ budgets }) => [budgets.daftar],
    ...post(DaftarRequest, (tabungan, data, caller) => tabungan.daftar(data, caller)),
  },
  {
    method: 'post',
    path: '/tabung',
    operationId: 'tabung',
    tag: 'transaksi',
    summary: 'Tabung (setor) ke rekening',
    description:
      'Menambah saldo sebesar nominal dan mencatat mutasi C. Tidak meminta PIN: siapa pun boleh menyetor ke ' +
      'rekening yang dikenalnya.',
    success: {
      schema: TabungResponse,
      description:
        'Saldo setelah setoran (rekening dilindungi PIN: hanya no_rekening); sudah tersimpan di disk.',
    },
    refusals: [
      invalid('fieldTidakValid', GerakDanaRequest, { no_rekening: EXAMPLE_REKENING, nominal: 0 }),
      TIDAK_DIKENALI,
      MELEBIHI_BATAS,
    ],
    headers: z.object(IDEMPOTENCY_HEADER),
    ...post(GerakDanaRequest, (tabungan, data, caller) => tabungan.tabung(data, caller)),
  },
  {
    method: 'post',
    path: '/tarik',
    operationId: 'tarik',
    tag: 'transaksi',
    summary: 'Tarik dana dari rekening',
    description:
      'Mengurangi saldo sebesar nominal dan mencatat mutasi D; ditolak tanpa perubahan apa pun bila saldo tidak ' +
      'cukup. Rekening ber-PIN meminta X-PIN.',
    success: { schema: SaldoResponse, description: 'Saldo setelah penarikan; sudah tersimpan di disk.' },
    refusals: [
      invalid('fieldTidakValid', GerakDanaRequest, { no_rekening: '12345', nominal: 1.5 }),
      TIDAK_DIKENALI,
      TIDAK_CUKUP,
      BATAS_HARIAN,
      ...PIN_REFUSALS,
    ],
    headers: z.object({ ...IDEMPOTENCY_HEADER, ...PIN_HEADER }),
    ...post(GerakDanaRequest, (tabungan, data, caller) => tabungan.tarik(data, caller)),
  },
  {
    method: 'post',
    path: '/transfer',
    operationId: 'transfer',
    tag: 'transaksi',
    summary: 'Transfer antar rekening',
    description:
      'Semua atau tidak sama sekali: satu mutasi D pada rekening asal dan satu mutasi C pada rekening tujuan, ' +
      'dengan waktu yang sama, masing-masing menyebut rekening lawannya (no_rekening_lawan).',
    success: {
      schema: SaldoResponse,
      description: 'Saldo rekening asal setelah transfer; kedua mutasi sudah tersimpan di disk.',
    },
    refusals: [
      invalid('fieldTidakValid', TransferRequest, { no_rekening_asal: EXAMPLE_REKENING, nominal: 50_000 }),
      invalid(
        'rekeningSama',
        TransferRequest,
        { no_rekening_asal: EXAMPLE_REKENING, no_rekening_tujuan: EXAMPLE_REKENING, nominal: 50_000 },
        'Asal dan tujuan sama',
      ),
      TIDAK_DIKENALI,
      TIDAK_CUKUP,
      BATAS_HARIAN,
      MELEBIHI_BATAS,
      ...PIN_REFUSALS,
    ],
    headers: z.object({ ...IDEMPOTENCY_HEADER, ...PIN_HEADER }),
    ...post(TransferRequest, (tabungan, data, caller) => tabungan.transfer(data, caller)),
  },
  {
    method: 'get',
    path: '/saldo/{no_rekening}',
    operationId: 'saldo',
    tag: 'rekening',
    summary: 'Lihat saldo rekening',
    description: 'Saldo saat ini, dalam rupiah. Rekening ber-PIN meminta X-PIN.',
    params: NoRekeningParams,
    headers: z.object(PIN_HEADER),
    success: { schema: SaldoResponse, description: 'Saldo saat ini.' },
    refusals: [
      invalid('fieldTidakValid', NoRekeningParams, { no_rekening: '12345' }),
      TIDAK_DIKENALI,
      ...PIN_REFUSALS,
    ],
    handler:
      ({ tabungan }) =>
      async (req, res) => {
        const { no_rekening } = validate(NoRekeningParams, req.params);
        res.json(await tabungan.saldo(no_rekening, callerOf(req)));
      },
  },
  {
    method: 'get',
    path: '/mutasi/{no_rekening}',
    operationId: 'mutasi',
    tag: 'rekening',
    summary: 'Lihat mutasi rekening',
    description:
      'Tanpa limit dan sebelum: seluruh riwayat, yang terlama lebih dulu, dikirim bertahap (chunked) selagi ' +
      'dibaca. Dengan limit: N mutasi terbaru dan kursor `sebelum` bila masih ada yang lebih lama; kirim ' +
      '`?limit=N&sebelum=<kursor>` untuk halaman sebelumnya.',
    params: NoRekeningParams,
    headers: z.object(PIN_HEADER),
    query: MutasiQuery,
    success: { schema: MutasiResponse, description: 'Riwayat mutasi, yang terlama lebih dulu.' },
    refusals: [
      invalid('queryTidakValid', MutasiQuery, { limit: '0', from: '2026-11-01' }),
      refusalOf('kursorAsing', 'sebelum bukan kursor rekening ini', () =>
        decodeCursor(EXAMPLE_REKENING, encodeCursor('9876543210', 42)),
      ),
      TIDAK_DIKENALI,
      ...PIN_REFUSALS,
    ],
    handler:
      ({ tabungan, budgets }) =>
      async (req, res) => {
        const { no_rekening } = validate(NoRekeningParams, req.params);
        const query = validate(MutasiQuery, req.query);
        const caller = callerOf(req);
        // Without limit or sebelum the answer is the whole history (the brief's contract): streamed, however long.
        if (query.limit === undefined && query.sebelum === undefined) {
          const mutasi = await tabungan.mutasi(no_rekening, query, caller);
          await sendJsonList(res, 'mutasi', mutasi, budgets.stream(req, res));
        } else {
          res.json(await tabungan.halamanMutasi(no_rekening, query, caller));
        }
      },
  },
  {
    method: 'post',
    path: '/pin',
    operationId: 'gantiPin',
    tag: 'pin',
    summary: 'Ganti PIN rekening',
    description:
      'PIN lama di header X-PIN, PIN baru di X-PIN-Baru. Rekening tanpa PIN ditolak (409): PIN pertama diberikan ' +
      'saat daftar atau oleh operator (/pin/reset). Tanpa Idempotency-Key: mengulang dengan PIN yang sama memberi ' +
      'keadaan yang sama.',
    headers: z.object({
      ...PIN_HEADER,
      ...NEW_PIN_HEADER('Wajib: PIN 6 digit yang baru.'),
    }),
    success: { schema: PinResponse, description: 'PIN sudah diganti dan tersimpan di disk.' },
    refusals: [
      invalid('fieldTidakValid', PinRequest, { no_rekening: '12345' }),
      refusalOf('pinBaruTidakValid', 'X-PIN-Baru tidak dikirim atau bukan 6 digit', () =>
        validate(pinHeader('X-PIN-Baru'), undefined),
      ),
      TIDAK_DIKENALI,
      { name: 'pinBelumAda', when: 'Rekening belum ber-PIN', error: new PinBelumAda(EXAMPLE_REKENING) },
      ...PIN_REFUSALS,
    ],
    body: PinRequest,
    handler:
      ({ tabungan }) =>
      async (req, res) => {
        const { no_rekening } = validate(PinRequest, req.body);
        res.json(await tabungan.gantiPin(no_rekening, requiredNewPinOf(req), callerOf(req)));
      },
  },
  {
    method: 'post',
    path: '/pin/reset',
    operationId: 'resetPin',
    tag: 'pin',
    summary: 'Atur ulang PIN (operator)',
    description:
      'Hanya untuk kunci API dengan pilihan :reset-pin (atau mode terbuka): mengakhiri penguncian dan memasang ' +
      'PIN dari X-PIN-Baru, atau tanpa header itu melepas PIN. Tercatat di riwayat_pin rekening (siapa, kapan).',
    headers: z.object(NEW_PIN_HEADER('Opsional: PIN baru. Tanpa header ini rekening tidak lagi ber-PIN.')),
    success: { schema: PinResponse, description: 'PIN sudah diatur ulang dan tersimpan di disk.' },
    refusals: [
      invalid('fieldTidakValid', PinRequest, { no_rekening: '12345' }),
      refusalOf('pinBaruTidakValid', 'X-PIN-Baru bukan 6 digit', () =>
        validate(pinHeader('X-PIN-Baru'), '12345'),
      ),
      TIDAK_DIKENALI,
    ],
    before: () => [requirePinReset],
    body: PinRequest,
    handler:
      ({ tabungan }) =>
      async (req, res) => {
        const { no_rekening } = validate(PinRequest, req.body);
        res.json(await tabungan.resetPin(no_rekening, newPinOf(req), callerOf(req)));
      },
  },
];
