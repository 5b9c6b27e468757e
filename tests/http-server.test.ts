// The HTTP server builds every request and answer on the app's own prototypes, so that Express, which gives each
// of them those prototypes, changes nothing (src/http/connections.ts says what the change used to cost).
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createHttpServer } from '../src/http/connections';

/** A listening server for `app` that records the prototypes each request and answer arrive on. */
async function serve(app: Express) {
  const server = createHttpServer(app);
  const arrived: { request: unknown; answer: unknown }[] = [];
  // Ahead of the app's own listener: the prototypes as node:http built them, before Express sees them.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const request: unknown = Object.getPrototypeOf(req);
    const answer: unknown = Object.getPrototypeOf(res);
    arrived.push({ request, answer });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrived,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

it('hands Express requests and answers already on its prototypes, and Express still serves them', async () => {
  const app = express();
  app.get('/gema/:kata', (req, res) => {
    res.json({ kata: req.params.kata, accept: req.get('accept') });
  });
  // Two servers for one app (the tests make several): the first server's requests must still arrive on
  // app.request once the second exists, which a second set of classes would have replaced.
  const servers = [await serve(app), await serve(app)];
  try {
    for (const server of servers) {
      const answer = await fetch(`${server.url}/gema/halo`, { headers: { accept: 'text/plain' } });

      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ kata: 'halo', accept: 'text/plain' });
      expect(server.arrived).toHaveLength(1);
      expect(server.arrived[0]?.request).toBe(app.request);
      expect(server.arrived[0]?.answer).toBe(app.response);
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
});
