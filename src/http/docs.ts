// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests and the same errors that
// refuse them, and Swagger UI on it. Each operation lists only the statuses it can answer in the server's mode,
// with the remarks the server really sends as its examples.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import { IdempotencyKeyConflict, IdempotencyKeyLimit, QueueFull, StorageUnavailable } from '../domain/errors';
import { IDEMPOTENCY_KEYS_PER_CLIENT } from '../domain/idempotency';
import { NoQuery, RemarkResponse } from '../domain/schemas';
import { FOREIGN_HOST, MISSING_TOKEN, NO_PIN_RESET, READ_ONLY_KEY, UNKNOWN_TOKEN, type Access } from './auth';
import { BUDGET_REFUSALS, DEFAULT_BUDGET } from './budgets';
import { ENDPOINTS, HealthResponse, TAGS, refusalOf, type Endpoint, type Refusal } from './endpoints';
import { BODY_PARSER, HttpError, toAnswer, type Answer } from './error-handler';
import { NO_BODY, NOT_JSON } from './json-body';
import { MAX_PIPELINED_REQUESTS, tooManyFailures, tooManyInFlight } from './limits';
import { pageSecurityHeaders } from './security-headers';
import { validate } from './validate';

/** package.json's version: two levels up from src/http and from dist/http alike. */
const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** What the document depends on: who may call, and whether the per-client budgets are on. */
export interface DocsSettings {
  access: Access;
  budgeted: boolean;
}

const refusal = (name: string, when: string, error: unknown): Refusal => ({ name, when, error });

/** Open mode on loopback refuses a foreign Host; with ALLOW_UNAUTHENTICATED (anyHost) or API keys, any is taken. */
const hostRefusals = (access: Access): Refusal[] =>
  access.mode === 'open' && !access.anyHost
    ? [refusal('hostAsing', 'Host bukan localhost, 127.0.0.1 atau [::1]', FOREIGN_HOST)]
    : [];

/** Met by every operation, /health included: the connection's and the client's own limits, and a bug. */
function sharedRefusals({ budgeted }: DocsSettings): Refusal[] {
  return [
    refusal(
      'terlaluBanyakSekaligus',
      'Lebih dari 16 permintaan sekaligus dalam satu koneksi',
      tooManyInFlight(MAX_PIPELINED_REQUESTS),
    ),
    ...(budgeted
      ? [
          refusal(
            'melebihiAnggaran',
            'Melebihi anggaran permintaan per detik klien ini',
            BUDGET_REFUSALS.overRate(1),
          ),
        ]
      : []),
    refusal(
      'kesalahanServer',
      'Kesalahan tak terduga; rinciannya hanya di log server',
      new Error('internal'),
    ),
  ];
}

/**
 * What a protected operation may meet besides its use case's own refusals: the query and the body, who is
 * calling, the client's limits, and storage.
 */
