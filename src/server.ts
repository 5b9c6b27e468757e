// The entry point: the only module that reads the environment, listens, and decides when the process ends.
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { openJsonFileStore } from './store/json-file-store';
import { openPostgresStore } from './store/postgres/postgres-store';
import type { Store } from './store/store';

function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.STORE === 'postgres' && config.DATABASE_URL !== undefined)
    return openPostgresStore(config.DATABASE_URL);
  return openJsonFileStore(config.DATA_FILE, {
    staleMs: config.LOCK_STALE_MS,
    onLockCompromised: (error) => logger.error({ err: error }, 'lock berkas data hilang'),
    onWrite: (write) => logger.debug(write, 'berkas data ditulis'),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Asynchronous writes keep logging off the request path; redact is a backstop, as bodies are never logged.
  const logger = pino(
    { level: config.LOG_LEVEL, redact: { paths: ['*.nik', '*.no_hp', '*.body'], censor: '[disamarkan]' } },
    pino.destination({ sync: false }),
  );
  const store = await openStore(config, logger);
  const server = createApp({ store, logger }).listen(config.PORT, config.HOST);
  server.once('listening', () => {
    const { address, port } = server.address() as AddressInfo;
    const penyimpanan = config.STORE === 'json' ? config.DATA_FILE : 'postgres';
    logger.info({ address, port, store: penyimpanan }, 'Tabungan API siap');
  });
  server.once('error', (error) => {
    logger.fatal({ err: error }, 'server tidak dapat mendengarkan');
    process.exitCode = 1;
    void store.close();
  });

  let berhenti = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (berhenti) return;
    berhenti = true;
    logger.info({ signal }, 'berhenti: menyelesaikan penulisan yang sedang berjalan');
    // Stop accepting, let in-flight requests finish (their writes included), then release the file lock.
    server.close(() => {
      void store.close().then(() => {
        logger.info('berhenti dengan bersih');
        logger.flush();
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // Before the logger exists (bad config, unreadable data file) the message is all there is: make it plain.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
