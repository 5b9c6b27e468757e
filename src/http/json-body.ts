// Bodies are JSON objects of at most 100 kB; anything else is refused before a route sees it.
import { isUtf8 } from 'node:buffer';
import express, { Router, type RequestHandler } from 'express';
import { HttpError } from './error-handler';

const requireJsonContentType: RequestHandler = (req, _res, next) => {
  next(req.is('application/json') ? undefined : new HttpError(415, 'Content-Type harus application/json'));
};

/** Invalid UTF-8 would be decoded into U+FFFD and stored as if the client had sent it; refuse it instead. */
function requireUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new Error('body is not valid UTF-8');
}

export const jsonBody: RequestHandler = Router().use(
  requireJsonContentType,
  express.json({ limit: '100kb', verify: requireUtf8 }),
);
