// Who is calling: the name of the API key a request carries, or the one client of open mode. Runs before the
// limits and the routes, so the domain only ever sees a client name, never a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { OPEN_MODE_CLIENT } from '../domain/idempotency';
import { addressGroup } from './address-group';
import { HttpError } from './error-handler';

/**
 * One entry of API_KEYS: who the client is, the SHA-256 of its token, whether it may only read, and the budget
 * an operator gave it instead of the default (requests per second, POST /daftar per hour).
 */
export interface ApiKey {
  name: string;
  sha256: Buffer;
  readOnly: boolean;
  /** Whether it may reset a nasabah's PIN (POST /pin/reset): an operator's key, never a teller's. */
  mayResetPin: boolean;
  requestsPerSecond?: number | undefined;
  daftarPerHour?: number | undefined;
}

/**
 * With API keys, every protected request must carry one. Open mode (no keys) is for a laptop: one client, and
 * only requests addressed to a loopback name, so a web page cannot reach the API through DNS rebinding unless
 * the operator said `anyHost` (ALLOW_UNAUTHENTICATED=true, a proxy in front checks callers).
 */
export type Access = { mode: 'apiKeys'; apiKeys: readonly ApiKey[] } | { mode: 'open'; anyHost: boolean };

export interface Client {
  name: string;
  readOnly: boolean;
  mayResetPin: boolean;
  /** The key the request carried; absent in open mode. */
  apiKey?: ApiKey;
}

/** Open mode's one client is the laptop's owner, the operator too. */
const OPEN_CLIENT: Client = { name: OPEN_MODE_CLIENT, readOnly: false, mayResetPin: true };
/** The whole Host header: a loopback name and, optionally, a port; nothing before or after. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::[0-9]{1,5})?$/i;
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

const clients = new WeakMap<Request, Client>();

/** The client identified for this request, if any. */
export function clientOf(req: Request): Client | undefined {
  return clients.get(req);
}

/**
 * Whose budget a request spends: its API key's, or, without a valid key (and in open mode, where every caller is
 * the one client), its address's. req.ip is the socket's address unless an operator sets `trust proxy`.
 */
export function limitKeyOf(req: Request): string {
  const apiKey = clients.get(req)?.apiKey;
  return apiKey === undefined ? `address ${addressGroup(req.ip)}` : `apiKey ${apiKey.name}`;
}

/**
 * Every key is compared, each in constant time, so neither the answer time nor an early exit tells an attacker
 * how close a guess came or which key it matched.
 */
function findApiKey(apiKeys: readonly ApiKey[], token: string): ApiKey | undefined {
  const presented = createHash('sha256').update(token).digest();
  let found: ApiKey | undefined;
  for (const apiKey of apiKeys) if (timingSafeEqual(apiKey.sha256, presented)) found = apiKey;
  return found;
}

/**
 * Identifies the caller without refusing anyone yet: the budgets need to know whose a request is before they
 * refuse it, and the failure limit counts refused guesses too.
 */
export function identifyClient(access: Access): RequestHandler {
  if (access.mode === 'open') {
    return (req, _res, next) => {
      clients.set(req, OPEN_CLIENT);
      next();
    };
  }
  return (req, _res, next) => {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const apiKey = token === undefined ? undefined : findApiKey(access.apiKeys, token);
    if (apiKey !== undefined) {
      clients.set(req, {
        name: apiKey.name,
        readOnly: apiKey.readOnly,
        mayResetPin: apiKey.mayResetPin,
        apiKey,
      });
    }
    next();
  };
}

/** Refusals of the edge, as constants: the OpenAPI document shows them as they are sent. */
export const FOREIGN_HOST = new HttpError(
  403,
  'tanpa API_KEYS server hanya melayani Host localhost, 127.0.0.1 atau [::1]',
);
export const MISSING_TOKEN = new HttpError(401, 'wajib mengirim Authorization: Bearer <token>', {
  'WWW-Authenticate': 'Bearer realm="tabungan"',
});
export const UNKNOWN_TOKEN = new HttpError(
  401,
  'token tidak dikenali; kirim Authorization: Bearer <token> dengan token yang berlaku',
  { 'WWW-Authenticate': 'Bearer realm="tabungan", error="invalid_token"' },
);
export const READ_ONLY_KEY = new HttpError(
  403,
  'kunci API ini hanya boleh membaca (GET /saldo, GET /mutasi)',
);
export const NO_PIN_RESET = new HttpError(
  403,
  'kunci API ini tidak boleh mengatur ulang PIN (perlu pilihan :reset-pin di API_KEYS)',
);

/** In open mode, only requests addressed to a loopback name (see Access); with API keys, any Host. */
export function checkHost(access: Access): RequestHandler {
  return (req, _res, next) => {
    if (access.mode === 'open' && !access.anyHost && !LOOPBACK_HOST.test(req.headers.host ?? '')) {
      next(FOREIGN_HOST);
      return;
    }
    next();
  };
}

/** 401 without a known key, 403 for a read-only key on anything but a read. */
export const requireClient: RequestHandler = (req, _res, next) => {
  const client = clientOf(req);
  if (client === undefined) {
    next(req.headers.authorization === undefined ? MISSING_TOKEN : UNKNOWN_TOKEN);
    return;
  }
  if (client.readOnly && req.method !== 'GET' && req.method !== 'HEAD') {
    next(READ_ONLY_KEY);
    return;
  }
  next();
};

/** Only a key with the reset-pin permission (or open mode's client) may reset a nasabah's PIN. */
export const requirePinReset: RequestHandler = (req, _res, next) => {
  if (clientOf(req)?.mayResetPin !== true) {
    next(NO_PIN_RESET);
    return;
  }
  next();
};
