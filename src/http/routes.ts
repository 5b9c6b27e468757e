// The Express routes, built from the endpoint table (endpoints.ts): a POST parses its JSON body, and every
// handler validates, calls one use case and answers JSON.
import { Router } from 'express';
import type { Logger } from 'pino';
import { StorageUnavailable } from '../domain/errors';
import type { Tabungan } from '../domain/tabungan';
import type { ClientBudgets } from './budgets';
import { ENDPOINTS } from './endpoints';
import { HttpError } from './error-handler';
import { jsonBody } from './json-body';

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
    const body = endpoint.body === undefined ? [] : [jsonBody];
    router[endpoint.method](expressPath(endpoint.path), ...before, ...body, endpoint.handler(deps));
  }
  return router;
}
