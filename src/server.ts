// The entry point: the only module that reads the environment, listens, and decides when the process ends.
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createApp } from './app';
import { budgetOf, dailyLimitOf, loadConfig, type Config } from './config';
import { adaptHeapGrowth, limitHeapGrowth } from './heap-growth';
import type { Access } from './http/auth';
import { CONNECTION_LIMITS, createHttpServer } from './http/connections';
import { openJsonFileStore } from './store/json-file';
import { openPostgresStore } from './store/postgres';
import type { Store } from './domain/store';

// Before the store loads anything, so that loading a large file is bounded too (see heap-growth.ts).
limitHeapGrowth();

function openStore(config: Config, logger: Logger): Promise<Store> {
  const limits = { maxQueuedChanges: config.MAX_QUEUED_CHANGES };
  if (config.STORE === 'postgres') return openPostgresStore(config.DATABASE_URL, limits);
  return openJsonFileStore(config.DATA_FILE, {
    ...limits,
    staleMs: config.LOCK_STALE_MS,
    onLockCompromised: (error) => logger.error({ err: error }, 'data file lock lost'),
    onWrite: (write) => logger.debug(write, 'data file written'),
    onFoldFailed: (error) =>
      logger.warn(
        { err: error },
        'journal not folded into the data file; it keeps every batch, retried next write',
      ),
    onModeTightened: (change) =>
      logger.warn(change, 'data file was readable by other users; its mode is now 0600'),
  });
}

function accessOf(config: Config): Access {
  if (config.API_KEYS.length > 0) return { mode: 'apiKeys', apiKeys: config.API_KEYS };
  return { mode: 'open', anyHost: config.ALLOW_UNAUTHENTICATED };
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Asynchronous writes keep logging off the request path; redact is a backstop, as bodies are never logged.
  const logger = pino(
    {
      level: config.LOG_LEVEL,
      redact: {
        paths: [
          '*.nik',
          '*.no_hp',
          '*.body',
          '*.authorization',
          '*.headers.authorization',
          '*.pin',
          '*.hash',
          '*.headers["x-pin"]',
          '*.headers["x-pin-baru"]',
        ],
        censor: '[disamarkan]',
      },
    },
    pino.destination({ sync: false }),
  );
  const store = await openStore(config, logger);
  // Only once it is loaded: a collection during the load would size the growth from a heap still filling up.
  const stopAdaptingHeap = adaptHeapGrowth((growth) =>
    logger.debug(growth, 'heap growth set after a full collection'),
  );
  const access = accessOf(config);
  const app = createApp({
    store,
    logger,
    access,
    failedRequestLimit: config.FAILED_REQUEST_LIMIT,
    idempotencyKeysPerClient: config.IDEMPOTENCY_KEYS_PER_CLIENT,
    budget: budgetOf(config),
    pins: {
      pinLockoutMs: config.PIN_LOCKOUT_MINUTES * 60_000,
      isPinRequired: config.PIN_REQUIRED,
      dailyLimit: dailyLimitOf(config),
    },
  });
  const server = createHttpServer(app, {
    ...CONNECTION_LIMITS,
    maxConnections: config.MAX_CONNECTIONS,
    maxConnectionsPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS,
  });
  server.listen(config.PORT, config.HOST);
  server.once('listening', () => {
    const { address, port } = server.address() as AddressInfo;
    const storeName = config.STORE === 'json' ? config.DATA_FILE : 'postgres';
    const clients = access.mode === 'apiKeys' ? access.apiKeys.map((apiKey) => apiKey.name) : 'open mode';
    logger.info({ address, port, store: storeName, clients }, 'Tabungan API ready');
  });
  server.once('error', (error) => {
    logger.fatal({ err: error }, 'server cannot listen');
    process.exitCode = 1;
    void store.close();
  });

  let isStopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'stopping: finishing the writes in flight');
    // Stop accepting, let in-flight requests finish (their writes included), then release the file lock.
    server.close(() => {
      void store.close().then(() => {
        logger.info('stopped cleanly');
        logger.flush();
        stopAdaptingHeap();
      });
    });
    server.closeIdleConnections();
    // A slow client must not keep the process alive: after the grace, its connection is cut. Writes already
    // accepted still finish, as store.close() waits for them.
    setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // Before the logger exists (bad config, unreadable data file) the message is all there is: make it plain.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
