// Builds the Express app from its dependencies; it never listens and never reads the environment.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createTabungan } from './domain/tabungan';
import { identifyClient, requireClient, type Access } from './http/auth';
import { createDocs } from './http/docs';
import { createErrorHandler, notFound } from './http/error-handler';
import { apiSecurityHeaders } from './http/security-headers';
import { FAILED_REQUEST_LIMIT, limitFailedRequests, limitPipelining } from './http/limits';
import { createRequestLogger } from './http/request-log';
import { createHealthRoute, createRoutes } from './http/routes';
import type { Store } from './domain/store';

export interface AppDeps {
  store: Store;
  logger: Logger;
  clock?: () => Date;
  /** Who may call. Default: open mode, loopback Host names only. */
  access?: Access;
  /** Answers >= 400 per client per minute before 429; 0 turns the limit off. */
  failedRequestLimit?: number;
}

export function createApp({
  store,
  logger,
  clock = () => new Date(),
  access = { mode: 'open', anyHost: false },
  failedRequestLimit = FAILED_REQUEST_LIMIT,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are a few bytes and change with every write; hashing them for an ETag buys nothing.
  app.set('etag', false);
  const tabungan = createTabungan({ store, clock });

  app.use(apiSecurityHeaders);
  app.use(createRequestLogger(logger));
  // The edge, in order: bound pipelining, identify the caller, serve the public endpoints (a caller's failures
  // must not take the health probe or the docs away), count failures, then demand a key. Identifying before
  // refusing lets the failure limit slow down token guessing.
  app.use(limitPipelining());
  app.use(identifyClient(access));
  const docs = createDocs();
  app.get('/openapi.json', docs.document);
  app.use('/docs', docs.ui);
  app.use(createHealthRoute(tabungan));
  app.use(limitFailedRequests(failedRequestLimit, access));
  app.use(requireClient);
  app.use(createRoutes(tabungan));
  app.use(notFound);
  app.use(createErrorHandler(logger));
  return app;
}
