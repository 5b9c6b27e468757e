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
  SaldoResponse,
  TransferRequest,
} from '../domain/schemas';
import type { Caller, Tabungan } from '../domain/tabungan';
import type { ClientBudgets } from './budgets';
import { sendJsonList } from './json-stream';
import { callerOf } from './caller';
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
  /** A JSON body (POST, with an optional Idempotency-Key), path parameters, query parameters. */
  body?: z.ZodType;
  params?: z.ZodObject;
  query?: z.ZodObject;
  success: { schema: z.ZodType; description: string };
  /** When it answers 400: the rules a request may break. */
  refusals: string;
  /** Run before the body is parsed (say, a client's registrations per hour). */
  before?: (deps: EndpointDeps) => RequestHandler[];
  handler: (deps: EndpointDeps) => RequestHandler;
}

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
    refusals: 'Field tidak valid, atau nik / no_hp sudah terdaftar.',
    before: ({ budgets }) => [budgets.daftar],
    ...post(DaftarRequest, (tabungan, data, caller) => tabungan.daftar(data, caller)),
  },
  {
    method: 'post',
    path: '/tabung',
    summary: 'Tabung (setor) ke rekening',
    success: { schema: SaldoResponse, description: 'Saldo setelah setoran; sudah tersimpan di disk.' },
    refusals: 'Field tidak valid, no_rekening tidak dikenali, atau saldo akan melebihi batas.',
    ...post(GerakDanaRequest, (tabungan, data, caller) => tabungan.tabung(data, caller)),
  },
  {
    method: 'post',
    path: '/tarik',
    summary: 'Tarik dana dari rekening',
    success: { schema: SaldoResponse, description: 'Saldo setelah penarikan; sudah tersimpan di disk.' },
    refusals:
      'Field tidak valid, no_rekening tidak dikenali, atau saldo tidak cukup (tidak ada yang berubah).',
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
      'atau saldo tujuan akan melebihi batas (tidak ada yang berubah).',
    ...post(TransferRequest, (tabungan, data, caller) => tabungan.transfer(data, caller)),
  },
  {
    method: 'get',
    path: '/saldo/{no_rekening}',
    summary: 'Lihat saldo rekening',
    params: NoRekeningParams,
    success: { schema: SaldoResponse, description: 'Saldo saat ini.' },
    refusals: 'no_rekening tidak valid atau tidak dikenali.',
    handler:
      ({ tabungan }) =>
      async (req, res) => {
        res.json(await tabungan.saldo(validate(NoRekeningParams, req.params).no_rekening));
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
    query: MutasiQuery,
    success: { schema: MutasiResponse, description: 'Riwayat mutasi, yang terlama lebih dulu.' },
    refusals: 'no_rekening atau parameter query tidak valid, atau no_rekening tidak dikenali.',
    handler:
      ({ tabungan, budgets }) =>
      async (req, res) => {
        const { no_rekening } = validate(NoRekeningParams, req.params);
        const query = validate(MutasiQuery, req.query);
        // Without limit or sebelum the answer is the whole history (the brief's contract): streamed, however long.
        if (query.limit === undefined && query.sebelum === undefined) {
          const pace = budgets.stream(req, res);
          await sendJsonList(res, 'mutasi', await tabungan.mutasi(no_rekening, query), pace);
        } else {
          res.json(await tabungan.halamanMutasi(no_rekening, query));
        }
      },
  },
];
