import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Router } from 'express';
import request from 'supertest';
import { createTabungan } from '../src/domain/tabungan';
import { createHealthRoute, createRoutes } from '../src/http/routes';
import { createClientBudgets } from '../src/http/budgets';
import { createClosingConnections } from '../src/http/closing';
import { makeTestApp, silentLogger, type TestApp } from './helpers';

interface Operation {
  requestBody?: { content: { 'application/json': { schema: { $ref?: string; example?: unknown } } } };
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  responses: Record<string, { content?: { 'application/json': { schema: { $ref?: string } } } }>;
  security?: Record<string, string[]>[];
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes?: Record<string, { type: string; scheme?: string }>;
    schemas: Record<string, { example?: unknown; properties?: Record<string, { description?: string }> }>;
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
        for (const parameter of (operation.parameters ?? []).filter((x) => x.in !== 'header')) {
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

  it('declares the bearer scheme, required by every endpoint but /health, with its 401, 403 and 429 answers', () => {
    expect(doc.components.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (p === '/health') {
          expect(operation.security).toEqual([]);
          continue;
        }
        expect([`${method} ${p}`, operation.security]).toEqual([`${method} ${p}`, [{ bearerAuth: [] }]]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
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
