// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests, and Swagger UI on it.
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import { pageSecurityHeaders } from './security-headers';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { RemarkResponse } from '../domain/schemas';
import { ENDPOINTS, HealthResponse } from './endpoints';

function jsonResponse(schema: z.ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

const errorResponse = (description: string) => jsonResponse(RemarkResponse, description);

const RETRY_AFTER = {
  'Retry-After': { description: 'Detik sebelum boleh mencoba lagi.', schema: { type: 'integer' as const } },
};

/** Every answer a client may meet besides the success one; the remark says which rule it broke. */
const COMMON_ERRORS = {
  401: {
    ...errorResponse(
      'Tanpa Authorization: Bearer <token>, atau token tidak dikenali (hanya bila server memakai API_KEYS).',
    ),
    headers: {
      'WWW-Authenticate': { description: 'Bearer realm="tabungan"', schema: { type: 'string' as const } },
    },
  },
  403: errorResponse(
    'Tanpa API_KEYS: Host bukan localhost, 127.0.0.1 atau [::1]. Dengan API_KEYS: kunci hanya-baca pada POST, ' +
      'atau kunci tanpa :reset-pin pada /pin/reset. Rekening ber-PIN: X-PIN tidak dikirim atau salah (remark ' +
      'menyebut sisa percobaan).',
  ),
  404: errorResponse('Endpoint tidak ada.'),
  429: {
    ...errorResponse(
      'Melewati anggaran klien ini (permintaan per detik, riwayat utuh sekaligus), terlalu banyak kegagalannya ' +
        'sendiri dalam satu menit, atau rekening dikunci setelah 3 PIN salah; ulangi setelah Retry-After.',
    ),
    headers: RETRY_AFTER,
  },
  500: errorResponse('Kesalahan tak terduga; rinciannya hanya ada di log server.'),
  503: {
    ...errorResponse(
      'Penyimpanan sedang tidak dapat dipakai, atau antrean perubahan penuh; tidak ada yang berubah, ulangi nanti.',
    ),
    headers: RETRY_AFTER,
  },
};
const POST_ERRORS = {
  ...COMMON_ERRORS,
  409: errorResponse('Idempotency-Key sudah dipakai untuk permintaan berbeda.'),
  413: errorResponse('Body lebih dari 100 kB.'),
  415: errorResponse('Content-Type bukan application/json.'),
  429: {
    ...errorResponse(
      'Melewati anggaran klien ini (permintaan per detik, pendaftaran per jam, bagiannya dari antrean perubahan), ' +
        'terlalu banyak kegagalannya sendiri (lihat Retry-After), rekening dikunci setelah 3 PIN salah, atau klien ' +
        'ini sudah menyimpan batas Idempotency-Key dalam 24 jam (IDEMPOTENCY_KEYS_PER_CLIENT).',
    ),
    headers: RETRY_AFTER,
  },
};

/** Every endpoint but /health and the docs, when the server runs with API_KEYS. */
const BEARER = [{ bearerAuth: [] }];

function createOpenApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'Token dari `npm run api-key -- <nama>`; server hanya menyimpan SHA-256-nya di API_KEYS. Tanpa API_KEYS ' +
      '(mode terbuka, hanya loopback) token tidak diperlukan.',
  });
  for (const endpoint of ENDPOINTS) {
    const { method, path, summary, description, body, headers, params, query, success, refusals } = endpoint;
    registry.registerPath({
      method,
      path,
      summary,
      ...(description === undefined ? {} : { description }),
      security: BEARER,
      request: {
        ...(body === undefined ? {} : { body: { content: { 'application/json': { schema: body } } } }),
        ...(headers === undefined ? {} : { headers }),
        ...(params === undefined ? {} : { params }),
        ...(query === undefined ? {} : { query }),
      },
      responses: {
        200: jsonResponse(success.schema, success.description),
        400: errorResponse(refusals),
        ...(body === undefined ? COMMON_ERRORS : POST_ERRORS),
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/health',
    summary: 'Periksa kesehatan layanan',
    description: 'Tanpa token, untuk load balancer dan pemantau.',
    security: [],
    responses: {
      200: jsonResponse(HealthResponse, 'Layanan siap dan penyimpanan terbaca.'),
      503: errorResponse(
        'Layanan belum siap: penyimpanan tidak terbaca. Penyebabnya hanya ada di log server, tidak di jawaban.',
      ),
      500: COMMON_ERRORS[500],
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tabungan API',
      version: '1.0.0',
      description:
        'Layanan rekening tabungan: daftar, tabung, tarik, transfer, saldo dan mutasi. Nominal dan saldo adalah bilangan ' +
        'bulat rupiah. Setiap jawaban 200 dari POST berarti perubahan sudah tersimpan di disk.',
    },
  });
}

/**
 * The OpenAPI document (GET /openapi.json) and Swagger UI (under /docs), as handlers for the app to mount at
 * those paths: mounted by path, no other request enters them (a router mounted at / cost every request ~5 %).
 * The document is built once: it never changes while running.
 */
export function createDocs(): { document: RequestHandler[]; ui: RequestHandler[] } {
  const document = createOpenApiDocument();
  const serveDocument: RequestHandler = (_req, res) => {
    res.json(document);
  };
  return {
    document: [pageSecurityHeaders, serveDocument],
    ui: [
      pageSecurityHeaders,
      ...swaggerUi.serve,
      swaggerUi.setup(document, { customSiteTitle: 'Tabungan API' }),
    ],
  };
}
