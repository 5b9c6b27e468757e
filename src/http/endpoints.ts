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
  pinHeader,
} from '../domain/schemas';
import { IdempotencyKey } from '../domain/idempotency';
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

export interface Endpoint {
  method: 'get' | 'post';
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
  /** When it answers 400: the rules a request may break. */
  refusals: string;
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
    summary: 'Daftarkan nasabah baru',
    success: {
      schema: DaftarResponse,
      description: 'Nasabah terdaftar; no_rekening sudah tersimpan di disk.',
    },
    refusals: 'Field tidak valid, nik / no_hp sudah terdaftar, atau (bila PIN_REQUIRED) X-PIN tidak dikirim.',
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
    summary: 'Tabung (setor) ke rekening',
    success: {
      schema: TabungResponse,
      description:
        'Saldo setelah setoran (rekening dilindungi PIN: hanya no_rekening); sudah tersimpan di disk.',
    },
    refusals: 'Field tidak valid, no_rekening tidak dikenali, atau saldo akan melebihi batas.',
    headers: z.object(IDEMPOTENCY_HEADER),
    ...post(GerakDanaRequest, (tabungan, data, caller) => tabungan.tabung(data, caller)),
  },
  {
    method: 'post',
    path: '/tarik',
    summary: 'Tarik dana dari rekening',
    success: { schema: SaldoResponse, description: 'Saldo setelah penarikan; sudah tersimpan di disk.' },
    refusals:
      'Field tidak valid, no_rekening tidak dikenali, saldo tidak cukup, atau melebihi batas harian (tidak ada ' +
      'yang berubah).',
    headers: z.object({ ...IDEMPOTENCY_HEADER, ...PIN_HEADER }),
    ...post(GerakDanaRequest, (tabungan, data, caller) => tabungan.tarik(data, caller)),
  },
  {
    method: 'post',
    path: '/transfer',
    summary: 'Transfer antar rekening',
    description:
      'Semua atau tidak sama sekali: satu mutasi D pada rekening asal dan satu mutasi C pada rekening tujuan, ' +
      'dengan waktu yang sama, masing-masing menyebut rekening lawannya (no_rekening_lawan).',
    success: {
      schema: SaldoResponse,
      description: 'Saldo rekening asal setelah transfer; kedua mutasi sudah tersimpan di disk.',
    },
    refusals:
      'Field tidak valid, asal dan tujuan sama, salah satu no_rekening tidak dikenali, saldo asal tidak cukup, ' +
      'melebihi batas harian asal, atau saldo tujuan akan melebihi batas (tidak ada yang berubah).',
    headers: z.object({ ...IDEMPOTENCY_HEADER, ...PIN_HEADER }),
    ...post(TransferRequest, (tabungan, data, caller) => tabungan.transfer(data, caller)),
  },
  {
    method: 'get',
    path: '/saldo/{no_rekening}',
    summary: 'Lihat saldo rekening',
    params: NoRekeningParams,
    headers: z.object(PIN_HEADER),
    success: { schema: SaldoResponse, description: 'Saldo saat ini.' },
    refusals: 'no_rekening tidak valid atau tidak dikenali.',
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
    summary: 'Lihat mutasi rekening',
    description:
      'Tanpa limit dan sebelum: seluruh riwayat, yang terlama lebih dulu, dikirim bertahap (chunked) selagi ' +
      'dibaca. Dengan limit: N mutasi terbaru dan kursor `sebelum` bila masih ada yang lebih lama; kirim ' +
      '`?limit=N&sebelum=<kursor>` untuk halaman sebelumnya.',
    params: NoRekeningParams,
    headers: z.object(PIN_HEADER),
    query: MutasiQuery,
    success: { schema: MutasiResponse, description: 'Riwayat mutasi, yang terlama lebih dulu.' },
    refusals: 'no_rekening atau parameter query tidak valid, atau no_rekening tidak dikenali.',
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
    summary: 'Ganti (atau pasang) PIN rekening',
    description:
      'PIN baru di header X-PIN-Baru; PIN lama di X-PIN bila rekening sudah ber-PIN (rekening tanpa PIN ' +
      'mendapat PIN pertamanya). Tanpa Idempotency-Key: mengulang dengan PIN yang sama memberi keadaan yang sama.',
    headers: z.object({
      ...PIN_HEADER,
      ...NEW_PIN_HEADER('Wajib: PIN 6 digit yang baru.'),
    }),
    success: { schema: PinResponse, description: 'PIN sudah diganti dan tersimpan di disk.' },
    refusals: 'Field atau header PIN tidak valid, atau no_rekening tidak dikenali.',
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
    summary: 'Atur ulang PIN (operator)',
    description:
      'Hanya untuk kunci API dengan pilihan :reset-pin (atau mode terbuka): mengakhiri penguncian dan memasang ' +
      'PIN dari X-PIN-Baru, atau tanpa header itu melepas PIN. Tercatat di riwayat_pin rekening (siapa, kapan).',
    headers: z.object(NEW_PIN_HEADER('Opsional: PIN baru. Tanpa header ini rekening tidak lagi ber-PIN.')),
    success: { schema: PinResponse, description: 'PIN sudah diatur ulang dan tersimpan di disk.' },
    refusals: 'Field atau header PIN tidak valid, atau no_rekening tidak dikenali.',
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
