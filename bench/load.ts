// Load generation: one route at a time with autocannon, bounded by connections and seconds, on 127.0.0.1.
import autocannon from 'autocannon';
import { seededNoRekening } from './seed';
import { AUTHORIZATION } from './servers';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = 64;

export type Route = 'GET /saldo' | 'POST /tabung' | 'POST /tabung + key' | 'POST /transfer';
/** The ceilings and the SQLite anchors keep no keys, so a key means nothing to them. */
export const CEILING_ROUTES: Route[] = ['GET /saldo', 'POST /tabung', 'POST /transfer'];
/** Transfers go between random pairs of accounts. */
export const SERVER_ROUTES: Route[] = ['GET /saldo', 'POST /tabung', 'POST /tabung + key', 'POST /transfer'];

/** Unique Idempotency-Keys for this run: every keyed request is a first request, never a replay. */
let keyCounter = 0;
const runId = Date.now().toString(36);

/** Sends `route` to random accounts among the first `accounts` for `seconds`. */
export async function load(
  port: number,
  route: Route,
  accounts: number,
  seconds: number,
  connections = CONNECTIONS,
): Promise<autocannon.Result> {
  const pick = () => seededNoRekening(Math.floor(Math.random() * accounts));
  const body = () => JSON.stringify({ no_rekening: pick(), nominal: 1_000 });
  const transferBody = () => {
    const asal = pick();
    let tujuan = pick();
    while (tujuan === asal) tujuan = pick();
    return JSON.stringify({ no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1 });
  };
  const requests: Record<Route, autocannon.Request> = {
    'GET /saldo': {
      method: 'GET',
      headers: { authorization: AUTHORIZATION },
      setupRequest: (req) => ({ ...req, path: `/saldo/${pick()}` }),
    },
    'POST /tabung': {
      method: 'POST',
      path: '/tabung',
      headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
      setupRequest: (req) => ({ ...req, body: body() }),
    },
    'POST /tabung + key': {
      method: 'POST',
      path: '/tabung',
      setupRequest: (req) => ({
        ...req,
        headers: {
          'content-type': 'application/json',
          authorization: AUTHORIZATION,
          'idempotency-key': `bench-${runId}-${keyCounter++}`,
        },
        body: body(),
      }),
    },
    'POST /transfer': {
      method: 'POST',
      path: '/transfer',
      headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
      setupRequest: (req) => ({ ...req, body: transferBody() }),
    },
  };
  const request = requests[route];
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [request],
  });
}