function edgeRefusals(endpoint: Endpoint, settings: DocsSettings): Refusal[] {
  const { access, budgeted } = settings;
  const isPost = endpoint.method === 'post';
  const headers = Object.keys(endpoint.headers?.shape ?? {});
  // A PIN-checked call writes its attempt count, so it can find the queue of changes full, as a POST can.
  const writes = isPost || headers.includes('X-PIN');
  const when = (condition: boolean, ...refusals: Refusal[]): Refusal[] => (condition ? refusals : []);
  return [
    ...when(
      endpoint.query === undefined,
      refusalOf('queryTidakDikenal', 'Parameter query apa pun: endpoint ini tidak menerimanya', () =>
        validate(NoQuery, { contoh: '1' }),
      ),
    ),
    ...when(
      isPost,
      refusal('bodyKosong', 'Content-Type JSON tanpa body', NO_BODY),
      refusal('bukanJson', 'Body bukan JSON', BODY_PARSER['entity.parse.failed']),
      refusal('terlaluBesar', 'Body lebih dari 100 kB', BODY_PARSER['entity.too.large']),
      refusal('bukanApplicationJson', 'Content-Type bukan application/json', NOT_JSON),
    ),
    ...hostRefusals(access),
    ...when(
      access.mode === 'apiKeys',
      refusal('tanpaToken', 'Tanpa Authorization: Bearer <token>', MISSING_TOKEN),
      refusal('tokenTidakDikenali', 'Token tidak dikenali', UNKNOWN_TOKEN),
      ...when(isPost, refusal('kunciHanyaBaca', 'Kunci API hanya-baca', READ_ONLY_KEY)),
      ...when(
        endpoint.operationId === 'resetPin',
        refusal('kunciTanpaResetPin', 'Kunci API tanpa pilihan :reset-pin', NO_PIN_RESET),
      ),
    ),
    ...when(
      headers.includes('Idempotency-Key'),
      refusal('kunciBentrok', 'Idempotency-Key sudah dipakai untuk isi lain', new IdempotencyKeyConflict()),
      refusal(
        'batasKunci',
        'Klien sudah menyimpan IDEMPOTENCY_KEYS_PER_CLIENT kunci dalam 24 jam',
        new IdempotencyKeyLimit(IDEMPOTENCY_KEYS_PER_CLIENT),
      ),
    ),
    refusal(
      'terlaluBanyakGagal',
      'Terlalu banyak permintaan gagal dari klien ini dalam satu menit',
      tooManyFailures(42),
    ),
    ...when(
      budgeted && isPost,
      refusal(
        'bagianAntrean',
        'Klien ini sudah memegang bagiannya dari antrean perubahan',
        BUDGET_REFUSALS.queueShare(12),
      ),
    ),
    ...when(
      budgeted && endpoint.operationId === 'daftar',
      refusal(
        'daftarPerJam',
        'Melebihi DAFTAR_PER_HOUR',
        BUDGET_REFUSALS.daftarPerHour(DEFAULT_BUDGET.daftarPerHour, 600),
      ),
    ),
    ...when(
      budgeted && endpoint.operationId === 'mutasi',
      refusal('riwayatSekaligus', 'Terlalu banyak riwayat utuh sekaligus', BUDGET_REFUSALS.streams()),
    ),
    ...when(writes, refusal('antreanPenuh', 'Antrean perubahan penuh', new QueueFull())),
    refusal(
      'penyimpanan',
      'Penyimpanan tidak dapat dipakai (berkas data atau basis data)',
      new StorageUnavailable('gagal menyimpan berkas data (ENOSPC), tidak ada yang berubah'),
    ),
  ];
}

const HEADER_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'Retry-After': 'Detik sebelum boleh mencoba lagi.',
  'WWW-Authenticate': 'Tantangan Bearer (RFC 6750).',
};

/** A condition inside a sentence: its first letter lower-cased, names such as PIN and DAFTAR_PER_HOUR kept. */
const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * The responses of one status: its refusals' conditions as the description, their remarks as named examples, and
 * the headers every one of them sends (a header only some send is described as such, not required).
 */
function responseOf(refusals: readonly { refusal: Refusal; answer: Answer }[]): ResponseConfig {
  const headerNames = [...new Set(refusals.flatMap(({ answer }) => Object.keys(answer.headers)))];
  const headers = Object.fromEntries(
    headerNames.map((name) => {
      const sentBy = refusals.filter(({ answer }) => name in answer.headers);
      const always = sentBy.length === refusals.length;
      const only = always
        ? ''
        : ` Hanya pada: ${sentBy.map(({ refusal }) => lowerFirst(refusal.when)).join(', ')}.`;
      const schema =
        name === 'Retry-After' ? { type: 'integer' as const, minimum: 1 } : { type: 'string' as const };
      return [name, { description: `${HEADER_DESCRIPTIONS[name] ?? name}${only}`, required: always, schema }];
    }),
  );
  return {
    description: refusals.map(({ refusal }) => `- ${refusal.when}`).join('\n'),
    ...(headerNames.length === 0 ? {} : { headers }),
    content: {
      'application/json': {
        schema: RemarkResponse,
        examples: Object.fromEntries(
          refusals.map(({ refusal, answer }) => [
            refusal.name,
            { summary: refusal.when, value: { remark: answer.remark } },
          ]),
        ),
      },
    },
  };
}

