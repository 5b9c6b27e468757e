// The shared Store contract against a real PostgreSQL server.
import { openPostgresStore } from '../src/store/postgres/postgres-store';
import { adaPostgres, skemaBaru } from './postgres';
import { describeStoreContract } from './store-contract';

(adaPostgres ? describe : describe.skip)(
  'PostgreSQL store (skipped only outside CI without TEST_DATABASE_URL)',
  () => {
    let nomor = 0;
    describeStoreContract('PostgreSQL store', async () => {
      nomor += 1;
      return openPostgresStore(await skemaBaru(`kontrak${nomor}`));
    });
  },
);
