// Bodies are JSON of at most 100 kB; anything else is refused before a route sees it, and what is not an object
// by the route's schema.
import { isUtf8 } from 'node:buffer';
import express, { Router, type RequestHandler } from 'express';
import { HttpError } from './error-handler';

/** Whether the request says it carries JSON; unlike req.is, also when it carries no body at all. */
const saysJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/json\s*(?:;|$)/i.test(contentType);

/** No body: neither chunked nor a length above 0. */
const hasNoBody = (headers: { 'transfer-encoding'?: string; 'content-length'?: string }): boolean =>
  headers['transfer-encoding'] === undefined && Number(headers['content-length'] ?? 0) === 0;

export const NO_BODY = new HttpError(400, 'body wajib diisi: kirim objek JSON');
export const NOT_JSON = new HttpError(415, 'Content-Type harus application/json');

const requireJsonContentType: RequestHandler = (req, _res, next) => {
  // A JSON request with nothing in it is missing its body, not sent with the wrong type.
  if (hasNoBody(req.headers) && saysJson(req.headers['content-type'])) {
    next(NO_BODY);
    return;
  }
  next(req.is('application/json') ? undefined : NOT_JSON);
};

/** Invalid UTF-8 would be decoded into U+FFFD and stored as if the client had sent it; refuse it instead. */
function requireUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new Error('body is not valid UTF-8');
}

export const jsonBody: RequestHandler = Router().use(
  requireJsonContentType,
  // Not strict: `null`, a number or a string is valid JSON, and the schema's own remark says what is wrong with
  // it (body harus berupa objek JSON) rather than calling it invalid JSON.
  express.json({ limit: '100kb', verify: requireUtf8, strict: false }),
);
