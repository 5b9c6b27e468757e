// Builds the Express app from its dependencies; it never listens and never reads the environment.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createTabungan } from './domain/tabungan';
import helmet from 'helmet';
import { createDocsRouter } from './http/docs';
import { createErrorHandler, notFound } from './http/error-handler';
import { createRequestLogger } from './http/request-log';
import { createRoutes } from './http/routes';
import type { Store } from './store/store';

export interface AppDeps {
  store: Store;
  logger: Logger;
  clock?: () => Date;
}

export function createApp({ store, logger, clock = () => new Date() }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Answers are a few bytes and change with every write; hashing them for an ETag buys nothing.
  app.set('etag', false);

  app.use(
    helmet({
      // Plain HTTP here (TLS belongs to the proxy in front): upgrading requests or pinning HTTPS would break
      // /docs when the server is reached on a LAN address, so those two are the proxy's to set.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: false,
    }),
  );
  app.use(createRequestLogger(logger));
  app.use(createDocsRouter());
  app.use(createRoutes(createTabungan({ store, clock })));
  app.use(notFound);
  app.use(createErrorHandler(logger));
  return app;
}
