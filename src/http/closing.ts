// When a request is over, and which connections are closing: the two facts the edge's counters and refusals
// rest on, each written once.
import type { Socket } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';

const pending = new WeakMap<Socket, Set<() => void>>();

/**
 * Runs `done` once, when the answer closes, or when its connection does: Node emits nothing on an answer still
 * queued behind an unfinished one when the connection dies, so a count released only on the answer's `close`
 * would stay taken for good. One listener per connection, however many requests are pipelined on it.
 */
export function whenSettled(req: Request, res: Response, done: () => void): void {
  const { socket } = req;
  let callbacks = pending.get(socket);
  if (callbacks === undefined) {
    const onSocket = new Set<() => void>();
    pending.set(socket, onSocket);
    socket.once('close', () => {
      for (const callback of [...onSocket]) callback();
    });
    callbacks = onSocket;
  }
  const registered = callbacks;
  let hasRun = false;
  const run = () => {
    if (hasRun) return;
    hasRun = true;
    registered.delete(run);
    res.off('close', run);
    done();
  };
  registered.add(run);
  res.once('close', run);
}

/**
 * Connections told to close (an answer with Connection: close). Node may already have parsed more requests
 * pipelined behind that answer; none of them may act, since their answers would never be sent, and none is
 * worth an answer either: they are dropped, and go when the connection does.
 */
export function createClosingConnections(): {
  mark: (socket: Socket) => void;
  dropPipelined: RequestHandler;
} {
  const closing = new WeakSet<Socket>();
  return {
    mark: (socket) => closing.add(socket),
    dropPipelined: (req, _res, next) => {
      if (!closing.has(req.socket)) next();
    },
  };
}
