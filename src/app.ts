// Builds the Express app from its dependencies; it never listens and never reads the environment.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createTabungan, type TabunganDeps } from './domain/tabungan';
import { checkHost, identifyClient, requireClient, type Access } from './http/auth';
import { createClientBudgets, type BudgetSettings } from './http/budgets';
import { createClosingConnections } from './http/closing';
import { createDocs } from './http/docs';
import { createErrorHandler, notFound } from './http/error-handler';
import { apiSecurityHeaders } from './http/security-headers';
import { FAILED_REQUEST_LIMIT, limitFailedRequests, limitPipelining } from './http/limits';
import { createRequestLogger } from './http/request-log';
import { createHealthRoute, createRoutes, methodNotAllowed } from './http/routes';
import type { Store } from './domain/store';

export interface AppDeps {
  store: Store;
  logger: Logger;
  clock?: () => Date;
  /** Who may call. Default: open mode, loopback Host names only. */
  access?: Access;
  /** A client's own failures per minute before 429; 0 turns the limit off. */
  failedRequestLimit?: number;
  /** Idempotency keys one client may have stored; beyond it a new key is answered 429. */
  idempotencyKeysPerClient?: number;
  /** Draws a fresh no_rekening; tests make two draws collide. */
  newNoRekening?: () => string;
  /** What one client may use of the server; undefined: no budget (open mode's default). */
  budget?: BudgetSettings | undefined;
  /** The PIN rules: hashing, lockout, whether new accounts need one, and the daily limit on money going out. */
  pins?: Pick<TabunganDeps, 'pinHasher' | 'pinLockoutMs' | 'isPinRequired' | 'dailyLimit'>;
}

export function createApp({
  store,
  logger,
  clock = () => new Date(),
  access = { mode: 'open', anyHost: false },
  failedRequestLimit = FAILED_REQUEST_LIMIT,
  idempotencyKeysPerClient,
  newNoRekening,
  budget,
  pins = {},
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are a few bytes and change with every write; hashing them for an ETag buys nothing.
  app.set('etag', false);
  const tabungan = createTabungan({
    store,
    clock,
    ...(idempotencyKeysPerClient === undefined ? {} : { idempotencyKeysPerClient }),
    ...(newNoRekening === undefined ? {} : { newNoRekening }),
    ...pins,
  });
  const closing = createClosingConnections();
  const budgets = createClientBudgets(budget, logger, closing);

  // The edge, in order. Identify the caller (a token lookup, never a refusal) and refuse it at once if it is
  // over its budget: a flood must cost next to nothing, so this runs before the log and everything else.
  app.use(closing.dropPipelined);
  app.use(apiSecurityHeaders);
  app.use(identifyClient(access));
  app.use(budgets.admit);
  app.use(createRequestLogger(logger));
  // Then bound pipelining, check the Host, serve the public endpoints (a caller's failures must not take the
  // health probe or the docs away), count failures, demand a key, and share the queue of changes.
  app.use(limitPipelining(closing));
  app.use(checkHost(access));
  app.use(methodNotAllowed);
  const docs = createDocs({ access, budgeted: budget !== undefined });
  app.get('/openapi.json', docs.document);
  app.use('/docs', docs.ui);
  app.use(createHealthRoute(tabungan, logger));
  app.use(limitFailedRequests(failedRequestLimit));
  app.use(requireClient);
  app.use(budgets.shareQueue);
  app.use(createRoutes(tabungan, budgets));
  app.use(notFound);
  app.use(createErrorHandler(logger));
  return app;
}
