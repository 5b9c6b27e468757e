// The Express routes, built from the endpoint table (endpoints.ts): a POST parses its JSON body, and every
// handler validates, calls one use case and answers JSON.
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { StorageUnavailable } from '../domain/errors';
import type { Tabungan } from '../domain/tabungan';
import type { ClientBudgets } from './budgets';
import { ENDPOINTS } from './endpoints';
import { HttpError } from './error-handler';
import { jsonBody } from './json-body';
import { NoQuery } from '../domain/schemas';
import { validate } from './validate';

/** `/saldo/{no_rekening}` (OpenAPI) as Express writes it: `/saldo/:no_rekening`. */
const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * GET /health: for load balancers and probes, so it needs no API key, and says no more than ready or not. Why
 * not (which account of the data file breaks which rule) is for the operator: the log, never a stranger.
 */
export function createHealthRoute(tabungan: Tabungan, logger: Logger): Router {
  return Router().get('/health', async (_req, res) => {
    try {
      res.json(await tabungan.health());
    } catch (error) {
      if (!(error instanceof StorageUnavailable)) throw error;
      logger.warn({ remark: error.remark, detail: error.detail }, 'not ready: storage unavailable');
      throw new HttpError(503, 'layanan belum siap; penyebabnya ada di log server');
    }
  });
}

/** The public endpoints' paths and methods, beside the endpoint table's (createHealthRoute, app.ts's docs). */
const PUBLIC_PATHS: readonly { path: string; method: string }[] = [
  { path: '/health', method: 'get' },
  { path: '/openapi.json', method: 'get' },
];

/** `/saldo/{no_rekening}` as a pattern for one path segment in place of each parameter. */
const pathPattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`);

/** Each known path, and the methods it answers (a GET answers HEAD too). */
const KNOWN_PATHS = [...ENDPOINTS, ...PUBLIC_PATHS].reduce((known, { path, method }) => {
  const methods = known.get(path)?.methods ?? [];
  const added = method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()];
  known.set(path, { pattern: pathPattern(path), methods: [...methods, ...added] });
  return known;
}, new Map<string, { pattern: RegExp; methods: string[] }>());

/** The methods a known path answers, or undefined for a path no endpoint has. */
function allowedMethods(path: string): readonly string[] | undefined {
  for (const { pattern, methods } of KNOWN_PATHS.values()) if (pattern.test(path)) return methods;
  return undefined;
}

/**
 * A known path asked with a method it does not answer: 405 with `Allow` and a remark (RFC 9110 15.5.6), and
 * OPTIONS answered with the same `Allow`, instead of Express's text/plain answer. It runs before authentication:
 * which methods a path takes is in the public OpenAPI document anyway.
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const methods = allowedMethods(req.path);
  if (methods === undefined || methods.includes(req.method)) {
    next();
    return;
  }
  const allow = [...methods, 'OPTIONS'].join(', ');
  if (req.method === 'OPTIONS') {
    res.setHeader('Allow', allow).status(204).end();
    return;
  }
  next(
    new HttpError(405, `${req.path} tidak menerima ${req.method}; gunakan ${methods.join(' atau ')}`, {
      Allow: allow,
    }),
  );
};

/** An endpoint without query parameters refuses any, so a misspelt one (`?from=`) is named, not ignored. */
const refuseQuery: RequestHandler = (req, _res, next) => {
  // Nearly every request has no query string at all: only one with a `?` can have something to refuse.
  if (req.url.includes('?')) validate(NoQuery, req.query);
  next();
};

/** The endpoints behind authentication. */
export function createRoutes(tabungan: Tabungan, budgets: ClientBudgets): Router {
  const router = Router();
  // Saldo and history are personal: no browser or proxy may keep a copy of any answer.
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const deps = { tabungan, budgets };
  for (const endpoint of ENDPOINTS) {
    const before = endpoint.before?.(deps) ?? [];
    const query = endpoint.query === undefined ? [refuseQuery] : [];
    const body = endpoint.body === undefined ? [] : [jsonBody];
    router[endpoint.method](expressPath(endpoint.path), ...query, ...before, ...body, endpoint.handler(deps));
  }
  return router;
}
