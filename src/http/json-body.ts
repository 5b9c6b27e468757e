// Bodies are JSON objects of at most 100 kB; anything else is refused before a route sees it.
import express, { Router, type RequestHandler } from 'express';
import { HttpError } from './error-handler';

const requireJsonContentType: RequestHandler = (req, _res, next) => {
  next(req.is('application/json') ? undefined : new HttpError(415, 'Content-Type harus application/json'));
};

export const jsonBody: RequestHandler = Router().use(
  requireJsonContentType,
  express.json({ limit: '100kb' }),
);
