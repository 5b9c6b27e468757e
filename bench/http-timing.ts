// Timed requests to the real server, one at a time per caller, over keep-alive connections on 127.0.0.1: for the
// rows that measure single requests' latency rather than a load's throughput.
import http from 'node:http';
import { AUTHORIZATION } from './servers';

export interface Timed {
  status: number;
  /** From sending the request to the answer's last byte. */
  ms: number;
  /** From sending the request to the answer's first body byte (or its end, for an empty body). */
  firstByteMs: number;
  bytes: number;
  /** Only when asked for: concurrent readers of a large answer keep none of it, only count it. */
  body?: Buffer;
}

export interface TimedClient {
  request: (method: 'GET' | 'POST', requestPath: string, options?: RequestOptions) => Promise<Timed>;
  close: () => void;
}

interface RequestOptions {
  json?: unknown;
  keepBody?: boolean;
}

/** No single request may hang the bench: past this it fails, and the run with it. */
const REQUEST_TIMEOUT_MS = 120_000;

/** A client of the server on `port`; any answer but 200 is an error, since a failed request measures nothing. */
export function timedClient(port: number): TimedClient {
  const agent = new http.Agent({ keepAlive: true });
  const request = (
    method: 'GET' | 'POST',
    requestPath: string,
    { json, keepBody = false }: RequestOptions = {},
  ) =>
    new Promise<Timed>((resolve, reject) => {
      const payload = json === undefined ? undefined : JSON.stringify(json);
      const headers: http.OutgoingHttpHeaders = { authorization: AUTHORIZATION };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const started = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, method, path: requestPath, agent, headers },
        (res) => {
          let firstByteMs: number | undefined;
          let bytes = 0;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            firstByteMs ??= performance.now() - started;
            bytes += chunk.length;
            if (keepBody || res.statusCode !== 200) chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const ms = performance.now() - started;
            const body = Buffer.concat(chunks);
            if (res.statusCode !== 200) {
              reject(new Error(`${method} ${requestPath}: ${String(res.statusCode)} ${body.toString()}`));
              return;
            }
            resolve({
              status: res.statusCode,
              ms,
              firstByteMs: firstByteMs ?? ms,
              bytes,
              ...(keepBody && { body }),
            });
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${requestPath}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `step` until `count` runs or `budgetMs` has passed (at least once), returning each run's value. */
export async function repeat<T>(
  count: number,
  budgetMs: number,
  step: (index: number) => Promise<T>,
): Promise<T[]> {
  const deadline = performance.now() + budgetMs;
  const results: T[] = [];
  for (let index = 0; index < count && (index === 0 || performance.now() < deadline); index += 1) {
    results.push(await step(index));
  }
  return results;
}
