// npm run audit -- <no_rekening>: an account's whole history with who made each mutasi (the API client and the
// server's request id, which the request's log line carries too), one JSON line per mutasi, from the store
// configured as the server's (STORE, DATA_FILE, DATABASE_URL). For operators: the API never shows these fields.
import { loadConfig } from '../config';
import { NoRekening } from '../domain/schemas';
import type { Store } from '../domain/store';
import { openJsonFileStore } from '../store/json-file';
import { openPostgresStore } from '../store/postgres';
import { answerHelp, exitWithUsage, report } from './command';

const USAGE = 'npm run audit -- <no_rekening>';
answerHelp(USAGE);

const [noRekening, ...extra] = process.argv.slice(2);
if (noRekening === undefined || extra.length > 0 || !NoRekening.safeParse(noRekening).success)
  exitWithUsage(USAGE);

function openConfiguredStore(): Promise<Store> {
  const config = loadConfig();
  return config.STORE === 'postgres'
    ? openPostgresStore(config.DATABASE_URL)
    : openJsonFileStore(config.DATA_FILE);
}

report(
  (async () => {
    const store = await openConfiguredStore();
    try {
      const batches = await store.mutasi(noRekening, {});
      if (batches === null) throw new Error(`no_rekening ${noRekening} tidak dikenali`);
      let count = 0;
      for await (const batch of batches) {
        for (const mutasi of batch) {
          // Mutasi kept before the audit trail have no client or request id: shown as null, not guessed.
          const { client = null, request_id = null, ...fields } = mutasi;
          console.log(JSON.stringify({ ...fields, client, request_id }));
          count += 1;
        }
      }
      // The count goes to stderr, so that stdout is JSON lines only, for jq or a spreadsheet.
      console.error(`${count} mutasi`);
      return '';
    } finally {
      await store.close();
    }
  })(),
);
