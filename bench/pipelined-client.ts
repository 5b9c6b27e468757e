// A raw HTTP/1.1 client on net.Socket that pipelines: node:http and wrk wait for each answer before the
// next request, but a greedy client writes many ahead, which is what the per-connection limits exist for.
// Used by the fairness load (bench/fairness-load.ts) for the floods.
import net from 'node:net';
import { sleep } from './http-timing';

/** What the attacker's side saw: answers by status, connection errors by code, and connections opened. */
export interface Tally {
  statuses: Record<string, number>;
  errors: Record<string, number>;
  connects: number;
}

export const newTally = (): Tally => ({ statuses: {}, errors: {}, connects: 0 });

export const countInto = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

export interface SlotOptions {
  port: number;
  localAddress: string;
  /** Requests written ahead of their answers on one connection. */
  depth: number;
  /** The next request, complete: request line, headers and body. */
  nextRequest: () => string;
  /** The slot stops writing once this says so, or at its deadline or request budget. */
  stopped: () => boolean;
  deadline: number;
  maxRequests: number;
  /** A server that closes us is not hammered: at most this many connects per second for this slot. */
  connectsPerSecond: number;
  tally: Tally;
}

/** Writes an HTTP/1.1 request with a bearer token and, if given, a JSON body. */
export function httpRequest(
  method: 'GET' | 'POST',
  requestPath: string,
  token: string,
  json?: unknown,
): string {
  const body = json === undefined ? '' : JSON.stringify(json);
  const bodyHeaders =
    json === undefined
      ? ''
      : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${requestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${bodyHeaders}\r\n${body}`;
}

interface Answer {
  status: number;
  closes: boolean;
}

/**
 * Splits a byte stream into answers: a status line, headers, then a Content-Length or chunked body. The flood's
 * answers are small, so an incomplete one is simply parsed again from its start when more bytes arrive.
 */
export class AnswerParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Answer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const answers: Answer[] = [];
    for (;;) {
      const parsed = this.parseOne();
      if (parsed === undefined) return answers;
      answers.push(parsed.answer);
      this.pending = this.pending.subarray(parsed.length);
    }
  }

  private parseOne(): { answer: Answer; length: number } | undefined {
    const headEnd = this.pending.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const head = this.pending.subarray(0, headEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    const closes = /\r\nconnection: *close/i.test(head);
    const bodyStart = headEnd + 4;
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const end = this.chunkedEnd(bodyStart);
      return end === undefined ? undefined : { answer: { status, closes }, length: end };
    }
    const contentLength = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.pending.length < bodyStart + contentLength) return undefined;
    return { answer: { status, closes }, length: bodyStart + contentLength };
  }

  /** Where a chunked body ends (after its last, empty chunk), if it has all arrived; no trailers expected. */
  private chunkedEnd(from: number): number | undefined {
    let at = from;
    for (;;) {
      const lineEnd = this.pending.indexOf('\r\n', at);
      if (lineEnd === -1) return undefined;
      const size = parseInt(this.pending.subarray(at, lineEnd).toString('latin1'), 16);
      const next = lineEnd + 2 + size + 2;
      if (this.pending.length < next) return undefined;
      if (size === 0) return next;
      at = next;
    }
  }
}

const IDLE_MS = 10_000;

/** One connection: `depth` requests ahead, one more per answer, until told to stop or the server closes it. */
function pipelineOnce(options: SlotOptions, budget: number): Promise<number> {
  const { tally } = options;
  return new Promise((resolve) => {
    let written = 0;
    let answered = 0;
    let closing = false;
    const parser = new AnswerParser();
    const mayWrite = () =>
      !closing && !options.stopped() && written < budget && performance.now() < options.deadline;
    const write = (count: number) => {
      socket.cork();
      for (let i = 0; i < count && mayWrite(); i += 1) {
        socket.write(options.nextRequest());
        written += 1;
      }
      socket.uncork();
    };
    const socket = net.connect({ port: options.port, host: '127.0.0.1', localAddress: options.localAddress });
    tally.connects += 1;
    socket.setNoDelay(true);
    // A server that stops answering must not hold the slot for ever.
    socket.setTimeout(IDLE_MS, () => {
      countInto(tally.errors, 'timeout');
      socket.destroy();
    });
    socket.on('connect', () => write(options.depth));
    socket.on('data', (chunk: Buffer) => {
      const answers = parser.push(chunk);
      for (const answer of answers) {
        countInto(tally.statuses, String(answer.status));
        closing ||= answer.closes;
      }
      answered += answers.length;
      if (mayWrite()) write(answers.length);
      else if (answered >= written) socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      countInto(tally.errors, error.code ?? error.message),
    );
    socket.on('close', () => {
      // Requests the server never answered: it closed the connection with them still queued.
      if (written > answered) countInto(tally.errors, 'unanswered', written - answered);
      resolve(written);
    });
  });
}

/** A connection slot: reconnects when the server closes it, no faster than connectsPerSecond. */
export async function runPipelinedSlot(options: SlotOptions): Promise<void> {
  let sent = 0;
  let lastConnect = -Infinity;
  const gapMs = 1_000 / options.connectsPerSecond;
  while (!options.stopped() && sent < options.maxRequests && performance.now() < options.deadline) {
    const waitMs = lastConnect + gapMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    lastConnect = performance.now();
    sent += await pipelineOnce(options, options.maxRequests - sent);
  }
}
