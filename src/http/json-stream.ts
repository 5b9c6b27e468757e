// Answers whose list may be long (a whole history) are sent as they are read, batch by batch, with backpressure.
import { setImmediate } from 'node:timers/promises';
import type { Response } from 'express';

/**
 * Sends `{"<field>":[…]}` from batches: each is serialised and written on its own, and the next is read only
 * once the socket has taken the last (drain), so one request holds the event loop for one batch at a time and a
 * client that stops reading makes the server hold at most one batch and the socket's buffer for it. The first
 * batch is read before anything is sent, so a store that fails at once still gets its proper error answer; a
 * failure after that goes on to the error handler, which can only cut the connection: the client sees a broken
 * answer, never a short one.
 */
export async function sendJsonList(
  res: Response,
  field: string,
  batches: AsyncIterable<readonly unknown[]>,
  /** Called after each batch is written with how many items it held; the next is read once it resolves. */
  pace: (items: number) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.status(200).type('application/json');
  if (res.req.method === 'HEAD') {
    // Express answers HEAD with the GET route; reading the rest of a long history would be for nothing.
    await iterator.return?.();
    res.end();
    return;
  }
  let separator = '';
  res.write(`{${JSON.stringify(field)}:[`);
  try {
    while (next.done !== true) {
      // Asked now, not when the last write returned: the socket may have drained while the batch was read.
      if (res.writableNeedDrain) await writable(res);
      // Always yield to the event loop too: a socket that takes a write at once emits 'drain' in a nextTick, and a
      // chain of those would send the whole history before any other request got a turn (measured: 370 ms).
      await setImmediate();
      if (res.destroyed) return;
      if (next.value.length > 0) {
        res.write(separator + next.value.map((item) => JSON.stringify(item)).join(','));
        separator = ',';
        await pace(next.value.length);
      }
      next = await iterator.next();
    }
  } finally {
    // A client that left mid-answer: stop reading the store (closes a generator's resources).
    if (next.done !== true) await iterator.return?.();
  }
  res.end(']}');
}

/** Resolves when the socket wants more, or is gone. */
function writable(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
