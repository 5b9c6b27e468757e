// The reference servers the real one is measured against, in the same run: the ceiling for any Node HTTP service
// on this machine (bare node:http) and for any Express 5 service as shipped (express.json(), no validation, no
// store). `express-own-prototypes` is the same Express app on the request and answer classes the real server
// gives node:http (src/http/connections.ts), on which Express's Object.setPrototypeOf per request changes
// nothing: the ceiling for an Express service built on those classes, as ours is.
// Usage: node --import tsx bench/ceilings.ts http|express|express-own-prototypes  → prints {"port": N} once
// listening on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { messageClassesOf } from '../src/http/connections';

const SALDO = JSON.stringify({ saldo: 70_000 });

function bareHttp(): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST') JSON.parse(body);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(SALDO) });
      res.end(SALDO);
    });
  });
}

function minimalExpress(ownPrototypes: boolean): http.Server {
  const app = express();
  app.use(express.json());
  app.get('/saldo/:no_rekening', (_req, res) => {
    res.json({ saldo: 70_000 });
  });
  app.post('/tabung', (_req, res) => {
    res.json({ saldo: 70_000 });
  });
  app.post('/transfer', (_req, res) => {
    res.json({ saldo: 70_000 });
  });
  return http.createServer(ownPrototypes ? messageClassesOf(app) : {}, app);
}

const kind = process.argv[2];
const server = kind === 'http' ? bareHttp() : minimalExpress(kind === 'express-own-prototypes');
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