/** Refusals grouped by the status each really becomes. */
function responsesOf(refusals: readonly Refusal[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, { refusal: Refusal; answer: Answer }[]>();
  for (const refusal of refusals) {
    const answer = toAnswer(refusal.error);
    byStatus.set(answer.status, [...(byStatus.get(answer.status) ?? []), { refusal, answer }]);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, group]) => [status, responseOf(group)]),
  );
}

function jsonResponse(schema: z.ZodType, description: string): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

export function createOpenApiDocument(settings: DocsSettings) {
  const registry = new OpenAPIRegistry();
  const open = settings.access.mode === 'open';
  if (!open) {
    registry.registerComponent('securitySchemes', 'bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      description: 'Token dari `npm run api-key -- <nama>`; server hanya menyimpan SHA-256-nya di API_KEYS.',
    });
  }
  // Open mode asks for nothing: `{}`, so that validating proxies and generated clients send no token.
  const security = open ? [{}] : [{ bearerAuth: [] }];
  for (const endpoint of ENDPOINTS) {
    const { method, path, operationId, tag, summary, description, body, headers, params, query, success } =
      endpoint;
    registry.registerPath({
      method,
      path,
      operationId,
      tags: [tag],
      summary,
      ...(description === undefined ? {} : { description }),
      security,
      request: {
        ...(body === undefined
          ? {}
          : { body: { required: true, content: { 'application/json': { schema: body } } } }),
        ...(headers === undefined ? {} : { headers }),
        ...(params === undefined ? {} : { params }),
        ...(query === undefined ? {} : { query }),
      },
      responses: {
        200: jsonResponse(success.schema, success.description),
        ...responsesOf([
          ...endpoint.refusals,
          ...edgeRefusals(endpoint, settings),
          ...sharedRefusals(settings),
        ]),
      },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/health',
    operationId: 'health',
    tags: ['layanan'],
    summary: 'Periksa kesehatan layanan',
    description: 'Tanpa token, untuk load balancer dan pemantau.',
    security: [{}],
    responses: {
      200: jsonResponse(HealthResponse, 'Layanan siap dan penyimpanan terbaca.'),
      ...responsesOf([
        ...hostRefusals(settings.access),
        refusal(
          'belumSiap',
          'Penyimpanan tidak terbaca; penyebabnya hanya di log server',
          new HttpError(503, 'layanan belum siap; penyebabnya ada di log server'),
        ),
        ...sharedRefusals(settings),
      ]),
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tabungan API',
      version: VERSION,
      description:
        'Layanan rekening tabungan: daftar, tabung, tarik, transfer, saldo dan mutasi. Nominal dan saldo adalah ' +
        'bilangan bulat rupiah. Setiap jawaban 200 dari POST berarti perubahan sudah tersimpan di disk.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the API is wherever this document was fetched from (OpenAPI 3.1, 4.8.5).
    servers: [{ url: '/', description: 'Server yang menyajikan dokumen ini' }],
    tags: Object.entries(TAGS).map(([name, tagDescription]) => ({ name, description: tagDescription })),
  });
}

/**
 * The OpenAPI document (GET /openapi.json) and Swagger UI (under /docs), as handlers for the app to mount at
 * those paths: mounted by path, no other request enters them (a router mounted at / cost every request ~5 %).
 * The document is built once: it never changes while running.
 */
export function createDocs(settings: DocsSettings): { document: RequestHandler[]; ui: RequestHandler[] } {
  const document = createOpenApiDocument(settings);
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
