// A streamed answer whose store fails part-way: the client must see a broken answer, never a short valid one.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import type { Mutasi } from '../src/domain/schemas';
import { capturingLogger } from './helpers';
import { failingStore } from './failing-store';

const mutasi: Mutasi = { waktu: '2026-11-29T00:00:00.000Z', kode_transaksi: 'C', nominal: 1 };

describe('GET /mutasi, when the store fails after the answer began', () => {
  it('cuts the connection, so the client never takes the part it got for the whole history', async () => {
    const store = {
      ...failingStore(new Error('disk went away')),
      // An account without a PIN, so the history is read.
      rekening: () => Promise.resolve({ saldo: 100, pin: undefined }),
      mutasi: () =>
        Promise.resolve(
          (async function* () {
            yield Array.from({ length: 100 }, () => mutasi);
            await Promise.resolve();
            throw new Error('disk went away');
          })(),
        ),
    };
    const log = capturingLogger();
    const server = createApp({ store, logger: log.logger, failedRequestLimit: 0 }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = await new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, path: '/mutasi/1234567890', agent: false }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode, body }));
            res.on('error', (error) => resolve({ status: res.statusCode, body, error: error.message }));
          })
          .on('error', (error) => resolve({ body: '', error: error.message }));
      });
      expect(outcome.status).toBe(200);
      expect(outcome.error).toBe('aborted');
      expect(() => JSON.parse(outcome.body) as unknown).toThrow();
      const lines = log.lines.map((line) => JSON.parse(line) as { msg: string });
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining([
          'request failed after its answer began',
          'request cut off before its answer was complete',
        ]),
      );
    } finally {
      server.close();
    }
  });
});
