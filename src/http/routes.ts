// The endpoints of the seed's contract: validate, call one use case, answer JSON.
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { IdempotencyKey } from '../domain/idempotency';
import {
  DaftarRequest,
  GerakDanaRequest,
  MutasiQuery,
  NoRekeningParams,
  TransferRequest,
} from '../domain/schemas';
import { StorageUnavailable } from '../domain/errors';
import type { Caller, Tabungan } from '../domain/tabungan';
import { clientOf } from './auth';
import type { ClientBudgets } from './budgets';
import { HttpError } from './error-handler';
import { jsonBody } from './json-body';
import { requestIdOf } from './request-log';
import { sendJsonList } from './json-stream';
import { validate } from './validate';

/** The client requireClient let through, and the optional Idempotency-Key header, checked like any field. */
function caller(req: Request): Caller {
  const client = clientOf(req);
  if (client === undefined) throw new Error('a protected route was reached without a client');
  return {
    client: client.name,
    requestId: requestIdOf(req),
    idempotencyKey: validate(IdempotencyKey.optional(), req.get('Idempotency-Key')),
  };
}

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

  router.post('/daftar', budgets.daftar, jsonBody, async (req, res) => {
    res.json(await tabungan.daftar(validate(DaftarRequest, req.body), caller(req)));
  });

  router.post('/tabung', jsonBody, async (req, res) => {
    res.json(await tabungan.tabung(validate(GerakDanaRequest, req.body), caller(req)));
  });

  router.post('/tarik', jsonBody, async (req, res) => {
    res.json(await tabungan.tarik(validate(GerakDanaRequest, req.body), caller(req)));
  });

  router.post('/transfer', jsonBody, async (req, res) => {
    res.json(await tabungan.transfer(validate(TransferRequest, req.body), caller(req)));
  });

  router.get('/saldo/:no_rekening', async (req, res) => {
    res.json(await tabungan.saldo(validate(NoRekeningParams, req.params).no_rekening));
  });

  router.get('/mutasi/:no_rekening', async (req, res) => {
    const { no_rekening } = validate(NoRekeningParams, req.params);
    const query = validate(MutasiQuery, req.query);
    // Without limit or sebelum the answer is the whole history (the brief's contract): streamed, however long.
    if (query.limit === undefined && query.sebelum === undefined) {
      const pace = budgets.stream(req, res);
      await sendJsonList(res, 'mutasi', await tabungan.mutasi(no_rekening, query), pace);
    } else {
      res.json(await tabungan.halamanMutasi(no_rekening, query));
    }
  });

  return router;
}
