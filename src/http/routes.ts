// The endpoints of the seed's contract: validate, call one use case, answer JSON.
import { Router, type Request } from 'express';
import { IdempotencyKey } from '../domain/idempotensi';
import { DaftarRequest, GerakDanaRequest, MutasiQuery, NoRekeningParams } from '../domain/schemas';
import type { Tabungan } from '../domain/tabungan';
import { jsonBody } from './json-body';
import { validate } from './validate';

/** The optional Idempotency-Key header, checked like any other field. */
function idempotencyKey(req: Request): string | undefined {
  return validate(IdempotencyKey.optional(), req.get('Idempotency-Key'));
}

export function createRoutes(tabungan: Tabungan): Router {
  const router = Router();

  router.post('/daftar', jsonBody, async (req, res) => {
    res.json(await tabungan.daftar(validate(DaftarRequest, req.body), idempotencyKey(req)));
  });

  router.post('/tabung', jsonBody, async (req, res) => {
    res.json(await tabungan.tabung(validate(GerakDanaRequest, req.body), idempotencyKey(req)));
  });

  router.post('/tarik', jsonBody, async (req, res) => {
    res.json(await tabungan.tarik(validate(GerakDanaRequest, req.body), idempotencyKey(req)));
  });

  router.get('/saldo/:no_rekening', async (req, res) => {
    res.json(await tabungan.saldo(validate(NoRekeningParams, req.params).no_rekening));
  });

  router.get('/mutasi/:no_rekening', async (req, res) => {
    const { no_rekening } = validate(NoRekeningParams, req.params);
    res.json(await tabungan.mutasi(no_rekening, validate(MutasiQuery, req.query)));
  });

  router.get('/health', async (_req, res) => {
    res.json(await tabungan.kesehatan());
  });

  return router;
}
