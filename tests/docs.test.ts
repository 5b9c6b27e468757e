import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Router } from 'express';
import request from 'supertest';
import { createTabungan } from '../src/domain/tabungan';
import { createHealthRoute, createRoutes } from '../src/http/routes';
import { createClientBudgets } from '../src/http/budgets';
import { createClosingConnections } from '../src/http/closing';
import { makeAnyStoreApp, makeTestApp, silentLogger, type TestApp } from './helpers';
import { DEFAULT_BUDGET } from '../src/http/budgets';

interface Operation {
  operationId?: string;
  tags?: string[];
  requestBody?: {
    required?: boolean;
    content: { 'application/json': { schema: { $ref?: string; example?: unknown } } };
  };
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  responses: Record<
    string,
    {
      headers?: Record<string, { required?: boolean }>;
      content?: {
        'application/json': {
          schema: { $ref?: string };
          examples?: Record<string, { value: { remark: string } }>;
        };
      };
    }
  >;
  security?: Record<string, string[]>[];
}
type Document = {
  openapi: string;
  info: { version: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes?: Record<string, { type: string; scheme?: string }>;
    schemas: Record<string, { example?: unknown; properties?: Record<string, Record<string, unknown>> }>;
  };
};

/** Every "METHOD /path" the Express router serves, in OpenAPI's {param} spelling. */
function routesOf(router: Router): string[] {
  return router.stack.flatMap((layer) => {
    const route = layer.route as { path: string; methods: Record<string, boolean> } | undefined;
    if (!route) return [];
    const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
    return Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${openApiPath}`);
  });
}

/** The example remarks of one response. */
function examplesOf(doc: Document, method: string, p: string, status: string): string[] {
  const examples = doc.paths[p]?.[method]?.responses[status]?.content?.['application/json'].examples ?? {};
  return Object.values(examples).map((example) => example.value.remark);
}

describe('API documentation', () => {
  let t: TestApp;
  let doc: Document;
  beforeAll(async () => {
    t = await makeTestApp();
    doc = (await request(t.app).get('/openapi.json').expect(200)).body as Document;
  });

  it('serves a document that validates as OpenAPI 3.1', () => {
    const result = spawnSync(process.execPath, [path.join(__dirname, 'tools', 'validate-openapi.mjs')], {
      input: JSON.stringify(doc),
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, version: '3.1', errors: null });
    expect(doc.openapi).toBe('3.1.0');
  });

  it('documents exactly the routes the app serves, no more and no fewer', () => {
    const tabungan = createTabungan({ store: t.store, clock: () => new Date() });
    const budgets = createClientBudgets(undefined, silentLogger, createClosingConnections());
    const served = [
      ...routesOf(createHealthRoute(tabungan, silentLogger)),
      ...routesOf(createRoutes(tabungan, budgets)),
    ];
    const documented = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(served.sort());
  });

  it('gives every request an example, and every POST that moves money or registers its Idempotency-Key header and {remark} errors', () => {
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const ref = operation.requestBody?.content['application/json'].schema.$ref;
        if (ref) expect(doc.components.schemas[ref.split('/').at(-1) ?? '']?.example).toBeDefined();
        // A cursor has no example: one account's cursor is refused on every other (an example would mislead).
        const parameters = (operation.parameters ?? []).filter(
          (x) => x.in !== 'header' && x.name !== 'sebelum',
        );
        for (const parameter of parameters) {
          expect([
            `${method} ${p} ${parameter.name}`,
            parameter.example ?? parameter.schema?.example,
          ]).not.toContain(undefined);
        }
        // POST /pin and /pin/reset take none: setting a PIN again is the same state, and a fingerprint holds no PIN.
        if (method === 'post' && !p.startsWith('/pin')) {
          const header = operation.parameters?.find((x) => x.in === 'header' && x.name === 'Idempotency-Key');
          expect(header).toBeDefined();
          // An example would be sent by every "Try it out", turning each new request into a conflicting retry.
          expect(header?.example ?? header?.schema?.example).toBeUndefined();
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status !== '200') {
            expect(response.content?.['application/json'].schema.$ref).toBe(
              '#/components/schemas/RemarkResponse',
            );
          }
        }
      }
    }
  });

  it('asks for no token in open mode: security {} everywhere, no bearer scheme, no 401', () => {
    expect(doc.components.securitySchemes).toBeUndefined();
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect([`${method} ${p}`, operation.security]).toEqual([`${method} ${p}`, [{}]]);
        expect(Object.keys(operation.responses)).not.toContain('401');
      }
    }
    // The foreign-Host refusal is open mode's 403, /health's included.
    expect(examplesOf(doc, 'get', '/health', '403')).toEqual([
      'tanpa API_KEYS server hanya melayani Host localhost, 127.0.0.1 atau [::1]',
    ]);
  });

  it('with API keys, declares the bearer scheme on every endpoint but /health, with its 401 and challenge', async () => {
    const keyed = await makeAnyStoreApp({
      access: { mode: 'apiKeys', apiKeys: [] },
      budget: { ...DEFAULT_BUDGET, maxQueuedChanges: 1_000 },
    });
    const keyedDoc = (await request(keyed.app).get('/openapi.json').expect(200)).body as Document;
    expect(keyedDoc.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [p, methods] of Object.entries(keyedDoc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (p === '/health') {
          expect(operation.security).toEqual([{}]);
          expect(Object.keys(operation.responses)).toEqual(['200', '429', '500', '503']);
          continue;
        }
        expect([`${method} ${p}`, operation.security]).toEqual([`${method} ${p}`, [{ bearerAuth: [] }]]);
        expect(operation.responses['401']?.headers?.['WWW-Authenticate']?.required).toBe(true);
      }
    }
    expect(examplesOf(keyedDoc, 'post', '/pin/reset', '403')).toContain(
      'kunci API ini tidak boleh mengatur ulang PIN (perlu pilihan :reset-pin di API_KEYS)',
    );
    expect(examplesOf(keyedDoc, 'get', '/saldo/{no_rekening}', '403')).not.toContain(
      'kunci API ini hanya boleh membaca (GET /saldo, GET /mutasi)',
    );
  });

  it('lists only the statuses each operation can answer', () => {
    const statuses = (method: string, p: string) => Object.keys(doc.paths[p]?.[method]?.responses ?? {});
    const post = ['200', '400', '403', '409', '413', '415', '429', '500', '503'];
    for (const p of ['/daftar', '/tabung', '/tarik', '/transfer', '/pin'])
      expect([p, statuses('post', p)]).toEqual([p, post]);
    // No Idempotency-Key and no PIN_BELUM_ADA on a reset: nothing answers 409 there.
    expect(statuses('post', '/pin/reset')).toEqual(['200', '400', '403', '413', '415', '429', '500', '503']);
    for (const p of ['/saldo/{no_rekening}', '/mutasi/{no_rekening}']) {
      expect([p, statuses('get', p)]).toEqual([p, ['200', '400', '403', '429', '500', '503']]);
    }
    expect(statuses('get', '/health')).toEqual(['200', '403', '429', '500', '503']);
  });

  it('shows the remarks the server sends, and Retry-After only where it is sent', () => {
    expect(examplesOf(doc, 'post', '/tarik', '400')).toContain(
      'saldo tidak cukup: saldo 70000, nominal penarikan 100000',
    );
    expect(examplesOf(doc, 'post', '/pin', '409')).toEqual([
      'rekening 1234567890 belum memiliki PIN; PIN pertama diberikan saat daftar atau oleh operator (/pin/reset)',
    ]);
    const headersOf = (method: string, p: string, status: string) =>
      doc.paths[p]?.[method]?.responses[status]?.headers ?? {};
    // A full queue says when to come back; storage that cannot be used does not know.
    expect(headersOf('post', '/tabung', '503')['Retry-After']?.required).toBe(false);
    expect(headersOf('get', '/health', '503')).toEqual({});
    // Reading an account without a PIN writes nothing, but a PIN-checked read counts the attempt.
    expect(headersOf('get', '/saldo/{no_rekening}', '503')['Retry-After']).toBeDefined();
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (response.headers?.['Retry-After'])
            expect([method, p, status]).toEqual([method, p, expect.stringMatching(/^(429|503)$/)]);
        }
      }
    }
  });

  it('names, tags and versions what a code generator needs', () => {
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    const tags = new Set(doc.tags.map((tag) => tag.name));
    for (const operation of operations) expect(tags.has(operation.tags?.[0] ?? '')).toBe(true);
    expect(doc.info.version).toBe(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
    );
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    for (const p of ['/daftar', '/tabung', '/tarik', '/transfer', '/pin', '/pin/reset']) {
      expect([p, doc.paths[p]?.post?.requestBody?.required]).toEqual([p, true]);
    }
    // A generator must not pick a 32-bit integer for money.
    const saldo = doc.components.schemas.SaldoResponse?.properties?.saldo;
    expect(saldo).toMatchObject({
      type: 'integer',
      format: 'int64',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    });
  });

  it('explains the cursor rather than faking one', () => {
    const sebelum = doc.paths['/mutasi/{no_rekening}']?.get?.parameters?.find((x) => x.name === 'sebelum');
    expect(sebelum?.example ?? sebelum?.schema?.example).toBeUndefined();
    expect(sebelum?.schema).toMatchObject({
      description: expect.stringContaining('rekening yang sama') as unknown,
    });
  });

  it('describes the fields in Indonesian', () => {
    const fields = doc.components.schemas.DaftarRequest?.properties ?? {};
    expect(fields.nik?.description).toContain('16 digit angka');
    expect(fields.no_hp?.description).toContain('Nomor ponsel');
  });

  it('serves Swagger UI at /docs, under the security headers', async () => {
    const res = await request(t.app).get('/docs/').expect(200).expect('Content-Type', /html/);
    expect(res.text).toContain('swagger-ui');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // Plain HTTP on a LAN address must keep working: no forced upgrade to HTTPS.
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers).not.toHaveProperty('strict-transport-security');
  });
});
